"""What each data and feature step buys the triage classifiers, on the development sets.

Trains the three triage classifiers (bot/triage.py) without DIET and without the rest of
Rasa's pipeline, step by step, and scores each step on the development sets of
tests/nlu/sets.yml (never on a blind set: that would be tuning on what reports):

1. n-grams, the training data of 2026-11 only (data/nlu without voices/);
2. + the first five voices (data/nlu/voices/);
3. + sentence embeddings (the adopted features);
4. + the four later voices: whose concern it is, danger that comes last, right after it
   happened, still going on (the adopted model);
5. + lemmas as a fourth view (tried, not adopted);
6. + spelling normalised (tried, not adopted): a word that is neither in Debian's hunspell-nl
   word list nor in the training data becomes the nearest training word within two edits
   (symspellpy). Every training word is known, so this changes only the messages scored, and
   the step reuses the model of step 4;
and then the precision/recall curve of the acute threshold for the adopted model, summed over the
development sets (how 0.4 was chosen: recall first, false alarms at most 5%).

The figures approximate the bot's first turn (the role counts only when the classifier is
sure enough, as in the bot; acute uses the bot's decision without DIET's intent). Usage:
.venv/bin/python scripts/ablation.py [--only 3,4]   (a few minutes a step: it embeds every
training text)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Set

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline, make_union  # noqa: E402

from bot import triage  # noqa: E402
from bot.benchmark import format_table  # noqa: E402
from bot.evaluation import load_labelled, load_sets  # noqa: E402
from bot.triage import NO_CONCERN, TriageExample, TriageModel, TriageThresholds, is_acute  # noqa: E402


HUNSPELL_NL = Path("/usr/share/hunspell/nl.dic")  # Debian's hunspell-nl (make system-deps)


Prepare = Callable[[List[str]], List[str]]


def as_written(texts: List[str]) -> List[str]:
    return texts


# The voices written in the second half of 2026-12-01 (step 4); the five before them are step 2.
LATER_VOICES = {"voice_whose_concern.yml", "voice_danger_comes_last.yml", "voice_right_after.yml",
                "voice_still_going_on.yml"}


def training_examples(voices: str) -> List[TriageExample]:
    """voices: "none" (the data of 2026-11), "five" (+ the first five voices) or "all"."""
    from rasa.shared.nlu.training_data.loading import load_data

    from components.triage import example_from_message

    def wanted(f: Path) -> bool:
        if "voices" not in f.parts:
            return True
        return voices == "all" or (voices == "five" and f.name not in LATER_VOICES)

    files = [f for f in sorted((ROOT / "data" / "nlu").rglob("*.yml")) if wanted(f)]
    return [example for f in files for example in map(example_from_message,
                                                      load_data(str(f)).intent_examples)
            if example]


ADOPTED = triage._features  # the bot's own features; steps swap triage._features for a while


def ngrams_only() -> FeatureUnion:
    union = ADOPTED()
    return FeatureUnion(union.transformer_list[:2])


def with_lemmas() -> FeatureUnion:
    import spacy
    from sklearn.preprocessing import FunctionTransformer

    nlp = spacy.load(str(ROOT / "var" / "spacy_nl"))
    lemmatise = FunctionTransformer(
        lambda texts: [" ".join(t.lemma_.lower() for t in nlp(text)) for text in texts])
    lemma_words = make_union(TfidfVectorizer(analyzer="word", ngram_range=(1, 2),
                                             sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"))
    union = ADOPTED()
    union.transformer_list.append(("lemmas", make_pipeline(lemmatise, lemma_words)))
    return union


class SpellingNormaliser:
    """Maps unknown words onto the nearest word the classifiers have seen, so that typos and
    phonetic spelling meet the training vocabulary instead of the character n-grams alone."""

    WORD = re.compile(r"\w+")

    def __init__(self, known: Set[str], training_counts: Counter) -> None:
        from symspellpy import SymSpell

        self.known = known
        self.speller = SymSpell(max_dictionary_edit_distance=2)
        for word, count in training_counts.items():
            self.speller.create_dictionary_entry(word, count)

    @classmethod
    def from_training(cls, examples: Sequence[TriageExample]) -> "SpellingNormaliser":
        counts = Counter(w for e in examples for w in cls.WORD.findall(e.text.lower()))
        lines = HUNSPELL_NL.read_text(encoding="utf-8").splitlines()[1:]
        dictionary = {line.split("/")[0].lower() for line in lines}
        return cls(dictionary | set(counts), counts)

    def normalise_all(self, texts: Sequence[str]) -> List[str]:
        return [self.WORD.sub(self._word, text.lower()) for text in texts]

    def _word(self, match: "re.Match[str]") -> str:
        from symspellpy import Verbosity

        word = match.group(0)
        if len(word) < 4 or word in self.known or word.isdigit():
            return word
        found = self.speller.lookup(word, Verbosity.TOP, max_edit_distance=2)
        return found[0].term if found else word


def score(model: TriageModel, messages: Sequence, thresholds: TriageThresholds,
          prepare: Prepare) -> List[str]:
    texts = prepare([m.text for m in messages])
    predictions = model.predict(texts)
    concern = role = caught = alarms = 0
    for m, text, p in zip(messages, texts, predictions):
        concern += (p.concern_type if p.concern_type != NO_CONCERN else None) == m.concern_type
        role += (p.reporter_role if p.role_confidence >= thresholds.role else None) == m.reporter_role
        acute = is_acute(text, p, thresholds)
        caught += acute and m.acute_danger
        alarms += acute and not m.acute_danger
    n, acute_n = len(messages), sum(m.acute_danger for m in messages)
    return [f"{concern / n:.1%}", f"{role / n:.1%}", f"{caught}/{acute_n}",
            f"{alarms}/{n - acute_n}"]


def train(voices: str, features: Callable) -> TriageModel:
    original: Callable = triage._features
    triage._features = features
    try:
        return TriageModel.train(training_examples(voices))
    finally:
        triage._features = original


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="step numbers to run, e.g. 3,5 (default: all)")
    wanted = {int(n) for n in parser.parse_args(argv).only.split(",") if n}
    sets = [s for s in load_sets(ROOT / "tests" / "nlu" / "sets.yml") if s.kind == "development"]
    labelled = {s.name: load_labelled(str(s.path)) for s in sets}
    adopted = TriageThresholds()
    spelling = SpellingNormaliser.from_training(training_examples("all")).normalise_all
    steps: List[tuple] = [
        ("1. n-grams, data of 2026-11", "none", ngrams_only, adopted, as_written),
        ("2. + five new voices", "five", ngrams_only, adopted, as_written),
        ("3. + sentence embeddings", "five", ADOPTED, adopted, as_written),
        ("4. + four later voices (adopted)", "all", ADOPTED, adopted, as_written),
        ("5. + lemmas (not adopted)", "all", with_lemmas, adopted, as_written),
        ("6. + spelling normalised (not adopted)", "all", ADOPTED, adopted, spelling),
    ]
    models: Dict[tuple, TriageModel] = {}  # steps 4 and 6 and the curve share one model
    rows = []
    for name, voices, features, thresholds, prepare in steps:
        if wanted and int(name.split(".")[0]) not in wanted:
            continue
        if (voices, features) not in models:
            models[voices, features] = train(voices, features)
        for set_name, messages in labelled.items():
            rows.append([name, set_name,
                         *score(models[voices, features], messages, thresholds, prepare)])
        print(f"done: {name}", flush=True)
    print(format_table(["step", "set", "concern", "role", "acute caught", "false alarms"], rows))
    if not wanted or 4 in wanted:
        adopted_model = models.get(("all", ADOPTED)) or train("all", ADOPTED)
        print(acute_curve(adopted_model, [m for ms in labelled.values() for m in ms], adopted))


def acute_curve(model: TriageModel, messages: Sequence, adopted: TriageThresholds) -> str:
    """Acute messages caught and false alarms at each threshold (the other rules unchanged)."""
    predictions = model.predict([m.text for m in messages])
    acute_n = sum(m.acute_danger for m in messages)
    rows = []
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6):
        thresholds = replace(adopted, acute=threshold)
        decided = [is_acute(m.text, p, thresholds) for m, p in zip(messages, predictions)]
        caught = sum(d and m.acute_danger for d, m in zip(decided, messages))
        alarms = sum(d and not m.acute_danger for d, m in zip(decided, messages))
        rows.append([f"{threshold:.1f}", f"{caught}/{acute_n}",
                     f"{alarms}/{len(messages) - acute_n}",
                     f"{alarms / (len(messages) - acute_n):.1%}"])
    return "\nAcute threshold, all development sets together:\n" + format_table(
        ["threshold", "caught", "false alarms", "false-alarm rate"], rows)


if __name__ == "__main__":
    main(sys.argv[1:])
