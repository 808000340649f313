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
    "talked_to_someone",
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


def offer_was_accepted(events: Iterable[Mapping[str, Any]], offer_action: str) -> bool:
    """True only when the bot's last action before this user turn was the offer, and the
    person said yes to it. Guards the handoff against slash commands typed out of context."""
    events = list(events)
    last_user = next((i for i in range(len(events) - 1, -1, -1)
                      if events[i].get("event") == "user"), None)
    if last_user is None or _intent(events[last_user]) != "affirm":
        return False
    for event in reversed(events[:last_user]):
        if event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == offer_action
    return False
