"""Keep what people write out of the Rasa server's logs.

Rasa 3.6 quotes user text in a few warnings (slash commands it cannot parse) and in some
structlog events (debug parse results, errors in the REST channel). What a person writes here
is special-category personal data, so those are filtered before they reach any log handler.
"""

from __future__ import annotations

import warnings
from typing import Any, MutableMapping

import structlog

# Starts of Rasa warning messages that quote the user's message.
_QUOTING_WARNINGS = (
    r"Failed to parse arguments in line",
    r"Parsed an intent '",
    r"Parsed an entity '",
    r"Invalid entity specification",
)
# structlog event keys whose values are (or contain) what the person wrote.
# The same keys Rasa's own (plugin-only) anonymizer would handle, in rasa/utils/log_utils.py.
_TEXT_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text",
    "parse_data_entities", "prediction_events", "tracker_latest_message", "prefilled_slots",
    "message", "response", "slot_candidates", "rasa_event", "rasa_events", "user_message",
    "json_message", "token_text", "entity", "current_entity", "next_entity",
})
REDACTED = "[redacted]"


def redact_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: blank out values that carry message text."""
    for key in _TEXT_KEYS & set(event):
        event[key] = REDACTED
    return event


def install_log_redaction() -> None:
    """Filter Rasa's text-quoting warnings and redact structlog events. Idempotent."""
    for pattern in _QUOTING_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern)
    # Mutate the configured list in place: Rasa caches its loggers on first use, and those
    # cached loggers hold this very list, so they are covered too.
    processors = structlog.get_config()["processors"]
    if redact_event not in processors:
        processors.insert(0, redact_event)
