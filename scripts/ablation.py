"""What each data and feature step buys the triage classifiers, on the development sets.

Trains the three triage classifiers (bot/triage.py) without DIET and without the rest of
Rasa's pipeline, step by step, and scores each step on the development sets of
tests/nlu/sets.yml (never on a blind set: that would be tuning on what reports):

1. n-grams, the training data of 2026-11 only (data/nlu without voices/);
2. + the five new voices (data/nlu/voices/);
3. + sentence embeddings (the adopted features);
4. + lemmas as a fourth view (tried, not adopted);
5. the adopted model with the acute threshold of 0.3 instead of 0.4 (the old threshold).

The figures approximate the bot's first turn (the role counts only when the classifier is
sure enough, as in the bot; acute uses the bot's decision without DIET's intent). Usage:
.venv/bin/python scripts/ablation.py   (about 5 minutes: it embeds every training text)
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, List, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_union  # noqa: E402

from bot import triage  # noqa: E402
from bot.benchmark import format_table  # noqa: E402
from bot.evaluation import load_labelled, load_sets  # noqa: E402
from bot.triage import NO_CONCERN, TriageExample, TriageModel, TriageThresholds, is_acute  # noqa: E402


def training_examples(with_voices: bool) -> List[TriageExample]:
    from rasa.shared.nlu.training_data.loading import load_data

    from components.triage import example_from_message

    files = [f for f in sorted((ROOT / "data" / "nlu").rglob("*.yml"))
             if with_voices or "voices" not in f.parts]
    return [example for f in files for example in map(example_from_message,
                                                      load_data(str(f)).intent_examples)
            if example]


def ngrams_only() -> FeatureUnion:
    union = triage._features()
    return FeatureUnion(union.transformer_list[:2])


def with_lemmas() -> FeatureUnion:
    import spacy
    from sklearn.preprocessing import FunctionTransformer

    nlp = spacy.load(str(ROOT / "var" / "spacy_nl"))
    lemmatise = FunctionTransformer(
        lambda texts: [" ".join(t.lemma_.lower() for t in nlp(text)) for text in texts])
    lemma_words = make_union(TfidfVectorizer(analyzer="word", ngram_range=(1, 2),
                                             sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"))
    from sklearn.pipeline import make_pipeline

    union = triage._features()
    union.transformer_list.append(("lemmas", make_pipeline(lemmatise, lemma_words)))
    return union


def score(model: TriageModel, messages: Sequence, thresholds: TriageThresholds) -> List[str]:
    predictions = model.predict([m.text for m in messages])
    concern = role = caught = alarms = 0
    for m, p in zip(messages, predictions):
        concern += (p.concern_type if p.concern_type != NO_CONCERN else None) == m.concern_type
        role += (p.reporter_role if p.role_confidence >= thresholds.role else None) == m.reporter_role
        acute = is_acute(m.text, p, thresholds)
        caught += acute and m.acute_danger
        alarms += acute and not m.acute_danger
    n, acute_n = len(messages), sum(m.acute_danger for m in messages)
    return [f"{concern / n:.1%}", f"{role / n:.1%}", f"{caught}/{acute_n}",
            f"{alarms}/{n - acute_n}"]


def main() -> None:
    sets = [s for s in load_sets(ROOT / "tests" / "nlu" / "sets.yml") if s.kind == "development"]
    labelled = {s.name: load_labelled(str(s.path)) for s in sets}
    adopted = TriageThresholds()
    steps: List[tuple] = [
        ("1. n-grams, data of 2026-11", False, ngrams_only, adopted),
        ("2. + five new voices", True, ngrams_only, adopted),
        ("3. + sentence embeddings (adopted)", True, triage._features, adopted),
        ("4. + lemmas (not adopted)", True, with_lemmas, adopted),
        ("5. adopted, acute threshold 0.3", True, triage._features, replace(adopted, acute=0.3)),
    ]
    rows = []
    for name, voices, features, thresholds in steps:
        original: Callable = triage._features
        triage._features = features
        try:
            model = TriageModel.train(training_examples(voices))
        finally:
            triage._features = original
        for set_name, messages in labelled.items():
            rows.append([name, set_name, *score(model, messages, thresholds)])
        print(f"done: {name}", flush=True)
    print(format_table(["step", "set", "concern", "role", "acute caught", "false alarms"], rows))


if __name__ == "__main__":
    main()
