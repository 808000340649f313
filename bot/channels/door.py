"""What the messaging channels (Telegram, WhatsApp) do with a message before the shared intake
(`bot/channels/intake.py`) sees it: the address becomes a pseudonym, "stop" ends the
conversation, and a number or the words of a choice become that choice.

Only pseudonyms and event types reach the logs: never an address, never what someone wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from rasa.core.channels.channel import OutputChannel

from bot.channels import choices, pseudonym
from bot.channels.intake import Intake, NewMessage, SOMETHING_WENT_WRONG, try_send
from bot.handoff.messages import SAFETY_LINE
from bot.handoff.service import STOP_INTENT, wants_to_stop

logger = logging.getLogger(__name__)

ONLY_TEXT = ("Ik kan alleen tekst lezen. Wil je in een paar woorden typen wat er is? "
             "Bij direct gevaar: bel 112.")
STOPPED = ("Het gesprek is gestopt. Wil je niet dat iemand dit gesprek ziet? Verwijder de chat "
           "dan ook in deze app. Je kunt altijd opnieuw beginnen met een nieuw bericht. "
           + SAFETY_LINE)
PERSON_STOPPED = "De persoon typte 'stop' en heeft het gesprek beëindigd."


@dataclass
class Door:
    channel: str  # Rasa's channel name, e.g. "whatsapp"
    key: bytes  # the pseudonym key
    output: OutputChannel
    intake: Intake = field(init=False)

    def __post_init__(self) -> None:
        self.intake = Intake(self.channel)

    async def receive(self, agent: Any, on_new_message: NewMessage, address: str,
                      text: Optional[str], metadata: Optional[Dict[str, Any]] = None) -> None:
        """Hand one incoming message (text None: a photo, voice note, location ...) to the bot."""
        conversation = pseudonym.conversation_id(self.key, self.channel, address)
        try:
            if text is None or not text.strip():
                await self.output.send_text_message(conversation, ONLY_TEXT)
            elif wants_to_stop(None, text):
                await self.intake.end_conversation(agent, self.output, conversation, text,
                                                   STOPPED, PERSON_STOPPED, STOP_INTENT)
            else:
                # Each phone or Telegram account is its own source: the platform's servers
                # send for everyone.
                await self.intake.receive(
                    agent, on_new_message, await self._as_choice(agent, conversation, text),
                    self.output, conversation, self.intake.guard.source(conversation),
                    metadata=metadata)
        except Exception as exc:  # noqa: BLE001 - the person must hear something, always
            # The type only: exception texts can quote the message or an address.
            logger.error("%s message for %s failed: %s", self.channel, conversation,
                         type(exc).__name__)
            await try_send(self.output, conversation, SOMETHING_WENT_WRONG)

    async def _as_choice(self, agent: Any, conversation: str, text: str) -> str:
        """The payload of the choice `text` picks, else `text` itself."""
        tracker = await agent.tracker_store.retrieve(conversation)
        if tracker is None:
            return text
        open_choices = choices.open_choices(event.as_dict() for event in tracker.events)
        return choices.resolve(text, open_choices) or text
