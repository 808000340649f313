"""The handoff summary and the guard that only a real 'yes' to an offer hands off."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.summary import acute_mentioned, build_summary, first_story_message, offer_was_accepted
from tests.conftest import action_event, user_event

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
OFFER = "utter_offer_handoff"


def test_first_story_message_skips_greetings_and_slash_payloads():
    events = [user_event("hoi", "greet"), user_event("/acute_danger", "acute_danger"),
              user_event("mijn buurvrouw wordt geslagen", "describe_concern"),
              user_event("en nu ook de kinderen", "describe_concern")]
    assert first_story_message(events) == "mijn buurvrouw wordt geslagen"


def test_first_story_message_is_none_without_a_story():
    assert first_story_message([user_event("hoi", "greet")]) is None


def test_first_story_message_is_cut_to_a_sane_length():
    assert len(first_story_message([user_event("x" * 5000, "describe_concern")])) == 1000


def test_acute_is_true_from_the_slot_or_any_acute_turn():
    assert acute_mentioned({"acute_danger": True}, [])
    assert acute_mentioned({}, [user_event("help nu", "acute_danger")])
    assert not acute_mentioned({"acute_danger": False}, [user_event("hoi", "greet")])


def test_summary_has_every_field_the_counsellor_needs():
    slots = {"concern_type": "ouderenmishandeling", "reporter_role": "omstander",
             "acute_danger": False, "children_involved": "nee", "concern_duration": "al maanden",
             "safety_can_chat": "niet_van_toepassing", "other": "x"}
    events = [user_event("mijn oom neemt opa's geld af", "describe_concern")]
    summary = build_summary(slots, events, NOW, "socketio")
    assert summary == {
        "concern_type": "ouderenmishandeling", "reporter_role": "omstander",
        "acute_danger": False, "children_involved": "nee", "concern_duration": "al maanden",
        "safety_can_chat": "niet_van_toepassing",
        "first_message": "mijn oom neemt opa's geld af",
        "time": "2026-11-30T10:00:00+01:00", "channel": "socketio",
    }


def test_offer_accepted_only_right_after_the_offer_with_a_yes():
    offered = [action_event(OFFER), action_event("action_listen"), user_event("ja", "affirm")]
    assert offer_was_accepted(offered, OFFER)


def test_no_offer_no_handoff():
    events = [action_event("utter_greet"), action_event("action_listen"), user_event("/affirm", "affirm")]
    assert not offer_was_accepted(events, OFFER)


def test_a_no_to_the_offer_is_no_handoff():
    events = [action_event(OFFER), action_event("action_listen"), user_event("nee", "deny")]
    assert not offer_was_accepted(events, OFFER)


def test_questions_between_offer_and_yes_keep_the_offer():
    events = [action_event(OFFER), action_event("action_listen"), user_event("anoniem?", "ask_anonymity"),
              action_event("utter_anonymity"), action_event("action_listen"),
              user_event("open?", "ask_opening_hours"), action_event("utter_opening_hours"),
              action_event("action_tell_opening_status"), action_event("action_listen"),
              user_event("ja", "affirm")]
    assert offer_was_accepted(events, OFFER)


def test_a_new_story_after_the_offer_ends_it():
    events = [action_event(OFFER), action_event("action_listen"),
              user_event("en mijn zus ook", "describe_concern"), action_event("utter_concern_ack"),
              action_event("danger_form"), action_event("action_listen"), user_event("ja", "affirm")]
    assert not offer_was_accepted(events, OFFER)


def test_an_old_offer_does_not_count():
    events = [action_event(OFFER), action_event("action_listen"), user_event("nee", "deny"),
              action_event("utter_handoff_declined"), action_event("action_listen"),
              user_event("ja", "affirm")]
    assert not offer_was_accepted(events, OFFER)


def test_no_events_no_handoff():
    assert not offer_was_accepted([], OFFER)
