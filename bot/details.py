"""What a message tells besides a yes or a no: facts that answer one of the bot's questions,
whichever is open, and a request for a person.

People answer the question they expect, not always the one that was asked: "ja ik kan nu
rustig chatten, hij is naar zijn werk" to "is er nu iemand in gevaar?", "nee, ik heb het nog aan
niemand verteld" to "kun je veilig chatten?". Read as a yes or a no to the open question, the
first got the 112 text and the second how to leave at once. bot/triage.py turns these facts into
entities (domain.yml maps them whatever question is open) and keeps a leading yes or no from
answering a question the rest of the message is not about.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.answers import NO, YES

_PEOPLE = (r"(?:iemand|een\s+mens|een\s+echt\s+mens|een\s+medewerker|een\s+persoon|een\s+hulpverlener|"
           r"een\s+adviseur|een\s+counsellor|jullie)")

# "ik kan nu rustig chatten", "hier kan ik veilig chatten", "niemand kijkt mee". Not a question
# ("kan ik hier veilig chatten?"), and never with "niet" in between.
_CAN_CHAT = re.compile(
    r"\b(?:ik\s+kan|kan\s+ik)\s+(?:(?:nu|hier|wel|gewoon|rustig|veilig|even|prima|vrij|ongestoord)\s+){0,3}"
    r"(?:chatten|praten|typen|schrijven|appen)\b"
    # "ja kan praten, zit op school": the "ik" left out, as people do in a chat
    r"|^\W*(?:(?:ja|jawel|oké|oke|ok)[\s,.]+)?kan\s+(?:(?:nu|wel|gewoon|rustig|veilig|even)\s+){0,2}"
    r"(?:chatten|praten|typen|appen)\b"
    # "ja kan nu, ik zit op school" (the chat question answered before it came), "..., kan
    # gewoon typen"
    r"|^\W*(?:(?:ja|jawel|oké|oke|ok)[\s,.]+)?kan\s+(?:nu|wel)(?:\s+(?:wel|even|prima|gewoon))?\s*(?:[,.!]|$)"
    r"|(?<!\bniet\s)\bkan\s+(?:(?:nu|wel|gewoon|rustig|veilig|even)\s+){1,2}(?:chatten|praten|typen|appen)\b"
    r"|\bniemand\s+(?:kijkt|leest)\s+(?:hier\s+)?mee\b"
    r"|\bik\s+ben\s+(?:nu\s+|hier\s+|nu\s+hier\s+)?(?:veilig|alleen\s+thuis)\b(?!\s+met\b)"
    r"|\b(?:veilig|rustig)\s+(?:om\s+te\s+)?(?:chatten|praten|typen)\b(?!\s*\?)",
    re.IGNORECASE)
_CANNOT_CHAT = re.compile(
    r"\b(?:ik\s+kan|kan\s+ik)\s+(?:nu\s+|hier\s+)?niet\s+(?:(?:veilig|rustig|goed|vrij|lang)\s+)?"
    r"(?:chatten|praten|typen|schrijven)\b"
    r"|\b(?:niet|nooit)\s+(?:veilig|rustig)\s+(?:om\s+te\s+)?(?:chatten|praten|typen)\b"
    r"|\b(?:hij|zij|ze)\s+(?:kijkt|leest)\s+(?:nu\s+)?mee\b",
    re.IGNORECASE)

# "alleen mijn zus weet het", "ik heb het met mijn teamleider besproken", "ik durf het tegen
# niemand te zeggen": the answer to "heb je er al met iemand over gepraat?", which the bot does
# not ask but people answer all the same.
_WHO_KNOWS = re.compile(
    r"\b(?:niemand|iemand|(?:mijn|mn|m'n|zijn|haar|onze|de)\s+(?:[\w-]+\s+)?[\w-]+)\s+(?:weet|weten)\b"
    r"(?!\s+(?:niet\s+)?(?:wat|hoe|waar|of)\b)"
    r"|\b(?:verteld|besproken|overlegd|gesproken|gepraat)\b"
    r"|\b(?:het\s+)?er\s+(?:(?:een\s+keer|wel|eens|al|ooit|nog)\s+){0,3}(?:met\s+\w+\s+)?over\s+gehad\b"
    r"|\b(?:tegen|aan|met)\s+niemand\b|\bnog\s+niemand\b"
    r"|^\W*(?:nee[\s,]+)?(?:echt\s+|verder\s+|helemaal\s+)?niemand\b",
    re.IGNORECASE)

# Asking for a person in so many words, also inside a longer message.
_WANTS_PERSON = re.compile(
    r"(?:\b(?:ik|we|wij)\s+(?:wil|wilde|zou|willen|kan|mag|kunnen)\b|\b(?:kan|mag|kunnen|wil)\s+(?:ik|we|wij)\b"
    r"|\bgraag\b)[^.?!]{0,40}?\b(?:met|tegen)\s+" + _PEOPLE + r"\b[^.?!]{0,25}?"
    r"\b(?:praten|spreken|chatten|bespreken|bellen|appen|overleggen|sparren|doorspreken|doornemen)\b"
    r"|\b(?:praten|spreken|chatten)\s+met\s+" + _PEOPLE + r"\b"
    r"|\b(?:praat|chat|spreek)\s+(?:ik|we)\s+(?:dan\s+)?(?:wel\s+|graag\s+)?(?:even\s+)?met\s+" + _PEOPLE + r"\b"
    r"|\been\s+(?:echt|echte)\s+(?:mens|persoon)\b"
    r"|^\W*(?:ja[\s,]+)?(?:graag|ik\s+wil|ik\s+wil\s+graag)\s+(?:even\s+)?(?:praten|chatten)\b"
    r"|\biemand\s+(?:die|met\s+wie)\s+(?:ik|we)\s+(?:kan|kunnen|mag)\s+(?:spreken|bellen|praten)\b"
    # "verbind me maar door", "kun je me doorverbinden?"
    r"|\bverbind\s+(?:me|mij|ons)\s+(?:\w+\s+){0,2}?door\b|\bdoor\s?(?:te\s+)?verbinden\b",
    re.IGNORECASE)

# "ik wil niet met iemand praten" is the opposite.
_NEGATION = re.compile(r"\b(?:niet|geen|nooit)\b", re.IGNORECASE)


# "ik ben 15", "ze is 17", "oma is 84", "ik ben 15 zij is 7": an age, said in answer to no
# question, that belongs to the story (the writer a child counts in bot/triage.py).
_AGE = r"(?:ik\s+ben|(?:hij|zij|ze|\w+)\s+is)\s+(?:pas\s+|nog\s+maar\s+|al\s+|bijna\s+)?\d{1,3}(?:\s+jaar(?:\s+oud)?)?"
_AGES_ONLY = re.compile(r"^\W*(?:btw\s+)?" + _AGE + r"(?:[\s,.]+(?:en\s+)?" + _AGE + r")?(?:\s+btw)?[\s.!]*$",
                        re.IGNORECASE)

# "hoort mijn oom dat ik het was?", "kan dat zonder dat haar familie weet dat ik het ben?": whether
# the family learns who told, which is the question of anonymity.
_WHO_TOLD = re.compile(
    r"\b(?:hoort|horen|weet|weten|merkt|merken|ziet|zien)\s+(?:\w+\s+){0,3}?(?:dat|wie)\s+"
    r"(?:ik\s+het|het\s+van\s+mij|ik|er)\s+(?:\w+\s+){0,2}?(?:was|ben|heb\s+gemeld|heb\s+gebeld|"
    r"gemeld\s+heb|gebeld\s+heb|gemeld\s+heeft|gebeld\s+heeft)\b",
    re.IGNORECASE)


def states_ages_only(text: str) -> bool:
    """True when the message only says how old someone is ("ik ben 15", "oma is 84")."""
    return bool(_AGES_ONLY.match(text.strip()))


def asks_who_told(text: str) -> bool:
    """True when the message asks whether the family learns who told ("hoort ze dat ik het
    was?"), asked as a question or as "zonder dat ... weet dat ik het ben"."""
    return bool(_WHO_TOLD.search(text)) and ("?" in text or "zonder dat" in text.lower())


def chat_safety(text: str) -> Optional[str]:
    """YES when the message says the person can chat safely now, NO when it says they cannot,
    None when it says neither (or asks)."""
    if _CANNOT_CHAT.search(text):
        return NO
    if text.rstrip().endswith("?"):
        return None
    return YES if _CAN_CHAT.search(text) else None


def tells_who_knows(text: str) -> bool:
    """True when the message says who knows of it or with whom it was talked over."""
    return bool(_WHO_KNOWS.search(text))


def wants_a_person(text: str) -> bool:
    """True when the message asks to talk with a person ("kan ik met iemand praten?")."""
    return any(not _NEGATION.search(match.group(0)) for match in _WANTS_PERSON.finditer(text))


def declines_a_person(text: str) -> bool:
    """True when the message says the person does not want to talk with someone now ("nee ik
    wil nu nog niet met iemand praten"): a no to the offer, whatever DIET heard in it."""
    matches = list(_WANTS_PERSON.finditer(text))
    return bool(matches) and all(_NEGATION.search(match.group(0)) for match in matches)
