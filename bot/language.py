"""Predictable guesses whether a message is Dutch, English, or another language."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import AbstractSet, Any

# Function words that are frequent in one language and rare in the other. Words shared by
# both (in, is, we, me, over) are left out on purpose.
_ENGLISH = frozenset(
    "the and you your my he she they his her him them what when where who why how "
    "i i'm im am are was were have has had do does did don't can't cannot with from "
    "this that there please help hello hi thanks thank neighbour neighbor husband wife "
    "boyfriend girlfriend child children kids hitting hits beat beats scared afraid "
    "speak english anyone someone right now will would should could been being".split()
)
# Common Dutch words (also used by bot/triage.py to tell a sentence from keyboard mashing).
COMMON_DUTCH = frozenset(
    "de het een en ik je jij jullie mijn zijn haar hij zij ze wij niet wat wanneer waar "
    "wie waarom hoe ben bent heb heeft hebben doe doet kan kun kunnen met van dit dat "
    "daar alsjeblieft hallo hoi dank bedankt buurman buurvrouw buren man vrouw vriend "
    "vriendin kind kinderen slaat bang spreek iemand nu zou moet al ook maar nog "
    "veiligthuis".split()  # the name as the NLU reads it (bot/nlu_text.py)
)
WORD_PATTERN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# A message needs this many words before it can be called "another language": short ones
# ("ok", "help!", a name) stay Dutch, the language of the chat.
MIN_WORDS_FOR_OTHER = 3
# At most this share of words may be known Dutch for a message to count as another language.
MAX_DUTCH_SHARE_FOR_OTHER = 0.25


def is_english(text: str) -> bool:
    """True when the message clearly reads as English; short or mixed messages count as Dutch."""
    words = WORD_PATTERN.findall(text.lower())
    english = sum(word in _ENGLISH for word in words)
    dutch = sum(word in COMMON_DUTCH for word in words)
    # Two English markers at least, and clearly more than Dutch ones: "ok" or "hi" alone
    # should not switch a Dutch conversation to English.
    return english >= 2 and english > 2 * dutch


def _mostly_non_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    non_latin = sum(not ("a" <= c.lower() <= "z" or "\u00c0" <= c <= "\u024f") for c in letters)
    return len(letters) >= 3 and non_latin > len(letters) / 2


def detect_language(text: str, dutch_words: AbstractSet[str] = frozenset()) -> str:
    """'nl', 'en' or 'other'. `dutch_words` is a Dutch vocabulary (word forms, lower case)."""
    if _mostly_non_latin(text):
        return "other"
    if is_english(text):
        return "en"
    words = WORD_PATTERN.findall(text.lower())
    if len(words) < MIN_WORDS_FOR_OTHER:
        return "nl"
    known = sum(word in COMMON_DUTCH or word in dutch_words for word in words)
    return "other" if known <= MAX_DUTCH_SHARE_FOR_OTHER * len(words) else "nl"


# The languages the short answer (112 and 0800-2000) is written in, besides English: the
# languages most spoken in the Netherlands by people who may not speak Dutch. The chat itself
# speaks Dutch. Arabic and Persian share a script and lingua tells them apart poorly on a short
# message; the letters do it better (_arabic_or_persian).
REPLY_LANGUAGES = ("en", "tr", "ar", "fa", "pl", "uk", "ru", "ro", "bg", "es", "pt", "fr", "de")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
# Letters Persian writes and Arabic does not: pe, che, zhe, gaf, keheh and the Persian yeh.
_PERSIAN_LETTERS = re.compile(r"[\u067E\u0686\u0698\u06AF\u06A9\u06CC]")
# Told apart so that they are not mistaken for a reply language; they get the English answer.
_OTHERS = ("so", "it", "sq", "hu", "cs", "sk", "hr", "lt", "lv", "sw", "id", "vi", "zh", "hi",
           "ur", "af")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """lingua's detector over the reply languages and Dutch, built on first use (not at import).
    Low-accuracy mode: trigrams only, about 35 MB; enough to pick the language of the answer
    once our own check has said the message is not Dutch."""
    from lingua import Language, LanguageDetectorBuilder

    wanted = set(REPLY_LANGUAGES) | set(_OTHERS) | {"nl"}
    languages = [language for language in Language.all()
                 if language.iso_code_639_1.name.lower() in wanted]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def reply_language(text: str) -> str:
    """The language of the short answer for a message that is not Dutch: one of
    REPLY_LANGUAGES, English when unsure."""
    if _ARABIC_SCRIPT.search(text):
        return _arabic_or_persian(text)
    found = _identifier().detect_language_of(text)
    if found is None:
        return "en"
    code = found.iso_code_639_1.name.lower()
    return code if code in REPLY_LANGUAGES else "en"


def _arabic_or_persian(text: str) -> str:
    """Persian when the message has a letter only Persian writes; Arabic otherwise. (Urdu also
    writes these letters; its speakers read Persian more easily than Arabic.)"""
    return "fa" if _PERSIAN_LETTERS.search(text) else "ar"


# A message our own check reads as Dutch (a few of its words happen to be Dutch: "partner",
# "po", "co") is still another language when lingua is sure of one of these, whose spelling is
# far from Dutch. Over the 11,197 Dutch and English texts of data/ and tests/nlu/ this turned
# none into another language; German, English and Afrikaans are left out on purpose (they
# flipped broken or mixed Dutch).
_SURE_OTHER = frozenset({"tr", "ar", "pl", "uk", "ru", "ro", "bg", "es", "pt", "fr"})
_SURE = 0.9
_MIN_WORDS_FOR_SURE = 4


def surely_other_language(text: str) -> bool:
    """True when lingua is sure the message is in one of _SURE_OTHER (see above)."""
    if len(WORD_PATTERN.findall(text)) < _MIN_WORDS_FOR_SURE:
        return False
    best = _identifier().compute_language_confidence_values(text)[0]
    code = best.language.iso_code_639_1.name.lower()
    return ("ar" if code == "fa" else code) in _SURE_OTHER and best.value >= _SURE
