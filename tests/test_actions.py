"""The Rasa SDK actions, with trackers built in memory and a pinned clock."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from bot.handoff.queue import WAITING, HandoffQueue
from actions.signpost import ActionHandoff, ActionSignpost, ActionTellOpeningStatus
from tests.conftest import action_event, sqlite_url, user_event

MONDAY_MORNING = "2026-11-30T10:00:00+01:00"
MONDAY_CLOSING_MARGIN = "2026-11-30T16:50:00+01:00"
SATURDAY = "2026-11-28T14:00:00+01:00"
ACCEPTED = [user_event("ik maak me zorgen om mijn buurvrouw", "describe_concern"),
            action_event("utter_offer_handoff"), action_event("action_listen"),
            user_event("ja", "affirm")]


@pytest.fixture(autouse=True)
def queue(tmp_path, monkeypatch) -> HandoffQueue:
    """Every test gets its own empty handoff queue."""
    fresh = HandoffQueue.from_url(sqlite_url(tmp_path / "queue.db"))
    monkeypatch.setattr("actions.signpost.get_queue", lambda: fresh)
    return fresh


@pytest.fixture
def at(monkeypatch):
    def pin(iso: str) -> None:
        monkeypatch.setenv("VT_FAKE_NOW", iso)
    return pin


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


async def test_signpost_staffed_sets_chat_staffed(at, make_tracker):
    at(MONDAY_MORNING)
    messages, events = await run(ActionSignpost(), make_tracker())
    assert messages == []
    assert events == [{"event": "slot", "timestamp": None, "name": "chat_staffed", "value": True}]


@pytest.mark.parametrize("now,opening", [
    (SATURDAY, "op maandag 30 november om 9.00 uur"),
    (MONDAY_CLOSING_MARGIN, "morgen om 9.00 uur"),
    ("2026-11-30T07:00:00+01:00", "vandaag om 9.00 uur"),
])
async def test_signpost_closed_sets_next_opening(at, make_tracker, now, opening):
    at(now)
    _, events = await run(ActionSignpost(), make_tracker())
    values = {e["name"]: e["value"] for e in events}
    assert values == {"chat_staffed": False, "next_opening": opening}


async def test_opening_status_when_open(at, make_tracker):
    at(MONDAY_MORNING)
    messages, _ = await run(ActionTellOpeningStatus(), make_tracker())
    assert [m["response"] for m in messages] == ["utter_chat_open_now"]


async def test_opening_status_when_closed(at, make_tracker):
    at(SATURDAY)
    messages, _ = await run(ActionTellOpeningStatus(), make_tracker())
    assert messages[0]["response"] == "utter_chat_reopens"
    assert messages[0]["next_opening"] == "op maandag 30 november om 9.00 uur"


async def test_handoff_queues_a_ticket_sends_summary_and_pauses(at, make_tracker, queue):
    at(MONDAY_MORNING)
    slots = {"concern_type": "partnergeweld", "reporter_role": "omstander"}
    messages, events = await run(ActionHandoff(), make_tracker(slots, ACCEPTED))
    assert messages[0]["response"] == "utter_handoff_started"
    assert messages[1]["text"].startswith("Je bent nummer 1 in de wachtrij.")
    assert "binnen 10 minuten" in messages[1]["text"]
    assert messages[1]["buttons"] == [{"title": "Stop met wachten", "payload": "/stop_waiting"}]
    assert len(messages) == 2  # the summary goes to the counsellor's ticket, not the device
    [ticket] = queue.waiting()
    assert ticket.conversation_id == "test-sender" and ticket.status == WAITING
    summary = ticket.summary
    assert summary["concern_type"] == "partnergeweld"
    assert summary["first_message"] == "ik maak me zorgen om mijn buurvrouw"
    assert summary["time"] == "2026-11-30T10:00:00+01:00"
    assert summary["channel"] == "rest"
    assert [e["event"] for e in events] == ["pause"]


async def test_handoff_on_the_website_also_signals_the_waiting_state(at, make_tracker, queue):
    at(MONDAY_MORNING)
    events_in = [dict(event, input_channel="socketio") if event["event"] == "user" else event
                 for event in ACCEPTED]
    messages, _ = await run(ActionHandoff(), make_tracker({}, events_in))
    assert messages[-1]["custom"] == {"data": {"handoff": "waiting", "position": 1}}


async def test_handoff_without_offer_does_nothing(at, make_tracker):
    at(MONDAY_MORNING)
    events_in = [action_event("utter_greet"), action_event("action_listen"), user_event("/affirm", "affirm")]
    messages, events = await run(ActionHandoff(), make_tracker({}, events_in))
    assert events == []
    assert not any("wachtrij" in (m.get("text") or "") for m in messages)


async def test_handoff_when_asked_for_in_so_many_words_needs_no_fresh_offer(at, make_tracker, queue):
    at(MONDAY_MORNING)
    events_in = [action_event("utter_offer_handoff"), action_event("action_listen"),
                 user_event("nee", "deny"), action_event("utter_doubt"),
                 action_event("action_listen"),
                 user_event("ja graag, dan praat ik even met iemand", "ask_for_human")]
    messages, events = await run(ActionHandoff(), make_tracker({}, events_in))
    assert messages[0]["response"] == "utter_handoff_started"
    assert [e["event"] for e in events] == ["pause"] and len(queue.waiting()) == 1


async def test_asked_for_a_person_before_any_offer_gets_the_offer_first(at, make_tracker, queue):
    at(MONDAY_MORNING)
    events_in = [action_event("utter_advice"), action_event("action_listen"),
                 user_event("kan ik toch even met een medewerker chatten?", "ask_for_human")]
    messages, events = await run(ActionHandoff(), make_tracker({}, events_in))
    assert events == [{"event": "followup", "name": "utter_offer_handoff", "timestamp": None}]
    assert messages == [] and queue.waiting() == []


async def test_handoff_in_danger_puts_112_first(at, make_tracker, queue):
    at(MONDAY_MORNING)
    messages, events = await run(ActionHandoff(), make_tracker({"acute_danger": True}, ACCEPTED))
    assert [m["response"] for m in messages] == ["utter_acute_wait"]
    assert events == [] and queue.waiting() == []


async def test_handoff_after_closing_gives_phone_and_opening(at, make_tracker):
    at(MONDAY_CLOSING_MARGIN)
    messages, events = await run(ActionHandoff(), make_tracker({}, ACCEPTED))
    assert messages == [{**messages[0], "response": "utter_chat_closed",
                         "next_opening": "morgen om 9.00 uur"}]
    assert "pause" not in [e["event"] for e in events]


async def test_handoff_with_the_database_down_gives_the_phone(at, make_tracker, monkeypatch):
    at(MONDAY_MORNING)

    def broken():
        raise OperationalError("INSERT ...", {"summary": "geheim"}, Exception("disk I/O error"))

    monkeypatch.setattr("actions.signpost.get_queue", broken)
    messages, events = await run(ActionHandoff(), make_tracker({}, ACCEPTED))
    assert [m["response"] for m in messages] == ["utter_handoff_failed"]
    assert events == []
