"""Scoring parsed first messages against the held-out labels (no Rasa needed here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence

import yaml
from sklearn.metrics import classification_report, confusion_matrix

LABELS = ("concern_type", "reporter_role", "acute_danger")
UNKNOWN = "(niet bepaald)"


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    concern_type: str
    reporter_role: str
    acute_danger: bool


@dataclass(frozen=True)
class LabelledSet:
    """One entry of tests/nlu/sets.yml: a set, whether it is still blind, its floors."""
    name: str
    path: Path
    kind: str  # "blind" or "development"
    about: str
    floors: Mapping[str, float] = field(default_factory=dict)


def load_sets(registry: Path) -> List[LabelledSet]:
    with open(registry, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)["sets"]
    return [LabelledSet(e["name"], Path(registry).parent / e["file"], e["kind"], e["about"],
                        e.get("floors") or {}) for e in entries]


def load_labelled(path: str) -> List[LabelledMessage]:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return [LabelledMessage(m["text"], m["concern_type"], m["reporter_role"],
                            bool(m["acute_danger"])) for m in raw["messages"]]


def labels_from_parse(parse: Mapping[str, Any]) -> Dict[str, Any]:
    """The slot values a parse result would set, as the bot's first turn would."""
    entities = {e["entity"]: e["value"] for e in parse.get("entities") or []}
    intent = (parse.get("intent") or {}).get("name")
    return {
        "concern_type": entities.get("concern_type", UNKNOWN),
        "reporter_role": entities.get("reporter_role", UNKNOWN),
        "acute_danger": intent == "acute_danger" or entities.get("acute_danger") is True,
    }


@dataclass(frozen=True)
class LabelScore:
    label: str
    accuracy: float
    report: str
    confusion: str


def _confusion_table(truth: Sequence[Any], predicted: Sequence[Any]) -> str:
    names = sorted({str(v) for v in truth} | {str(v) for v in predicted})
    matrix = confusion_matrix([str(v) for v in truth], [str(v) for v in predicted], labels=names)
    width = max(len(n) for n in names) + 2
    short = [n[:10] for n in names]
    lines = ["true \\ predicted".ljust(width) + "".join(s.rjust(12) for s in short)]
    for name, row in zip(names, matrix):
        lines.append(name.ljust(width) + "".join(str(v).rjust(12) for v in row))
    return "\n".join(lines)


def score(messages: Sequence[LabelledMessage], predictions: Sequence[Mapping[str, Any]]) -> List[LabelScore]:
    scores = []
    for label in LABELS:
        truth = [getattr(m, label) for m in messages]
        predicted = [p[label] for p in predictions]
        correct = sum(t == p for t, p in zip(truth, predicted))
        scores.append(LabelScore(
            label=label,
            accuracy=correct / len(messages) if messages else 0.0,
            report=classification_report([str(t) for t in truth], [str(p) for p in predicted],
                                          zero_division=0, digits=3),
            confusion=_confusion_table(truth, predicted),
        ))
    return scores


def acute_errors(messages: Sequence[LabelledMessage], predictions: Sequence[Mapping[str, Any]]) -> Dict[str, List[str]]:
    """Missed acute messages and false alarms, for the report and the thresholds test."""
    missed = [m.text for m, p in zip(messages, predictions) if m.acute_danger and not p["acute_danger"]]
    false_alarms = [m.text for m, p in zip(messages, predictions) if p["acute_danger"] and not m.acute_danger]
    return {"missed": missed, "false_alarms": false_alarms}


def below_floors(messages: Sequence[LabelledMessage], predictions: Sequence[Mapping[str, Any]],
                 floors: Mapping[str, float]) -> List[str]:
    """Which of a set's floors (tests/nlu/sets.yml) its figures fall under; figures only, so a
    blind set's texts never show."""
    accuracy = {s.label: s.accuracy for s in score(messages, predictions)}
    errors = acute_errors(messages, predictions)
    acute = sum(m.acute_danger for m in messages)
    recall = (acute - len(errors["missed"])) / acute if acute else 1.0
    false_alarms = len(errors["false_alarms"]) / (len(messages) - acute) if len(messages) > acute else 0.0
    misses = [f"{label} {accuracy[label]:.1%} < {floors[label]:.0%}"
              for label in ("concern_type", "reporter_role") if accuracy[label] < floors[label]]
    if recall < floors["acute_recall"]:
        misses.append(f"acute recall {recall:.1%} < {floors['acute_recall']:.0%}")
    if false_alarms > floors["false_alarms"]:
        misses.append(f"false alarms {false_alarms:.1%} > {floors['false_alarms']:.0%}")
    return misses
