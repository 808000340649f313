"""User text is kept out of the Rasa server's logs."""

from __future__ import annotations

import warnings

import structlog

from bot.privacy import REDACTED, install_log_redaction, redact_event


def test_text_keys_are_redacted_and_others_kept():
    event = redact_event(None, "warning", {"event": "message.parsing.failed",
                                            "user_text": "mijn buurman", "sender_id": "abc"})
    assert event == {"event": "message.parsing.failed", "user_text": REDACTED, "sender_id": "abc"}


def test_install_is_idempotent_and_filters_quoting_warnings():
    install_log_redaction()
    install_log_redaction()
    assert structlog.get_config()["processors"].count(redact_event) == 1
    with warnings.catch_warnings(record=True) as caught:
        install_log_redaction()  # catch_warnings reset the filters; install again inside
        warnings.warn("Failed to parse arguments in line '/geheim'", UserWarning)
        warnings.warn("something else", UserWarning)
    assert [str(w.message) for w in caught] == ["something else"]
