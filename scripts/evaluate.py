"""Parse the held-out first messages with the trained model and print per-label scores.

Usage: .venv/bin/python scripts/evaluate.py [--model models/veilig-thuis.tar.gz]
       [--data tests/nlu/first_messages.yml] [--json var/evaluation.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.evaluation import acute_errors, labels_from_parse, load_labelled, score  # noqa: E402


async def parse_all(model: str, texts):
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models/veilig-thuis.tar.gz")
    parser.add_argument("--data", default="tests/nlu/first_messages.yml")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's structlog debug lines carry message texts

    messages = load_labelled(args.data)
    parses = asyncio.run(parse_all(args.model, [m.text for m in messages]))
    predictions = [labels_from_parse(p) for p in parses]
    scores = score(messages, predictions)
    errors = acute_errors(messages, predictions)

    print(f"Held-out first messages: {len(messages)} ({args.data})\n")
    for s in scores:
        print(f"== {s.label}: {s.accuracy:.1%} right\n{s.report}\nConfusion table:\n{s.confusion}\n")
    print(f"Acute danger missed: {len(errors['missed'])}; false alarms: {len(errors['false_alarms'])}")
    for text in errors["missed"]:
        print(f"  MISSED: {text}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({
            "messages": len(messages),
            "accuracy": {s.label: s.accuracy for s in scores},
            "acute_missed": len(errors["missed"]),
            "acute_false_alarms": len(errors["false_alarms"]),
        }, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
