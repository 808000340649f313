"""What a message answers, read from its words: a yes, a no or "I don't know" at its start, and a
request for advice anywhere in it.

People answer the bot's questions in their own words: "nee ze woont alleen, hij komt elke dag
langs", "ja, twee jongens van 6 en 9", "weet ik niet, ze zegt er niks over". DIET hears a story
or nothing in such a message, and the question was asked again; the first word already says the
answer. The forms read it from the `answer` and `danger_answer` entities (domain.yml), and only
for the question they asked.
"""

from __future__ import annotations

import re
from typing import Optional

YES, NO, UNKNOWN = "ja", "nee", "onbekend"

# A few filler words may come first ("eh nee", "nou ja", "hmm weet ik niet").
_FILLER = r"(?:(?:eh+|ehm+|uh+m*|hm+|nou|tja|oké|oke|ok)[\s,.]+)?"
_END = r"(?=$|[\s,.!?;:)])"
# "niet nu", "nu niet": the answer to "is er op dit moment iemand in gevaar?" itself.
_NOT_NOW = r"(?:niet nu|nu niet|nu even niet|niet op dit moment|op dit moment niet)"
# Not "nee!" or "nee nee": a cry, not an answer.
_NO = re.compile(
    _FILLER + r"(?:nee+|neen|nee+j|nope|neuh|nah|" + _NOT_NOW + r"|helemaal niet"
    r"|niet echt|gelukkig niet|absoluut niet|zeker niet)" + _END + r"(?![\s,]*(?:!|nee\b))",
    re.IGNORECASE)
# "ja maar ..." takes the yes back as often as not: left to DIET.
_YES = re.compile(
    _FILLER + r"(?:ja+|jawel|jazeker|jep|jup|jah|klopt|zeker|inderdaad|yes)" + _END
    + r"(?![\s,]+maar\b)",
    re.IGNORECASE)
_UNKNOWN = re.compile(
    _FILLER + r"(?:(?:dat\s+)?(?:ik\s+)?weet\s+(?:ik\s+)?(?:het\s+)?niet|geen\s+(?:flauw\s+)?idee|idk)"
    + _END, re.IGNORECASE)

# A request for advice in so many words, also inside a longer message ("wtf wat moet ik doen ik
# durf het niet aan mn ouders te zeggen").
_WHAT_TO_DO = re.compile(
    r"\bwat\s+(?:moet|kan|zal|moeten|kunnen)\s+(?:ik|we|wij)\s+(?:nu\s+|nog\s+|morgen\s+|dan\s+|hier\s+)?"
    r"(?:het\s+beste\s+|zelf\s+)?(?:doen|ermee|hiermee|daarmee)\b"
    r"|\bwat\s+(?:raad|raden|adviseer|adviseren)\s+(?:jullie|je|u)\b"
    r"|\bwat\s+is\s+(?:jullie|je|uw)\s+advies\b"
    r"|\bwaar\s+kan\s+ik\s+(?:nog\s+)?(?:terecht|heen)\b"
    r"|\bwie\s+kan\s+(?:mij|me|ons|haar|hem)\s+(?:hier\s+|nu\s+|daar\s+)?helpen\b"
    r"|\bhoe\s+kom\s+ik\s+(?:hier|ervan|hiervan|daarvan)\s+(?:van\s*)?af\b",
    re.IGNORECASE)


_DENIES_NOW = re.compile(_FILLER + r"(?:nee+[\s,.]+)?" + _NOT_NOW + _END, re.IGNORECASE)


def denies_now(text: str) -> bool:
    """True when the message starts by saying that nothing is going on now."""
    return bool(_DENIES_NOW.match(text.strip()))


def leading_answer(text: str) -> Optional[str]:
    """"ja", "nee" or "onbekend" when the message starts with that answer, else None."""
    stripped = text.strip()
    if _UNKNOWN.match(stripped):
        return UNKNOWN
    if _NO.match(stripped):
        return NO
    if _YES.match(stripped):
        return YES
    return None


def asks_what_to_do(text: str) -> bool:
    """True when the message asks, in so many words, what the person can do or where to go."""
    return bool(_WHAT_TO_DO.search(text))
