"""Parse the labelled first-message sets with the trained model and report every label.

For each set of tests/nlu/sets.yml (or the ones named): per-label precision, recall and F1, the
confusion table, acute danger caught and false alarms. The messages a development set got
wrong are listed; a blind set's never are (looking at them would make it a development set).

Usage: .venv/bin/python scripts/evaluate.py [--model models/veilig-thuis.tar.gz]
       [--set blind_e ...] [--json var/evaluation.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import (acute_errors, below_floors, labels_from_parse, load_labelled,  # noqa: E402
                            load_sets, score)


async def parse_all(agent, texts):
    return [await agent.parse_message(text) for text in texts]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "veilig-thuis.tar.gz"))
    parser.add_argument("--set", action="append", help="a set's name (default: all)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's structlog debug lines carry message texts
    agent = Agent.load(args.model)
    figures = {}
    below = 0
    for labelled_set in load_sets(ROOT / "tests" / "nlu" / "sets.yml"):
        if args.set and labelled_set.name not in args.set:
            continue
        messages = load_labelled(str(labelled_set.path))
        parses = asyncio.run(parse_all(agent, [m.text for m in messages]))
        predictions = [labels_from_parse(p) for p in parses]
        scores = score(messages, predictions)
        errors = acute_errors(messages, predictions)
        acute = sum(m.acute_danger for m in messages)
        print(f"==== {labelled_set.name} ({labelled_set.kind}, {len(messages)} messages): "
              f"{labelled_set.about}\n")
        for s in scores:
            print(f"== {s.label}: {s.accuracy:.1%} right\n{s.report}\nConfusion table:\n"
                  f"{s.confusion}\n")
        print(f"Acute danger caught: {acute - len(errors['missed'])} of {acute}; false alarms: "
              f"{len(errors['false_alarms'])} of {len(messages) - acute}\n")
        if labelled_set.kind == "development":
            for text in errors["missed"]:
                print(f"  MISSED: {text}")
        misses = below_floors(messages, predictions, labelled_set.floors) if labelled_set.floors else []
        print("Floors (tests/nlu/sets.yml): " + ("; ".join(misses) if misses else "all held") + "\n")
        below += bool(misses)
        figures[labelled_set.name] = {
            "kind": labelled_set.kind, "messages": len(messages),
            "accuracy": {s.label: s.accuracy for s in scores},
            "acute": acute, "acute_missed": len(errors["missed"]),
            "acute_false_alarms": len(errors["false_alarms"]),
        }
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
