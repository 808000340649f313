"""The figures and floors of a labelled set (bot/evaluation.py), on made-up predictions."""

from __future__ import annotations

from bot.evaluation import LabelledMessage, below_floors

FLOORS = {"concern_type": 0.5, "reporter_role": 0.5, "acute_recall": 0.5, "false_alarms": 0.5}


def _messages():
    return [LabelledMessage("a", "partnergeweld", "omstander", True),
            LabelledMessage("b", "partnergeweld", "omstander", True),
            LabelledMessage("c", "kindermishandeling", "slachtoffer", False),
            LabelledMessage("d", "kindermishandeling", "slachtoffer", False)]


def _predicted(concern, role, acute):
    return {"concern_type": concern, "reporter_role": role, "acute_danger": acute}


def test_figures_at_their_floors_hold():
    right = [_predicted(m.concern_type, m.reporter_role, m.acute_danger) for m in _messages()]
    assert below_floors(_messages(), right, FLOORS) == []


def test_each_figure_under_its_floor_is_named_without_a_text():
    wrong = [_predicted("huiselijk_geweld", "pleger", not m.acute_danger) for m in _messages()]
    misses = below_floors(_messages(), wrong, FLOORS)
    assert [m.split()[0] for m in misses] == ["concern_type", "reporter_role", "acute", "false"]
    assert not any(text in " ".join(misses).split() for text in "abcd")
