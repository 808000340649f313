"""The trained model on held-out first messages it has never been trained on.

Set A (tests/nlu/first_messages.yml) is the development set: the acute-danger phrase patterns
were written after looking at its misses, so it carries the strict gate (no acute message
missed). Set B (first_messages_b.yml) was written independently after the model was built and
has never been used to change anything; it guards against regressions with floors a little
under what it measured (see README), and is the honest estimate of unseen performance.
"""

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
HELD_OUT_B = ROOT / "tests" / "nlu" / "first_messages_b.yml"
TRAINING_DATA = ROOT / "data" / "nlu"

# The targets: at least 90% of concern types right, no acute message missed, few false
# alarms (here: at most 5% of the calm messages).
MIN_CONCERN_ACCURACY = 0.90
MIN_ROLE_ACCURACY = 0.90
MAX_FALSE_ALARM_SHARE = 0.05
# Set B floors: measured 93.3% / 92.5% / 23 of 25 acute caught on 27 November 2026.
MIN_B_ACCURACY = 0.90
MIN_B_ACUTE_RECALL = 0.88


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    configure_structlog(logging.WARNING)
    return Agent.load(str(MODEL))


def _evaluate(agent, path):
    messages = load_labelled(str(path))

    async def parse_all():
        return [await agent.parse_message(m.text) for m in messages]

    return messages, [labels_from_parse(p) for p in asyncio.run(parse_all())]


@pytest.fixture(scope="module")
def results(agent):
    return _evaluate(agent, HELD_OUT)


@pytest.fixture(scope="module")
def results_b(agent):
    return _evaluate(agent, HELD_OUT_B)


@pytest.mark.parametrize("path,minimum", [(HELD_OUT, 150), (HELD_OUT_B, 100)])
def test_held_out_sets_are_big_enough_and_never_trained_on(path, minimum):
    messages = load_labelled(str(path))
    assert len(messages) >= minimum
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


def test_set_b_stays_above_its_floors(results_b):
    messages, predictions = results_b
    accuracy = {s.label: s.accuracy for s in score(messages, predictions)}
    assert accuracy["concern_type"] >= MIN_B_ACCURACY
    assert accuracy["reporter_role"] >= MIN_B_ACCURACY
    acute = sum(m.acute_danger for m in messages)
    missed = len(acute_errors(messages, predictions)["missed"])
    assert (acute - missed) / acute >= MIN_B_ACUTE_RECALL
