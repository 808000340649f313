"""The text the NLU pipeline reads: the message itself, within bounds that keep every message
cheap.

spaCy's tokenizer strips prefixes and suffixes one character at a time, each time searching the
rest of the word again: quadratic in the length of a word without spaces. One emoji repeated
20,000 times held the whole Rasa server for 36 s (and a different emoji each time defeats its
cache). Cutting such runs into pieces and reading at most the first NLU_MAX_CHARS characters
bounds the cost of any message; ordinary messages are unchanged. The transcript keeps the
whole message: only what the classifiers see is bounded.
"""

from __future__ import annotations

import re

# About 400 words: far more than a first message needs for its labels.
NLU_MAX_CHARS = 2500
# Longer than any Dutch word or ordinary link part, short enough to stay cheap.
MAX_RUN_CHARS = 40
_LONG_RUN = re.compile(r"\S{%d,}" % (MAX_RUN_CHARS + 1))


def _split_run(match: "re.Match[str]") -> str:
    run = match.group(0)
    return " ".join(run[i:i + MAX_RUN_CHARS] for i in range(0, len(run), MAX_RUN_CHARS))


def bounded_for_nlu(text: str) -> str:
    """At most NLU_MAX_CHARS characters, with no run of more than MAX_RUN_CHARS non-spaces."""
    return _LONG_RUN.sub(_split_run, text[:NLU_MAX_CHARS])
