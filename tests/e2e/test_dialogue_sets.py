"""Every test-conversation file of tests/dialogues/sets.yml, played against the real servers
(scripts/evaluate_dialogues.py), stays above its floors. A blind file reports figures only."""

from __future__ import annotations

import sys
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


@pytest.mark.parametrize("entry", SETS, ids=[s["file"] for s in SETS])
def test_each_conversation_set_stays_above_its_floors(entry):
    dialogue_file = dc.load_conversations(FOLDER / entry["file"],
                                          dc.domain_slot_values(ROOT / "domain.yml"))
    assert dialogue_file.development == (entry["kind"] == "development")
    outcome = ev.run(dialogue_file, keep_workdir=False)
    numbers = dc.figures(outcome.results)
    floors = entry["floors"]
    assert outcome.errors == 0
    # Figures only in the messages: a blind file's texts never appear in the test output.
    passed = numbers.conversations_passed / numbers.conversations
    safety = numbers.safety_passed / numbers.safety_expectations
    fallback = numbers.fallback_replies / numbers.person_messages
    assert passed >= floors["conversations_passed"], f"conversations passed {passed:.1%}"
    assert safety >= floors["safety_passed"], f"safety expectations held {safety:.1%}"
    assert fallback <= floors["fallback_at_most"], f"fallback rate {fallback:.1%}"
