"""The handoff's life after the ticket: claim, reply, end, and the worker that looks after the
people who wait (place in the queue, stop waiting, acute danger, nobody free in time).

The queue decides (one guarded UPDATE per change, so two counsellors or two workers can never
both act); only the one that won the change then tells the person, through the Rasa API.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from sqlalchemy.engine import Engine

from bot.conversation_ids import InvalidConversationId

from bot.clock import Clock
from bot.handoff import messages
from bot.handoff.messages import Message
from bot.handoff.queue import CLAIMED, HandoffQueue, Ticket
from bot.handoff.rasa_api import RasaClient, RasaUnavailable
from bot.handoff.transcript import (COUNSELLOR, PERSON, RESTART, RESUME, has_reply,
                                   since_last_pause)
from bot.schedule import ChatSchedule, describe_opening

logger = logging.getLogger(__name__)

# Pick-ups in this window feed the wait estimate.
ESTIMATE_WINDOW = timedelta(days=14)
# A waiting person hears from the bot at least this often, even when nothing moved.
REMIND_EVERY = timedelta(minutes=4)
STOP_INTENT = "stop_waiting"
GOODBYE_INTENT = "goodbye"
STOP_WORDS = frozenset({"stop", "stoppen", "ik stop", "stop maar", messages.STOP_WAITING_PAYLOAD})
_WORKER = {"author": "handoff_worker"}


class NotYours(PermissionError):
    """The counsellor tried to act on a conversation that is not (or no longer) theirs."""


def status_message(ticket: Ticket, position: int, recent_waits: Sequence[timedelta],
                   now: datetime, max_wait: timedelta) -> Message:
    """The place-in-queue message: place, estimate, time left, and how to stop."""
    estimate = messages.estimate_wait(position, recent_waits)
    time_left = max(ticket.created_at + max_wait - now, timedelta(minutes=1))
    return messages.queue_status(position, estimate, time_left)


def resume_events(bot_events: List[dict]) -> List[dict]:
    """Give the conversation back to the bot. The closing `action_listen` matters: the bot was
    paused right after `action_handoff`, and Rasa's rules only match a person's message that
    follows `action_listen`; without it the first message after a handoff gets the fallback."""
    return [{"event": "resume"}, *bot_events, {"event": "action", "name": "action_listen"}]


def wants_to_stop(intent: Optional[str], text: str) -> bool:
    return intent == STOP_INTENT or " ".join(text.lower().split()).strip(".!") in STOP_WORDS


def leaves_while_waiting(intent: Optional[str], text: str) -> bool:
    """"stop", or a goodbye before anyone picked up ("Nee, ik denk er eerst nog even over na.
    Dank u."): nobody should wait on for a counsellor the person no longer expects. Thanks
    alone ("oké dank je") is its own intent and keeps the place."""
    return wants_to_stop(intent, text) or intent == GOODBYE_INTENT


@dataclass
class HandoffService:
    queue: HandoffQueue
    engine: Engine  # the tracker store's database, for what the person wrote while waiting
    rasa: RasaClient
    schedule: ChatSchedule
    clock: Clock
    max_wait: timedelta
    # ticket id -> (announced position, when); in memory: after a restart people hear their
    # place again at the next change or reminder, which is harmless.
    _announced: Dict[int, Tuple[int, datetime]] = field(default_factory=dict)
    # Messages a ticket change owes the person but Rasa did not take yet; retried each tick.
    _undelivered: List[Tuple[str, List[dict]]] = field(default_factory=list)
    # One lock per reply id: a retried reply waits for the first attempt, then finds it.
    _replying: Dict[str, asyncio.Lock] = field(default_factory=dict)

    # --- counsellor actions ------------------------------------------------------------------
    async def claim(self, ticket_id: int, username: str, display_name: str,
                    on_claimed: Callable[[], None] = lambda: None) -> bool:
        """True if this counsellor got the conversation. `on_claimed` runs as soon as the claim
        is decided (the audit entry), before Rasa is called; the person is told now, or as soon
        as Rasa takes it."""
        if not self.queue.claim(ticket_id, username, self.clock()):
            return False
        on_claimed()
        ticket = self.queue.get(ticket_id)
        self._announced.pop(ticket_id, None)
        await self._deliver(ticket.conversation_id, messages.as_bot_events(
            [messages.counsellor_joined(display_name)], _WORKER,
            messages.handoff_signal(ticket.channel, "claimed", counsellor=display_name)))
        return True

    def owned(self, ticket_id: int, username: str) -> Ticket:
        ticket = self.queue.get(ticket_id)
        if ticket.status != CLAIMED or ticket.claimed_by != username:
            raise NotYours(ticket_id)
        return ticket

    async def reply(self, ticket_id: int, username: str, display_name: str, text: str,
                    reply_id: Optional[str] = None) -> None:
        """Send the counsellor's message to the person; raises RasaUnavailable if it failed.

        With a `reply_id` (made by the console page, the same for every retry of one message)
        a message that already reached the transcript is not sent again: a retry after a slow
        or lost answer from Rasa cannot send it twice."""
        ticket = self.owned(ticket_id, username)
        metadata = {"author": COUNSELLOR, "counsellor": username, "counsellor_name": display_name}
        if reply_id is None:
            await self.rasa.append(ticket.conversation_id, [
                {"event": "bot", "text": text, "metadata": metadata}])
            return
        lock = self._replying.setdefault(reply_id, asyncio.Lock())
        try:
            async with lock:
                if has_reply(self.engine, ticket.conversation_id, reply_id):
                    return
                await self.rasa.append(ticket.conversation_id, [{
                    "event": "bot", "text": text, "metadata": {**metadata, "reply_id": reply_id}}])
        finally:
            if not lock.locked():
                self._replying.pop(reply_id, None)

    async def end(self, ticket_id: int, username: str) -> None:
        """Give the conversation back to the bot, with a closing message."""
        ticket = self.owned(ticket_id, username)
        # Rasa first: if it is down, the ticket stays claimed and the counsellor can try again,
        # instead of leaving the person in a paused conversation nobody owns.
        await self.rasa.append(ticket.conversation_id, resume_events(messages.as_bot_events(
            [messages.counsellor_ended()], _WORKER, messages.handoff_signal(ticket.channel, "ended"))))
        self.queue.end(ticket_id, self.clock())

    # --- the worker --------------------------------------------------------------------------
    async def tick(self) -> None:
        """One round: retry owed messages, close what must close, tell people where they are."""
        now = self.clock()
        await self._retry_undelivered()
        if not self.schedule.is_open(now):
            for ticket in self.queue.waiting():
                if self.queue.give_up(ticket.id, now):  # else claimed a moment ago
                    await self._tell_not_picked_up(ticket, now, chat_closed=True)
        for ticket in self.queue.expire(now, self.max_wait):
            await self._tell_not_picked_up(ticket, now, chat_closed=False)
        for ticket in self.queue.waiting():
            await self._read_while_waiting(ticket, now)
        # One read of the queue and of the recent pick-ups for all announcements: this round
        # runs on the console's event loop every few seconds.
        recent_waits = self.queue.recent_pickup_waits(now, ESTIMATE_WINDOW)
        for position, ticket in enumerate(self.queue.waiting(), start=1):
            await self._announce(ticket, position, recent_waits, now)

    async def _tell_not_picked_up(self, ticket: Ticket, now: datetime, chat_closed: bool) -> None:
        next_opening = (describe_opening(self.schedule.next_opening(now), now)
                        if chat_closed else None)
        self._announced.pop(ticket.id, None)
        await self._resume(ticket, messages.not_picked_up(next_opening), "not_picked_up")

    async def _read_while_waiting(self, ticket: Ticket, now: datetime) -> None:
        since_pause = since_last_pause(self.engine, ticket.conversation_id)
        if any(entry.kind in (RESTART, RESUME) for entry in since_pause):
            # The person started over (/restart): the bot talks again, nobody waits.
            if self.queue.withdraw(ticket.id, now):
                self._announced.pop(ticket.id, None)
            return
        said = [entry for entry in since_pause if entry.author == PERSON]
        if any(leaves_while_waiting(entry.understood and entry.understood.intent, entry.text)
               for entry in said):
            if self.queue.withdraw(ticket.id, now):
                self._announced.pop(ticket.id, None)
                await self._resume(ticket, messages.stopped_waiting(), "withdrawn")
            return
        if any(entry.understood and entry.understood.acute for entry in said):
            # The person already got "bel 112" from the Rasa server itself, at once
            # (bot/channels/intake.py); here the ticket moves to the front.
            self.queue.escalate(ticket.id)

    async def _announce(self, ticket: Ticket, position: int, recent_waits: Sequence[timedelta],
                        now: datetime) -> None:
        last = self._announced.get(ticket.id)
        if last is None and now - ticket.created_at < REMIND_EVERY:
            # The bot told the place at the handoff itself; only changes from here on.
            self._announced[ticket.id] = (position, ticket.created_at)
            return
        if last is not None and last[0] == position and now - last[1] < REMIND_EVERY:
            return
        self._announced[ticket.id] = (position, now)
        status = status_message(ticket, position, recent_waits, now, self.max_wait)
        await self._deliver(ticket.conversation_id, messages.as_bot_events(
            [status], _WORKER, messages.handoff_signal(ticket.channel, "waiting", position=position)))

    async def _resume(self, ticket: Ticket, message: Message, state: str) -> None:
        await self._deliver(ticket.conversation_id, resume_events(messages.as_bot_events(
            [message], _WORKER, messages.handoff_signal(ticket.channel, state))))

    async def _deliver(self, conversation_id: str, events: List[dict]) -> None:
        try:
            await self.rasa.append(conversation_id, events)
        except RasaUnavailable as exc:
            logger.warning("Handoff message not delivered, will retry: %s", exc)
            self._undelivered.append((conversation_id, events))
        except InvalidConversationId:
            # Only a ticket from before ids were checked at the doors: Rasa can never be
            # reached for it, so retrying would only repeat the failure.
            logger.error("Handoff message dropped: the conversation id is not valid")

    async def _retry_undelivered(self) -> None:
        owed, self._undelivered = self._undelivered, []
        for conversation_id, events in owed:
            await self._deliver(conversation_id, events)
