"""User text is kept out of the Rasa server's logs."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest
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


def test_text_keys_are_redacted_at_any_depth():
    event = redact_event(None, "error", {"event": "x", "outer": {"inner": [{"text": "geheim"}],
                                                                "sender_id": "s1"}})
    assert event == {"event": "x", "outer": {"inner": [{"text": REDACTED}], "sender_id": "s1"}}


def test_tracebacks_carry_no_locals_and_no_exception_message(caplog):
    import json
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.INFO)  # Rasa's JSON logs (no terminal here)
    install_log_redaction()
    logger = structlog.get_logger()

    def fails(text: str) -> None:
        raise ValueError(f"kan {text} niet lezen")

    try:
        fails("Zwartkopmees")
    except ValueError:
        logger.exception("rest.message.received.failure")
    line = caplog.records[-1].getMessage()
    assert "Zwartkopmees" not in caplog.text
    record = json.loads(line)
    assert record["exception"][0]["exc_type"] == "ValueError"
    assert all("locals" not in frame for frame in record["exception"][0]["frames"])


@pytest.mark.model
def test_the_running_bot_keeps_no_embedding_of_a_message_it_has_read():
    # The triage embeddings are cached by text; at run time that cache would keep what people
    # wrote in the server's memory for as long as it runs.
    from rasa.core.agent import Agent

    from bot import embeddings

    model = Path(__file__).resolve().parent.parent / "models" / "veilig-thuis.tar.gz"
    if not model.exists():
        pytest.fail(f"no trained model at {model}: run `make train` first")
    agent = Agent.load(str(model))
    text = "mijn buurvrouw van hiernaast wordt elke avond door haar man geslagen"
    parsed = asyncio.run(agent.parse_message(text))
    assert parsed["intent"]["name"]  # the message was read, embeddings and all
    assert not [key for key in embeddings._CACHE if "buurvrouw" in key]
