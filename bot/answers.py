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
    r"|\bwie\s+(?:kan|moet|kunnen|moeten)\s+(?:ik|we|wij)\s+(?:nu\s+|dan\s+|het\s+beste\s+)?(?:bellen|appen|inschakelen)\b"
    # "is het niet te laat om nog hulp te krijgen?": the advice says help is there later too
    r"|\b(?:is\s+het|het\s+is|ben\s+ik)\s+(?:nu\s+|dan\s+|nog\s+)?(?:niet|nie)?\s*(?:al\s+)?te\s+laat\b"
    r"|\bhoe\s+kom\s+ik\s+(?:hier|ervan|hiervan|daarvan)\s+(?:van\s*)?af\b"
    # how to help: "hoe kan ik er voor haar zijn?", "wat moet ik hem zeggen?"
    r"|\bhoe\s+kan\s+ik\s+(?:haar|hem|hen|ze|mijn\s+\w+)\s+(?:het\s+best(?:e)?\s+)?(?:helpen|steunen|bijstaan)\b"
    r"|\bhoe\s+kan\s+ik\s+er\s+voor\s+(?:haar|hem|hen|ze)\s+zijn\b"
    r"|\bwat\s+(?:moet|kan|zal)\s+ik\s+(?:haar|hem|hen|ze|tegen\s+(?:haar|hem|hen))\s+(?:dan\s+)?zeggen\b",
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


# The end of a conversation in the person's words: "ik denk er nog even over na", "dan bel ik
# maandag", "fijne dag". Short and not a question; a story or a question is read as such.
_CLOSING = re.compile(
    r"\bik\s+(?:denk|ga)\s+er\s*(?:nog\s+)?(?:even\s+|eens\s+|over\s+)?(?:over\s+)?na(?:denken)?\b"
    r"|\bdenk\s+er\s*(?:nog\s+)?(?:even\s+)?over\s+na\b"
    r"|\b(?:dan\s+)?bel\s+ik\s+(?:\w+\s+){0,5}?(?:morgen|vandaag|vanmiddag|vanavond|straks|later|"
    r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|nog)\b"
    r"|\bik\s+bel\s+(?:jullie\s+|wel\s+|dan\s+|even\s+)*(?:morgen|vandaag|vanmiddag|vanavond|straks|"
    r"later|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\b"
    r"|\bfijne\s+(?:dag|avond|middag|ochtend|nacht|weekend)\b",
    re.IGNORECASE)
_THANKS = re.compile(r"\b(?:dank|dankje|dankjewel|dankuwel|bedankt|thanks|thx|merci)\b",
                     re.IGNORECASE)
# A feeling said in passing: "ik schrik hier wel van", "ik tril nog", "ik schaam me".
_FEELING = re.compile(
    r"\bik\s+(?:schrik|schrok|tril|trilde|schaam|voel|ben\s+(?:(?:zo|echt|wel|nog|steeds|heel|erg)\s+)*(?:geschrokken|"
    r"bang|blij|opgelucht|boos|verdrietig|in\s+de\s+war|moe|op))\b"
    r"|\b(?:ik\s+)?(?:ben|was)\s+(?:echt\s+|wel\s+|zo\s+)?(?:geschrokken|opgelucht)\b"
    r"|\b(?:fijn|goed)\s+om\s+te\s+(?:horen|lezen)\b",
    re.IGNORECASE)
# A moment to come ("over vijf weken vliegen we", "ze vertrekken in juli"): a fact of the story.
_MOMENT = re.compile(
    r"\bover\s+(?:een|twee|drie|vier|vijf|zes|\d+)\s+(?:dagen|weken|maanden|week|maand)\b"
    r"|\b(?:deze|komende|volgende)\s+(?:zomer|week|maand|vakantie)\b"
    r"|\bin\s+(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
    r"december)\b",
    re.IGNORECASE)


def closes_conversation(text: str) -> bool:
    """True for a short goodbye or thanks that asks nothing: "ok, dank je", "ik bel maandag"."""
    words = len(text.split())
    return ("?" not in text and words <= 14
            and bool(_CLOSING.search(text) or (_THANKS.search(text) and words <= 8)))


def says_thanks(text: str) -> bool:
    return bool(_THANKS.search(text))


def tells_feeling(text: str) -> bool:
    """True when the message says how the person feels ("ik schrik hier wel van")."""
    return "?" not in text and bool(_FEELING.search(text))


def names_a_moment(text: str) -> bool:
    """True when the message names a moment to come ("over twee weken", "in juli")."""
    return bool(_MOMENT.search(text))
