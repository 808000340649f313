"""The triage summary a counsellor gets at handoff, built from the conversation so far."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional

# Intents of messages that tell the story (the first of these is "the first message").
STORY_INTENTS = frozenset({"describe_concern", "acute_danger", "speak_english"})
SUMMARY_SLOTS = (
    "concern_type",
    "reporter_role",
    "acute_danger",
    "children_involved",
    "concern_duration",
    "safety_can_chat",
)
# Longer first messages are cut for the summary line; the full text stays in the transcript.
FIRST_MESSAGE_MAX_CHARS = 1000


def _user_events(events: Iterable[Mapping[str, Any]]) -> List[Mapping[str, Any]]:
    return [e for e in events if e.get("event") == "user"]


def _intent(event: Mapping[str, Any]) -> Optional[str]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def first_story_message(events: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The first message in which the person described what is going on."""
    users = [e for e in _user_events(events) if (e.get("text") or "").strip()]
    for event in users:
        if _intent(event) in STORY_INTENTS and not event["text"].startswith("/"):
            return event["text"][:FIRST_MESSAGE_MAX_CHARS]
    return None


def acute_mentioned(slots: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> bool:
    """True if the person ever said someone is in danger now."""
    return slots.get("acute_danger") is True or any(
        _intent(e) == "acute_danger" for e in _user_events(events)
    )


def build_summary(
    slots: Mapping[str, Any],
    events: Iterable[Mapping[str, Any]],
    now: datetime,
    channel: Optional[str],
) -> Dict[str, Any]:
    """Everything the counsellor should know before saying hello, as plain JSON values."""
    events = list(events)
    summary: Dict[str, Any] = {name: slots.get(name) for name in SUMMARY_SLOTS}
    summary["acute_danger"] = acute_mentioned(slots, events)
    summary["first_message"] = first_story_message(events)
    summary["time"] = now.isoformat(timespec="seconds")
    summary["channel"] = channel
    return summary


# Questions a person may ask between the offer and their "yes" (answered by responses and
# action_tell_opening_status) without the offer lapsing.
DETOUR_INTENTS = frozenset({
    "ask_opening_hours", "ask_phone_number", "ask_anonymity", "ask_advice_vs_report",
    "ask_after_report", "ask_what_is_vt", "ask_professional", "ask_perpetrator_help",
    "ask_is_bot", "greet", "out_of_scope", "speak_english", "express_doubt", "afraid_to_call",
    "ask_device_safety", "ask_storage", "thanks", "add_detail",
})
DETOUR_ACTIONS = frozenset({"action_listen", "action_tell_opening_status"})


def offer_was_accepted(events: Iterable[Mapping[str, Any]], offer_action: str) -> bool:
    """True only when the person said yes to the bot's offer, with at most some questions in
    between. Guards the handoff against slash commands typed out of context."""
    events = list(events)
    last_user = next((i for i in range(len(events) - 1, -1, -1)
                      if events[i].get("event") == "user"), None)
    if last_user is None or _intent(events[last_user]) != "affirm":
        return False
    for event in reversed(events[:last_user]):
        kind, name = event.get("event"), event.get("name")
        if kind == "action":
            if name == offer_action:
                return True
            if name not in DETOUR_ACTIONS and not str(name).startswith("utter_"):
                return False
        elif kind == "user" and _intent(event) not in DETOUR_INTENTS:
            return False
    return False
