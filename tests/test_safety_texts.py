"""The bot's texts give no 112 advice that the public sources contradict (docs/sources.md)."""

from pathlib import Path

import yaml

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"


def _texts():
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    return [variant["text"] for variants in responses.values() for variant in variants
            if "text" in variant]


def test_no_text_advises_a_silent_call_or_a_text_message_to_112():
    # A silent 112 caller is disconnected by protocol, and an SMS to 112 does not arrive.
    for text in _texts():
        lowered = text.lower()
        assert "lijn open" not in lowered, text
        assert not ("sms" in lowered and "112" in lowered), text


def test_the_victims_112_text_says_what_112_asks_and_what_to_do_when_you_cannot_speak():
    victim = [t for t in _texts() if "Kun je niet praten?" in t]
    assert victim, "the victim's 112 text is gone"
    assert all("waar je bent" in t and "iemand anders" in t for t in victim)
