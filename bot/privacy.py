"""Keep what people write out of the Rasa server's logs.

Rasa 3.6 quotes user text in a few warnings (slash commands it cannot parse) and in some
structlog events (debug parse results, errors in the REST channel). Its structured tracebacks
also carry every frame's local variables (structlog's `dict_tracebacks` shows them), and an
exception's message can quote the text. What a person writes here is special-category
personal data, so all of that is filtered before it reaches any log handler: known keys at any
depth, tracebacks without locals, exception messages replaced by their class.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, MutableMapping

import structlog
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer

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
    # states quote the person's text at debug level (rule_policy.actions.find)
    "tracker_states", "current_states", "old_states", "states", "successes",
})
REDACTED = "[redacted]"


def _redacted(value: Any, depth: int = 0) -> Any:
    """`value` with every known text key blanked, in nested dicts and lists too."""
    if depth > 20:
        return REDACTED  # deeper than any real event: do not walk it
    if isinstance(value, dict):
        return {key: REDACTED if key in _TEXT_KEYS else _redacted(item, depth + 1)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(item, depth + 1) for item in value]
    return value


def redact_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: blank out values that carry message text, at any depth."""
    for key in list(event):
        event[key] = REDACTED if key in _TEXT_KEYS else _redacted(event[key])
    return event


def redact_exception_values(_logger: Any, _method: str,
                            event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor after the traceback renderer: keep the exception's class and
    where it happened, drop its message (it may quote what the person wrote)."""
    stacks: List[Dict[str, Any]] = event.get("exception") or []
    if isinstance(stacks, list):
        for stack in stacks:
            if isinstance(stack, dict):
                stack["exc_value"] = REDACTED
                for frame in stack.get("frames") or []:
                    if isinstance(frame, dict):
                        frame.pop("locals", None)
    return event


# Rasa's JSON logs render tracebacks with this; ours shows no local variables.
_TRACEBACKS_WITHOUT_LOCALS = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))


def install_log_redaction() -> None:
    """Filter Rasa's text-quoting warnings and redact structlog events. Idempotent."""
    for pattern in _QUOTING_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern)
    # Mutate the configured list in place: Rasa caches its loggers on first use, and those
    # cached loggers hold this very list, so they are covered too.
    processors = structlog.get_config()["processors"]
    if redact_event not in processors:
        processors.insert(0, redact_event)
    for index, processor in enumerate(processors):
        if processor is structlog.processors.dict_tracebacks:
            processors[index] = _TRACEBACKS_WITHOUT_LOCALS
    if _TRACEBACKS_WITHOUT_LOCALS in processors and redact_exception_values not in processors:
        processors.insert(processors.index(_TRACEBACKS_WITHOUT_LOCALS) + 1,
                          redact_exception_values)
