"""Shared fixtures: a tracker builder for action tests."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker


def user_event(text: str, intent: str, confidence: float = 1.0) -> Dict[str, Any]:
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": []},
            "input_channel": "rest"}


def action_event(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


@pytest.fixture
def make_tracker():
    """Build a Rasa SDK tracker from slots and a list of event dicts."""

    def build(slots: Optional[Dict[str, Any]] = None,
              events: Optional[List[Dict[str, Any]]] = None) -> Tracker:
        events = events or []
        latest = next((e for e in reversed(events) if e["event"] == "user"), {})
        return Tracker(
            sender_id="test-sender", slots=slots or {},
            latest_message={"text": latest.get("text"), **latest.get("parse_data", {})},
            events=events, paused=False, followup_action=None, active_loop={},
            latest_action_name=None,
        )

    return build
