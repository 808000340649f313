"""What every messaging channel does with a message before the bot sees it: the address
becomes a pseudonym, "stop" ends the conversation, a number or the words of a choice become
that choice, and anything that goes wrong gets a kind answer instead of silence.

Only pseudonyms and event types reach the logs: never an address, never what someone wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, Event, Restarted, UserUttered

from bot.channels import choices, pseudonym
from bot.clock import Clock, clock_from_env
from bot.handoff.messages import SAFETY_LINE
from bot.handoff.queue import HandoffQueue
from bot.handoff.service import wants_to_stop

logger = logging.getLogger(__name__)

ONLY_TEXT = ("Ik kan alleen tekst lezen. Wil je in een paar woorden typen wat er is? "
             "Bij direct gevaar: bel 112.")
SOMETHING_WENT_WRONG = "Sorry, er ging bij mij iets mis. Probeer het zo nog eens. " + SAFETY_LINE
STOPPED = ("Het gesprek is gestopt. Wil je niet dat iemand dit gesprek ziet? Verwijder de chat "
           "dan ook in deze app. Je kunt altijd opnieuw beginnen met een nieuw bericht. "
           + SAFETY_LINE)
PERSON_STOPPED = "De persoon typte 'stop' en heeft het gesprek beëindigd."
STOP_INTENT = "stop_conversation"

NewMessage = Callable[[UserMessage], Awaitable[Any]]


def queue_from_settings() -> HandoffQueue:
    """The handoff queue in the database of settings.yml (VT_DATABASE_URL overrides it)."""
    from bot.settings import load_settings

    return HandoffQueue.from_url(load_settings().handoff.database_url)


@dataclass
class Door:
    channel: str  # Rasa's channel name, e.g. "whatsapp"
    key: bytes  # the pseudonym key
    output: OutputChannel
    clock: Clock = field(default_factory=clock_from_env)

    @cached_property
    def queue(self) -> HandoffQueue:
        """Made at the first "stop": most messages never need it."""
        return queue_from_settings()

    async def receive(self, agent: Any, on_new_message: NewMessage, address: str,
                      text: Optional[str], metadata: Optional[Dict[str, Any]] = None) -> None:
        """Hand one incoming message (text None: a photo, voice note, location ...) to the bot."""
        conversation = pseudonym.conversation_id(self.key, self.channel, address)
        try:
            if text is None or not text.strip():
                await self.output.send_text_message(conversation, ONLY_TEXT)
            elif wants_to_stop(None, text):
                await self.stop(agent, conversation, text)
            else:
                await on_new_message(UserMessage(
                    await self._as_choice(agent, conversation, text), self.output, conversation,
                    input_channel=self.channel, metadata=metadata))
        except Exception as exc:  # noqa: BLE001 - the person must hear something, always
            # The type only: exception texts can quote the message or an address.
            logger.error("%s message for %s failed: %s", self.channel, conversation,
                         type(exc).__name__)
            await self._try_send(conversation, SOMETHING_WENT_WRONG)

    async def _as_choice(self, agent: Any, conversation: str, text: str) -> str:
        """The payload of the choice `text` picks, else `text` itself."""
        tracker = await agent.tracker_store.retrieve(conversation)
        if tracker is None:
            return text
        open_choices = choices.open_choices(event.as_dict() for event in tracker.events)
        return choices.resolve(text, open_choices) or text

    async def stop(self, agent: Any, conversation: str, text: str) -> None:
        """End the conversation like the website's quick exit: stop a handoff, tell the
        counsellor, start over, and tell the person how to clear the chat in their app."""
        events: List[Event] = [UserUttered(text, intent={"name": STOP_INTENT, "confidence": 1.0},
                                           input_channel=self.channel)]
        ticket = self.queue.active_for(conversation)
        # Read again after the stop: a counsellor may have claimed it a moment before.
        if ticket is not None and self.queue.stop(ticket.id, self.clock()) \
                and self.queue.get(ticket.id).claimed_by:
            events.append(BotUttered(PERSON_STOPPED, metadata={"author": "system"}))
        events += [BotUttered(STOPPED, metadata={"author": "bot"}), Restarted()]
        await append(agent, conversation, events)
        await self.output.send_text_message(conversation, STOPPED)

    async def _try_send(self, conversation: str, text: str) -> None:
        try:
            await self.output.send_text_message(conversation, text)
        except Exception as exc:  # noqa: BLE001 - nothing more we can do; logged without text
            logger.error("%s could not send to %s: %s", self.channel, conversation,
                         type(exc).__name__)


async def append(agent: Any, conversation: str, events: List[Event]) -> None:
    """Add events to a conversation the way Rasa's own HTTP API does (same lock, same code)."""
    from rasa.server import update_conversation_with_events  # heavy: only when needed

    async with agent.lock_store.lock(conversation):
        tracker = await update_conversation_with_events(conversation, agent.processor,
                                                        agent.domain, events)
        await agent.tracker_store.save(tracker)

