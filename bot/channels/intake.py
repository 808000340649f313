"""What every channel (REST, the website's socket.io, Telegram, WhatsApp) does with a person's
message around the bot's own work.

Before the bot: the text must be at most MAX_MESSAGE_CHARS long and the flood guard must let
it through; "/restart" during a handoff first closes the ticket. Neither costs any NLU.
After the bot: a failure anywhere (the bot, the database) still gets the person an answer with
112 and 0800-2000; and while the bot is paused for a handoff, a message about danger now gets
"bel 112" from here at once, whatever else is down (the console, the action server).

Every refusal is an answer, never silence, and every answer carries 112 and 0800-2000.
Only event kinds and pseudonymous ids reach the logs, never what someone wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, Event, Restarted, UserUttered

from bot.acute_cues import ACUTE_INTENT
from bot.channels.flood_guard import FloodGuard
from bot.clock import Clock, clock_from_env
from bot.handoff.messages import SAFETY_LINE
from bot.handoff.queue import HandoffQueue
from bot.tracker_store import StoreFailures, current_failures

logger = logging.getLogger(__name__)

# Longer messages are refused before any NLU (the bot's NLU reads at most the first
# NLU_MAX_CHARS, see components/spacy_bounded.py). WhatsApp and Telegram stop at 4,096.
MAX_MESSAGE_CHARS = 5000
RESTART_COMMAND = "/restart"

TOO_LONG = ("Je bericht is te lang voor mij: het mag hoogstens 5.000 tekens zijn. Wil je het in "
            "een paar kortere berichten sturen? " + SAFETY_LINE)
SLOW_DOWN = ("Je stuurt veel berichten vlak achter elkaar. Wacht even en stuur je bericht dan "
             "opnieuw. " + SAFETY_LINE)
NOT_KEPT = ("Sorry, er is bij ons iets mis: ik kon je bericht niet bewaren. Bel gratis "
            "0800-2000, daar zit dag en nacht iemand voor je klaar. Bij direct gevaar: bel 112.")
SOMETHING_WENT_WRONG = "Sorry, er ging bij mij iets mis. Probeer het zo nog eens. " + SAFETY_LINE
ACUTE_WHILE_PAUSED = ("Ben je of is iemand nu in gevaar? Bel dan meteen 112. Dat is het snelst. "
                      "Je kunt daarna hier verder typen.")
RESTARTED = "We beginnen opnieuw. Vertel gerust wat je zorgen maakt. " + SAFETY_LINE
PERSON_RESTARTED = "De persoon is opnieuw begonnen (/restart) en heeft dit gesprek verlaten."

NewMessage = Callable[[UserMessage], Awaitable[Any]]


class _CountingOutput(OutputChannel):
    """The channel's own output, counting what the bot sends through it."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override] # the inner channel's, for responses
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


def queue_from_settings() -> HandoffQueue:
    """The handoff queue in the database of settings.yml (VT_DATABASE_URL overrides it)."""
    from bot.settings import load_settings

    return HandoffQueue.from_url(load_settings().handoff.database_url)


@dataclass
class Intake:
    channel: str  # Rasa's channel name, e.g. "socketio"
    guard: FloodGuard = field(default_factory=FloodGuard.from_settings)
    clock: Clock = field(default_factory=clock_from_env)

    @cached_property
    def queue(self) -> HandoffQueue:
        """Made at the first "/restart" or "stop": most messages never need it."""
        return queue_from_settings()

    async def receive(self, agent: Any, on_new_message: NewMessage, text: str,
                      output: OutputChannel, conversation: str, source: str,
                      connection: Optional[str] = None,
                      metadata: Optional[Dict[str, Any]] = None) -> None:
        """Hand one message to the bot, or answer it here."""
        if len(text) > MAX_MESSAGE_CHARS:
            await output.send_text_message(conversation, TOO_LONG)
            return
        if not self.guard.allow(conversation, source, connection):
            logger.warning("%s message for %s refused: over a flood limit", self.channel,
                           conversation)
            await output.send_text_message(conversation, SLOW_DOWN)
            return
        if text.strip().startswith(RESTART_COMMAND) and self._ends_handoff(conversation):
            await self.end_conversation(agent, output, conversation, text, RESTARTED,
                                        PERSON_RESTARTED, "restart")
            return
        await self.process(agent, on_new_message, text, output, conversation, source,
                           metadata)

    async def process(self, agent: Any, on_new_message: NewMessage, text: str,
                      output: OutputChannel, conversation: str, source: str,
                      metadata: Optional[Dict[str, Any]]) -> None:
        counting = _CountingOutput(output)
        failures = StoreFailures()
        token = current_failures.set(failures)
        try:
            await on_new_message(UserMessage(
                text, counting, conversation, input_channel=self.channel,
                metadata={**(metadata or {}), "source": source}))
        except Exception as exc:  # noqa: BLE001 - the person must hear something, always
            # The type only: exception texts can quote the message or an address.
            logger.error("%s message for %s failed: %s", self.channel, conversation,
                         type(exc).__name__)
            await try_send(output, conversation, NOT_KEPT if failures.kinds
                            else SOMETHING_WENT_WRONG)
            return
        finally:
            current_failures.reset(token)
        if failures.kinds:
            # Rasa carried on without its database: what it said was not kept, so say that.
            _discard_collected(output, counting.sent)
            await try_send(output, conversation, NOT_KEPT)
        elif counting.sent == 0:
            await self._answer_if_acute_while_paused(agent, output, conversation)

    def _ends_handoff(self, conversation: str) -> bool:
        return self.queue.active_for(conversation) is not None

    async def end_conversation(self, agent: Any, output: OutputChannel, conversation: str,
                               text: str, reply: str, note: str, intent: str) -> None:
        """End a conversation like the website's quick exit: stop a handoff (telling the
        counsellor of a live one), start over, and tell the person."""
        events: List[Event] = [UserUttered(text, intent={"name": intent, "confidence": 1.0},
                                           input_channel=self.channel)]
        ticket = self.queue.active_for(conversation)
        # Read again after the stop: a counsellor may have claimed it a moment before.
        if ticket is not None and self.queue.stop(ticket.id, self.clock()) \
                and self.queue.get(ticket.id).claimed_by:
            events.append(BotUttered(note, metadata={"author": "system"}))
        events += [BotUttered(reply, metadata={"author": "bot"}), Restarted()]
        await append(agent, conversation, events)
        await output.send_text_message(conversation, reply)

    async def _answer_if_acute_while_paused(self, agent: Any, output: OutputChannel,
                                            conversation: str) -> None:
        """Rasa parses but does not answer while paused; danger now must not wait for the
        console's worker (which may be down): 112 from here, also into the transcript."""
        tracker = await agent.tracker_store.retrieve(conversation)
        if tracker is None or not tracker.is_paused():
            return
        latest = tracker.latest_message
        if latest is None or (latest.intent or {}).get("name") != ACUTE_INTENT:
            return
        await append(agent, conversation, [BotUttered(ACUTE_WHILE_PAUSED,
                                                      metadata={"author": "bot"})])
        await output.send_text_message(conversation, ACUTE_WHILE_PAUSED)


def _discard_collected(output: OutputChannel, count: int) -> None:
    """Drop what the bot said on a collecting channel (REST) when nothing of it was kept."""
    messages = getattr(output, "messages", None)
    if isinstance(messages, list) and count:
        del messages[-count:]


async def try_send(output: OutputChannel, conversation: str, text: str) -> None:
    try:
        await output.send_text_message(conversation, text)
    except Exception as exc:  # noqa: BLE001 - nothing more we can do; logged without text
        logger.error("could not answer %s: %s", conversation, type(exc).__name__)


async def append(agent: Any, conversation: str, events: List[Event]) -> None:
    """Add events to a conversation the way Rasa's own HTTP API does (same lock, same code)."""
    from rasa.server import update_conversation_with_events  # heavy: only when needed

    async with agent.lock_store.lock(conversation):
        tracker = await update_conversation_with_events(conversation, agent.processor,
                                                        agent.domain, events)
        await agent.tracker_store.save(tracker)
