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
from typing import Dict, Iterable, Set, Tuple

# About 400 words: far more than a first message needs for its labels.
NLU_MAX_CHARS = 2500
# Longer than any Dutch word or ordinary link part, short enough to stay cheap.
MAX_RUN_CHARS = 40
_LONG_RUN = re.compile(r"\S{%d,}" % (MAX_RUN_CHARS + 1))


def _split_run(match: "re.Match[str]") -> str:
    run = match.group(0)
    return " ".join(run[i:i + MAX_RUN_CHARS] for i in range(0, len(run), MAX_RUN_CHARS))


# "Veilig Thuis" is a name, not "safe" and "home": read as two words it pulled questions about
# the organisation ("wat is veilig thuis?") towards "the danger is over" and "is this chat
# safe". One word for the name; "ik ben weer veilig thuis" (safely home) keeps its words.
_NAME = re.compile(r"(?<!\bben )(?<!\bbent )(?<!\bis )(?<!\bzijn )(?<!\bzit )(?<!\bweer )"
                   r"(?<!\bnu )(?<!\bal )\bveilig\s+thuis\b", re.IGNORECASE)


def text_for_nlu(text: str) -> str:
    """What the classifiers read: the bounded text (below), with the name Veilig Thuis as one
    word."""
    return _NAME.sub("VeiligThuis", bounded_for_nlu(text))


def bounded_for_nlu(text: str) -> str:
    """At most NLU_MAX_CHARS characters, with no run of more than MAX_RUN_CHARS non-spaces."""
    return _LONG_RUN.sub(_split_run, text[:NLU_MAX_CHARS])


# Whole messages of at most this many words that match a training example exactly ("oké",
# "nee hoor", "wat is veilig thuis?") get that example's intent. DIET's confidence for such
# short texts moves with every change to the data (one retraining read "oké" as 0.19 affirm,
# under the fallback threshold); what the authors wrote for them should not.
KNOWN_REPLY_MAX_WORDS = 6
_KEY_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def reply_key(text: str) -> str:
    """A message's words in lower case, without punctuation: "Oké!" and "oké" share a key."""
    return " ".join(_KEY_WORD.findall(text.lower()))


def known_replies(examples: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """Key of every short example text -> its intent, for (text, intent) pairs. A text written
    under two intents is left out: then DIET decides."""
    seen: Dict[str, Set[str]] = {}
    for text, intent in examples:
        key = reply_key(text)
        if key and len(key.split()) <= KNOWN_REPLY_MAX_WORDS:
            seen.setdefault(key, set()).add(intent)
    return {key: intents.pop() for key, intents in seen.items() if len(intents) == 1}
