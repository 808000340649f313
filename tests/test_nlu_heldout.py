"""The trained model on held-out first messages it has never seen (tests/nlu/first_messages.yml)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.evaluation import acute_errors, labels_from_parse, load_labelled, score

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "veilig-thuis.tar.gz"
HELD_OUT = ROOT / "tests" / "nlu" / "first_messages.yml"
TRAINING_DATA = ROOT / "data" / "nlu"

# The targets: at least 90% of concern types right, no acute message missed, few false
# alarms (here: at most 5% of the calm messages).
MIN_CONCERN_ACCURACY = 0.90
MIN_ROLE_ACCURACY = 0.90
MAX_FALSE_ALARM_SHARE = 0.05


@pytest.fixture(scope="module")
def results():
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    configure_structlog(logging.WARNING)
    messages = load_labelled(str(HELD_OUT))
    agent = Agent.load(str(MODEL))

    async def parse_all():
        return [await agent.parse_message(m.text) for m in messages]

    predictions = [labels_from_parse(p) for p in asyncio.run(parse_all())]
    return messages, predictions


def test_held_out_set_is_big_enough_and_never_trained_on(results):
    messages, _ = results
    assert len(messages) >= 150
    training_text = "\n".join(p.read_text(encoding="utf-8").lower() for p in TRAINING_DATA.glob("*.yml"))
    leaked = [m.text for m in messages if m.text.lower() in training_text]
    assert leaked == []


def test_concern_type_accuracy(results):
    accuracy = {s.label: s.accuracy for s in score(*results)}
    assert accuracy["concern_type"] >= MIN_CONCERN_ACCURACY


def test_reporter_role_accuracy(results):
    accuracy = {s.label: s.accuracy for s in score(*results)}
    assert accuracy["reporter_role"] >= MIN_ROLE_ACCURACY


def test_no_acute_message_missed_and_few_false_alarms(results):
    messages, predictions = results
    errors = acute_errors(messages, predictions)
    assert errors["missed"] == []
    calm = sum(not m.acute_danger for m in messages)
    assert len(errors["false_alarms"]) <= MAX_FALSE_ALARM_SHARE * calm
