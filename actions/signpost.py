"""Actions that decide from the opening hours where the person can go next."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from sqlalchemy.exc import SQLAlchemyError

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import get_clock, get_max_wait, get_queue, get_schedule, get_settings
from bot import conversation_ids
from bot.handoff.messages import handoff_signal
from bot.handoff.queue import TooManyWaiting
from bot.handoff.service import ESTIMATE_WINDOW, status_message
from bot.schedule import describe_opening
from bot.summary import build_summary, offer_was_accepted

logger = logging.getLogger(__name__)

OFFER_RESPONSE = "utter_offer_handoff"


def _offered_before(events: List[Dict[Text, Any]]) -> bool:
    return any(e.get("event") == "action" and e.get("name") == OFFER_RESPONSE for e in events)


def _closed_events(now) -> List[EventType]:
    schedule = get_schedule()
    opening = describe_opening(schedule.next_opening(now), now)
    return [SlotSet("chat_staffed", False), SlotSet("next_opening", opening)]


class ActionSignpost(Action):
    """Sets chat_staffed (and next_opening); rules then offer a counsellor or 0800-2000."""

    def name(self) -> Text:
        return "action_signpost"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        now = get_clock()()
        if get_schedule().accepts_handoff(now):
            return [SlotSet("chat_staffed", True)]
        return _closed_events(now)


class ActionTellOpeningStatus(Action):
    """Adds to the static opening hours whether the chat is open now, or when it opens."""

    def name(self) -> Text:
        return "action_tell_opening_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        now = get_clock()()
        schedule = get_schedule()
        if schedule.accepts_handoff(now):
            dispatcher.utter_message(response="utter_chat_open_now")
        else:
            opening = describe_opening(schedule.next_opening(now), now)
            dispatcher.utter_message(response="utter_chat_reopens", next_opening=opening)
        return []


class ActionHandoff(Action):
    """Hands the conversation to a counsellor: a ticket with the summary, then pause the bot."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("acute_danger"):
            # Danger now: 112 first; the chat comes once the person says they are safe.
            dispatcher.utter_message(response="utter_acute_wait")
            return []
        # Asking for a person in so many words is a yes of its own (data/rules/signpost.yml).
        asked = (tracker.latest_message.get("intent") or {}).get("name") == "ask_for_human"
        if not asked and not offer_was_accepted(tracker.events, OFFER_RESPONSE):
            # Reached without a fresh offer and a yes (e.g. a typed slash command).
            dispatcher.utter_message(response="utter_anything_else")
            return []
        now = get_clock()()
        if not get_schedule().accepts_handoff(now):
            # The chat closed (or entered its closing margin) since the offer.
            events = _closed_events(now)
            dispatcher.utter_message(response="utter_chat_closed",
                                     next_opening=events[1]["value"])
            return events
        if asked and not _offered_before(tracker.events):
            # Asked before any offer (a professional's advice ends with the phone): offer first.
            return [FollowupAction(OFFER_RESPONSE)]
        if not conversation_ids.is_valid(tracker.sender_id):
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        channel = tracker.get_latest_input_channel()
        summary = build_summary(tracker.current_slot_values(), tracker.events, now, channel)
        # Set by our channels from the client's address (a keyed hash, never the address).
        summary["source"] = (tracker.latest_message.get("metadata") or {}).get("source")
        try:
            queue = get_queue()
            # A script cannot fill the queue from one address; a real person behind a busy
            # address still gets 0800-2000 and 112 (settings.yml `limits:`).
            ticket = queue.create(tracker.sender_id, channel, summary, now,
                                  get_settings().limits.waiting_handoffs_per_source)
            position = queue.position(ticket.id)  # None: already with a counsellor
            status = position and status_message(
                ticket, position, queue.recent_pickup_waits(now, ESTIMATE_WINDOW), now,
                get_max_wait())
        except TooManyWaiting:
            logger.warning("Handoff refused: too many people waiting from one source.")
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        except SQLAlchemyError as exc:
            # Only the class name: SQLAlchemy's message would quote the summary, and with it
            # what the person wrote.
            logger.error("Handoff queue unavailable (%s); person sent to 0800-2000.",
                         type(exc).__name__)
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        dispatcher.utter_message(response="utter_handoff_started")
        if status:
            # Place, estimate and a way to stop; the console's worker sends the updates.
            dispatcher.utter_message(text=status.text, buttons=list(status.buttons))
        signal = status and handoff_signal(channel, "waiting", position=position)
        if signal:  # the website widget shows the waiting state
            dispatcher.utter_message(json_message=signal)
        return [ConversationPaused()]
