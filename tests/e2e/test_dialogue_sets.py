"""Every blind test-conversation file of tests/dialogues/sets.yml, played against the real
servers (scripts/evaluate_dialogues.py), stays above its floors. It reports figures only."""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "scripts") not in sys.path:  # as tests/e2e/test_dialogue_harness.py does
    sys.path.append(str(ROOT / "scripts"))

import dialogue_checks as dc  # noqa: E402
import evaluate_dialogues as ev  # noqa: E402

pytestmark = pytest.mark.e2e

FOLDER = Path(__file__).resolve().parents[1] / "dialogues"
SETS = yaml.safe_load((FOLDER / "sets.yml").read_text(encoding="utf-8"))["sets"]


# The blind files are the measure and are played here; the development files, whose failures
# have been read, are played by `make evaluate`, which also checks their floors (this keeps
# `make test` under its 30 minutes).
BLIND = [s for s in SETS if s["kind"] == "blind"]


@pytest.mark.parametrize("entry", SETS, ids=[s["file"] for s in SETS])
def test_each_file_says_what_sets_yml_says_it_is(entry):
    dialogue_file = dc.load_conversations(FOLDER / entry["file"],
                                          dc.domain_slot_values(ROOT / "domain.yml"))
    assert dialogue_file.development == (entry["kind"] == "development")
    assert set(entry["floors"]) == {"conversations_passed", "safety_passed", "fallback_at_most"}


def _normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


@lru_cache(maxsize=None)
def _normalised_training_text() -> str:
    return "\n".join(_normalise(p.read_text(encoding="utf-8"))
                     for p in (ROOT / "data" / "nlu").rglob("*.yml"))


@pytest.mark.parametrize("entry", SETS, ids=[s["file"] for s in SETS])
def test_no_message_of_a_set_is_in_the_training_data(entry):
    """Learning from a development set's failures means writing new examples, never copying
    its messages; a blind set's messages were never seen. Short replies and stock questions
    come up in any chat and in the data too: two questions, of seven and ten words, are in
    both blind sets D and I and in data/nlu/faq.yml, written by three authors who never saw
    each other. So only messages of more than ten words are checked."""
    training = _normalised_training_text()
    dialogue_file = dc.load_conversations(FOLDER / entry["file"])
    said = {_normalise(turn.say) for conversation in dialogue_file.conversations
            for turn in conversation.turns}
    leaked = [text for text in said if len(text.split()) > 10 and text in training]
    assert len(leaked) == 0, f"{len(leaked)} messages of {entry['file']} are in data/nlu"


@pytest.mark.parametrize("entry", BLIND, ids=[s["file"] for s in BLIND])
def test_each_conversation_set_stays_above_its_floors(entry):
    dialogue_file = dc.load_conversations(FOLDER / entry["file"],
                                          dc.domain_slot_values(ROOT / "domain.yml"))
    outcome = ev.run(dialogue_file, keep_workdir=False)
    assert outcome.errors == 0
    # Figures only in the message: a blind file's texts never appear in the test output.
    assert dc.below_floors(dc.figures(outcome.results), entry["floors"]) == []
