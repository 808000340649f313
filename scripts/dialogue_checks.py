"""The pure half of the dialogue harness (scripts/evaluate_dialogues.py): the conversations
file, the detectors that decide each expectation from the assistant's reply and its tracker,
and the figures. No servers and no I/O here except reading the file, so every rule can be
unit-tested on made-up replies.

Detectors decide on meaning, not on the assistant's exact sentences: each one is a set of
case-insensitive patterns for the ways a Dutch counsellor could say the thing, so a reworded
reply is still recognised and a test of the bot does not break on a changed comma.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import (Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional,
                    Sequence, Set, Tuple)

import yaml

HOURS = ("staffed", "closed")
CHANNELS = ("website", "whatsapp")
ASK_KINDS = ("danger_now", "chat_safely", "children", "duration", "talked_to_someone",
             "who_is_writing", "tell_more")
# The form slot behind each safety question: `utter_ask_<slot>` in the tracker proves that the
# form asked it, and the slot being filled afterwards proves that the person answered it.
SLOT_OF_ASK = {"danger_now": "acute_danger", "chat_safely": "safety_can_chat",
               "children": "children_involved", "duration": "concern_duration",
               "talked_to_someone": "talked_to_someone", "who_is_writing": "reporter_role"}
ASK_OF_SLOT = {slot: kind for kind, slot in SLOT_OF_ASK.items()}
BOOL_KEYS = ("understood", "offers_counsellor", "hands_off", "acute_danger", "safety")
EXPECT_KEYS = frozenset({"understood", "mentions", "not_mentions", "asks", "not_asks",
                         "offers_counsellor", "hands_off", "acute_danger", "concern_type",
                         "reporter_role", "reply_language", "safety"})
CONVERSATION_KEYS = frozenset({"id", "hours", "channel", "covers", "never_asks_twice", "turns"})
# Expectation kinds as counted in the report ("never_asks_twice" is per conversation).
KINDS = ("understood", "mentions", "not_mentions", "asks", "not_asks", "offers_counsellor",
         "hands_off", "acute_danger", "concern_type", "reporter_role", "reply_language",
         "never_asks_twice")


# --- text normalisation ----------------------------------------------------------------------

def normalise(text: str) -> str:
    """Lower case, no accents (ë -> e), plain quotes and dashes, single spaces: the patterns
    below are written once for all the ways the same word can be typed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = (text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
            .replace("\u201d", '"').replace("\u2013", "-").replace("\u2014", "-")
            .replace("\u00a0", " "))
    return re.sub(r"[ \t]+", " ", text.lower())


def sentences(text: str) -> List[str]:
    """Sentences, split after . ? ! : and at line breaks (bullets are sentences too). A
    colon ends one because a counsellor writes "Zo niet: sluit dit venster"."""
    parts = re.split(r"(?<=[.?!:])\s+|\n+", normalise(text))
    return [p.strip(" -*\u2022") for p in parts if p.strip(" -*\u2022")]


def _rx(*alternatives: str) -> "re.Pattern[str]":
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


# --- one reply -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bubble:
    """One message of the assistant as the channel delivered it."""

    text: str
    buttons: Tuple[str, ...] = ()  # the titles of its choice buttons (website)


def reply_text(bubbles: Sequence[Bubble]) -> str:
    """All bubbles of one turn together, buttons included: the person sees all of it."""
    parts: List[str] = []
    for bubble in bubbles:
        parts.append(bubble.text)
        parts.extend(bubble.buttons)
    return "\n".join(p for p in parts if p)


# --- mentions --------------------------------------------------------------------------------

_NUMBER = r"(?<![\d-]){}(?![\d])"

MENTION_PATTERNS: Dict[str, "re.Pattern[str]"] = {
    "112": _rx(_NUMBER.format("112"), r"\b1-1-2\b"),
    "0800-2000": _rx(r"0800[\s.-]?2000(?!\d)"),
    "kindertelefoon": _rx(r"kinder\s?telefoon", r"0800[\s.-]?0432(?!\d)"),
    "centrum_seksueel_geweld": _rx(r"centrum (voor )?seksueel geweld", r"centra seksueel geweld",
                                   r"\bcsg\b", r"0800[\s.-]?0188(?!\d)"),
    # Within 7 days / a week: the window for medical and forensic help after sexual violence.
    "binnen_7_dagen": _rx(r"(binnen|in de eerste|uiterlijk|tot|tot en met) (de )?(7|zeven) dagen",
                          r"(binnen|in) (een|1|een enkele) week",
                          r"(7|zeven) dagen (na|nadat|geleden)",
                          r"(minder|korter) dan (een|1) week",
                          r"(minder|korter) dan (7|zeven) dagen",
                          r"within (7|seven) days", r"within a week"),
    # Help is still there later: it is never too late, also when it was long ago. "Bellen
    # kan altijd" (a line every reply carries) is about now, not about later.
    "ook_later_hulp": _rx(r"ook (later|daarna|na die tijd|als het langer geleden is|als het "
                          r"lang geleden is|na (7|zeven) dagen|na een week)\b[^.?!]{0,60}"
                          r"\b(hulp|help|steun|terecht|advies|bellen|contact|praten)",
                          r"(hulp|steun|advies|terecht)[^.?!]{0,40}\book (later|daarna|nog "
                          r"later|na (7|zeven) dagen|na een week|als het langer geleden is)",
                          r"nooit te laat", r"(later|daarna) (ook )?(nog )?(altijd )?(hulp|steun|"
                          r"advies) (krijgen|vragen|zoeken)",
                          r"(ook|zelfs) (als|wanneer) het (al )?(lang|langer|jaren|een tijd) "
                          r"geleden is", r"help (is )?(also )?(available )?later"),
    # How to leave at once: the "Snel weg" button, the Escape key, typing "stop", closing the
    # window. Stopping a *wait* with "stop" counts too: on the apps that is the quick exit.
    "snel_weg": _rx(r"snel\s?weg", r"\besc(ape)?\b", r"esc[- ]?(toets|knop)",
                    r"(typ|tik|stuur|zeg|schrijf) (dan )?(het woord )?['\"]?stop\b",
                    r"(sluit|verlaat)[^.?!]{0,25}\b(venster|tabblad|scherm|chat|chatvenster|"
                    r"pagina|website|app|browser)\b",
                    r"(venster|tabblad|scherm|chat|pagina) [^.?!]{0,15}(wegklikken|sluiten)",
                    r"(klik|swipe|veeg) [^.?!]{0,25}\bweg\b", r"quick exit"),
    # The person can come back to this chat later (after leaving, or when it is safe).
    "terugkomen": _rx(r"terug\s?(te )?komen", r"\bkom\b[^.?!]{0,30}\bterug\b",
                      r"(later|daarna|straks|een ander moment|als (het|je) (weer )?veilig)"
                      r"[^.?!]{0,40}(verder|weer|opnieuw) (chatten|praten|schrijven|typen)",
                      r"(verder|weer|opnieuw) (chatten|praten|schrijven)[^.?!]{0,30}(later|"
                      r"daarna|straks|als (het|je) (weer )?veilig)",
                      r"(opnieuw|weer) (beginnen|contact opnemen)", r"come back"),
    "geen_bewijs_nodig": _rx(r"(geen|zonder) (enig |hard )?bewijs", r"bewijs (is )?niet nodig",
                             r"(hoeft|hoef|hoeven)[^.?!]{0,25}niet (helemaal |100% )?zeker te "
                             r"(weten|zijn)", r"(hoeft|hoef|hoeven)[^.?!]{0,15}(niets|niks) te "
                             r"bewijzen", r"niet (eerst )?(te )?(hoeven )?bewijzen",
                             r"(je gevoel|een vermoeden|een onderbuikgevoel|je twijfel|"
                             r"twijfel|zorgen) (is|zijn) (al )?genoeg",
                             r"no proof"),
    "advies_is_geen_melding": _rx(r"advies( vragen)? is geen melding",
                                  r"(met|door|bij) (een )?advies( vragen| gesprek)?[^.?!]{0,30}"
                                  r"(doe|maak) je (nog )?geen melding",
                                  r"(je doet|dat is|daarmee doe je|het is) (nog )?geen melding",
                                  r"advies[^.?!]{0,30}(niet hetzelfde|iets anders) (als|dan) "
                                  r"(een )?melding", r"geen melding[^.?!]{0,20}\badvies",
                                  r"advice is not a report"),
    "meldcode": _rx(r"meld\s?code"),
    # A professional consults a colleague or the designated officer (meldcode step 2).
    "collega_of_aandachtsfunctionaris": _rx(
        r"aandachts\s?-?functionaris", r"(?<!mijn )\bcollega('s|s)?\b(?! van veilig thuis)",
        r"leidinggevende", r"intern(e)? begeleider", r"zorg\s?-?co[o]?rdinator",
        r"\bib'?er\b"),
    "hulp_voor_plegers": _rx(
        r"(hulp|begeleiding|ondersteuning|therapie|behandeling|training|cursus)[^.?!]{0,40}"
        r"\b(voor|aan|bij) (mensen|iemand|jou|plegers|daders|ouders|mannen|vrouwen|"
        r"partners)?\s?(die|als je|wanneer je)[^.?!]{0,50}(geweld|slaan|slaat|sla\b|agressie|"
        r"agressief|boos|woede|driftig|eigen gedrag|pijn doen|pijn doet|schoppen|knijpen)",
        r"(plegers|daders|pleger|dader)\s?-?(hulp|begeleiding|behandeling)",
        r"hulp (bij|voor|tegen) (je |jouw )?(agressie|boosheid|woede|eigen gedrag|driftbuien)",
        r"(agressie|woede|boosheid)\s?-?(training|cursus|regulatie|behandeling)",
        r"(hulp|begeleiding|help)[^.?!]{0,40}(stoppen met|je gedrag (te )?veranderen)",
        r"help for (people|someone) who"),
    "huisarts": _rx(r"huis\s?arts", r"\bdokter", r"\b(jeugd)?arts\b", r"\bgp\b"),
    # The bank, accounts, cards and mail: the practical signs of financial elder abuse.
    "bank": _rx(r"\bbank(en)?\b", r"bank\s?(rekening|zaken|afschrift|pas)",
                r"\brekening(en|afschriften)?\b(?! (mee|houd|te houden))",
                r"\bgeldzaken\b", r"\bfinancien\b", r"\bvolmacht", r"\bbewindvoer"),
    "ambassade_of_buitenlandse_zaken": _rx(r"ambassade", r"consulaat",
                                          r"buitenlandse zaken", r"\bbz\b", r"\bembassy"),
    "knooppunt_huwelijksdwang": _rx(r"knooppunt[^.?!]{0,30}(huwelijksdwang|achterlating)",
                                    r"huwelijksdwang en achterlating", r"\blkha\b"),
    "opening_chat": _rx(r"\b(weer|opnieuw) open\b", r"\bgaat (weer )?open\b",
                        r"\bopent (weer|om|op|vanaf|morgen|maandag|dinsdag|woensdag|donderdag|"
                        r"vrijdag)", r"\b(is|zijn) (we )?open (op|van|vanaf|tussen|om)\b",
                        r"\bopen op werkdagen", r"\bbereikbaar (op|van|vanaf) (werkdagen|"
                        r"maandag|dinsdag|woensdag|donderdag|vrijdag|morgen|\d)",
                        r"\b(maandag|dinsdag|woensdag|donderdag|vrijdag|morgen)\b[^.?!]{0,30}"
                        r"\b(om|vanaf|van) \d{1,2}([.:]\d{2})?( uur)?",
                        r"\b\d{1,2}[.:]\d{2} (tot|-) \d{1,2}[.:]\d{2}", r"opens? again"),
    "anoniem_tegenover_familie": _rx(
        r"anoniem[^.?!]{0,20}(tegenover|voor) (de |het |je )?(familie|gezin|ouders?|"
        r"betrokkenen|de persoon|die persoon|hen|de pleger|de dader|de buren|buren)",
        r"(familie|gezin|ouders?|betrokkenen|buren|de persoon)[^.?!]{0,20}(krijgt|krijgen|"
        r"hoort|horen|weet|weten)\b[^.?!]{0,5}\bniet\b[^.?!]{0,20}\bwie\b",
        r"(vertelt|zegt|noemt)[^.?!]{0,30}(de familie|het gezin|de ouders|de betrokkenen|de "
        r"buren|niemand)[^.?!]{0,10}niet wie", r"niet (verteld|gezegd) wie (er )?(gemeld|"
        r"de melding)", r"(je naam|wie je bent)[^.?!]{0,40}niet (aan|tegen) de (familie|ouders|"
        r"betrokkenen)"),
}


def _keeps_a_secret(sentence: str) -> bool:
    """'Do not promise to keep it secret': a promise word, a secret word and a negation in
    one sentence ("Beloof het kind niet dat je het geheimhoudt")."""
    promise = re.search(r"belo(o)?f|beloven|belooft|toezeg|toe te zeggen|promise", sentence)
    secret = re.search(r"geheim|voor (je|jezelf) (te )?houden|(door|verder) ?(te )?vertellen|"
                       r"aan niemand|niemand (iets )?(te )?vertel|secret", sentence)
    negated = re.search(r"\b(niet|nooit|geen|not|never)\b", sentence)
    return bool(promise and secret and negated)


def _what_is_kept(sentence: str) -> bool:
    """What of the conversation is kept and for how long: a keeping word about the chat or
    its data. "Bewaar berichten als bewijs" is advice about the person's own evidence, and
    "wis je geschiedenis" about their device; neither is what Veilig Thuis keeps."""
    if re.search(r"\bbewaar (je |de |alle )?(berichten|foto|screenshots|bewijs)", sentence):
        return False
    kept = re.search(r"bewaard|bewaren|bewaart|opgeslagen|slaan[^.?!]{0,30}\bop\b|"
                     r"bijgehouden|vastgelegd|verwijderd|gewist|(blijft|blijven) [^.?!]{0,20}"
                     r"(staan|bewaard)|stored|deleted", sentence)
    about = re.search(r"gesprek|chat|gegevens|berichten|wat je (schrijft|typt|vertelt)|"
                      r"verhaal|privacy|\bdata\b|transcript", sentence)
    return bool(kept and about and not re.search(r"\b(wis|verwijder) (je|de)\b", sentence))


def _safety_plan_papers(sentence: str) -> bool:
    """The adult victim's safety plan: passport/ID and bank card ready to take. A bank card
    alone counts only with a 'have it ready' word (so "let op pinpassen", about an elder's
    money, does not)."""
    if re.search(r"paspoort|identiteits(bewijs|kaart)|\bid[- ]?kaart|\bid-bewijs|legitimatie|"
                 r"passport|verblijfsvergunning|noodtas|vluchttas", sentence):
        return True
    card = re.search(r"pinpas|bankpas|betaalpas|bank card", sentence)
    ready = re.search(r"klaar|bij de hand|meenemen|mee te nemen|inpakken|\btas\b|bij je|"
                      r"veilige plek|verstop|ready", sentence)
    return bool(card and ready)


SENTENCE_DETECTORS: Dict[str, Callable[[str], bool]] = {
    "geheim_niet_beloven": _keeps_a_secret,
    "wat_bewaard": _what_is_kept,
    "paspoort_en_pinpas": _safety_plan_papers,
}
VOCABULARY = frozenset(MENTION_PATTERNS) | frozenset(SENTENCE_DETECTORS)


def mentions(item: str, text: str) -> bool:
    """Does the reply say `item` (one word of the vocabulary), in any wording?"""
    if item in SENTENCE_DETECTORS:
        return any(SENTENCE_DETECTORS[item](s) for s in sentences(text))
    return bool(MENTION_PATTERNS[item].search(normalise(text)))


# --- questions -------------------------------------------------------------------------------

# After "Is er nu gevaar?" a counsellor's "Bel dan 112" makes the question a condition, not a
# question to answer. An imperative, "<verb> dan", "dan hoor/kun je" or "binnen ..." right
# after a question mark marks such a conditional question.
_CONSEQUENCE = re.compile(
    r"^(?:(?:dan )?(?:bel|ga|let|wacht|druk|typ|tik|sluit|stuur|klik|neem|zoek|leg|wis|bewaar|"
    r"houd|hou|blijf|kom|zorg|probeer|gebruik|spreek|praat|vraag|doe|lees|meld|verwijder|"
    r"call|go|press|type|close|contact)\b|\w+ dan\b|[^.?!]{0,30}\bdan (ook )?(?:direct|meteen|"
    r"ook|toch)\b|binnen\b)")
# "Wil je ...? Dan hoef je ..." is an offer with its reason; "Werk je als ...? Dan volg je ..."
# is a condition. A "Dan ..." sentence makes a question a condition unless it asks for a wish
# or a decision (wil je, zal ik, kun je, ...).
_REQUEST = re.compile(r"^(?:wil|wilt|zal|zullen|kun|kunt|kan|mag|zou|would|do you want|shall)\b")

ASK_PATTERNS: Dict[str, "re.Pattern[str]"] = {
    "chat_safely": _rx(r"(veilig|vrijuit|ongestoord|rustig|alleen)\b[^?]{0,30}\b(chatten|chat|"
                       r"praten|typen|schrijven|appen|berichten)",
                       r"(chatten|praten|typen|schrijven)[^?]{0,20}\b(veilig|vrijuit|ongestoord)",
                       r"mee ?(lezen|kijken|lezen)|meelez|meekijk",
                       r"(ander|hij|zij|ze|iemand|partner|je man|je vrouw)[^?]{0,25}in de buurt",
                       r"safe to (chat|talk|write)", r"anyone (watching|reading)"),
    "danger_now": _rx(r"\bgevaar\b", r"\bonveilig\b", r"\bbedreigd\b", r"\bin nood\b",
                      r"\b(ben|is|zijn) (je|jij|iedereen|ze|hij|zij|jullie|het kind|de kinderen)"
                      r"( nu| op dit moment| nu op dit moment)? (nog )?veilig\b",
                      r"\bdanger\b", r"\b(are|is) (you|everyone) safe\b"),
    "children": _rx(r"\bkind(eren|je|jes|tje)?\b", r"\bzoon(tje)?\b", r"\bdochter(tje)?\b",
                    r"\bminderjarig", r"\bbaby", r"\bchildren\b", r"\bkids?\b"),
    "duration": _rx(r"hoe ?lang", r"sinds wanneer", r"hoe vaak",
                    r"wanneer (is|begon|startte) (het|dit)", r"speelt (dit|het) (al|nog)",
                    r"(al lang|een tijd|lang) (aan de gang|bezig)", r"how (long|often)",
                    r"since when"),
    "talked_to_someone": _rx(
        r"(met|aan|tegen|bij) iemand[^?]{0,30}(gepraat|gesproken|verteld|gezegd|aangeklopt)",
        r"(gepraat|gesproken|verteld|gezegd)[^?]{0,30}(met|aan|tegen) (iemand|anderen|een ander)",
        r"weet (er )?(iemand|een ander)( anders)? (ervan|hiervan|van)",
        r"iemand (die je vertrouwt|in je omgeving)[^?]{0,30}(weet|verteld|gepraat|gesproken)",
        r"(talked|spoken) to (anyone|someone)", r"told (anyone|someone)"),
    "who_is_writing": _rx(
        r"gaat het om (jezelf|jou|je zelf|iemand anders)", r"om (jezelf|je zelf) of",
        r"voor wie (schrijf|vraag|chat|maak)", r"wie (ben je|schrijft)\b",
        r"(vraag|schrijf|chat) je (dit |het )?(voor|namens|over) (jezelf|iemand|je werk)",
        r"ben je (zelf )?(het slachtoffer|de dader|degene|een professional|een omstander|"
        r"de ouder|familie)", r"wat is je (rol|relatie)", r"hoe ben je (er )?(bij )?betrokken",
        r"(vraag|chat) je (dit )?(als|vanuit) (je werk|professional|beroepskracht)",
        r"is it about you", r"who (is writing|are you)"),
    "tell_more": _rx(r"vertel (gerust|maar|eens|rustig|me)?\s?(meer|verder|wat|het|iets)",
                     r"(kun|wil|zou) je[^?]{0,20}(meer|iets) (over|van)[^?]{0,20}vertellen",
                     r"(kun|wil|zou) je (er |dat |het )?(iets )?(meer )?(over )?vertellen",
                     r"wat is er (precies )?(gebeurd|aan de hand)", r"wat (maakt|baart) je (zo)?"
                     r"(zorgen|ongerust)", r"(kun|wil) je (dat|het) (uitleggen|toelichten)",
                     r"wat bedoel je", r"is er nog iets",
                     r"(vertellen|typen|schrijven|zeggen) wat (je zorgen maakt|er (is|gebeurt|"
                     r"aan de hand is|gebeurd is))",
                     r"tell (me )?more", r"what happened"),
}


def real_questions(text: str) -> List[str]:
    """The question sentences that want an answer: a '?' not followed by a consequence
    ("Is er nu gevaar? Bel dan 112" is a condition, not a question)."""
    found: List[str] = []
    parts = sentences(text)
    for index, part in enumerate(parts):
        if not part.endswith("?"):
            continue
        following = parts[index + 1] if index + 1 < len(parts) else ""
        if _CONSEQUENCE.match(following):
            continue
        if following.startswith("dan ") and not _REQUEST.match(part):
            continue
        found.append(part)
    return found


def asked_kinds(text: str, form_asked: Iterable[str] = ()) -> FrozenSet[str]:
    """Which of ASK_KINDS the reply asks. A question counts only when it wants an answer (see
    real_questions); "tell me more" also as an invitation without a question mark. A
    chat-safety question is not also a danger question. `form_asked`: slots whose
    `utter_ask_<slot>` the tracker shows in this turn (the form asked them, whatever words)."""
    kinds: Set[str] = {ASK_OF_SLOT[slot] for slot in form_asked if slot in ASK_OF_SLOT}
    for question in real_questions(text):
        for kind in ASK_KINDS:
            if kind == "tell_more":
                continue
            if ASK_PATTERNS[kind].search(question):
                if kind == "danger_now" and ASK_PATTERNS["chat_safely"].search(question):
                    continue
                kinds.add(kind)
    if any(ASK_PATTERNS["tell_more"].search(s) for s in sentences(text)):
        kinds.add("tell_more")
    return frozenset(kinds)


def asks_nothing(text: str, form_asked: Iterable[str] = ()) -> bool:
    """`asks: none`: no question that wants an answer, and no invitation to tell more."""
    return not real_questions(text) and not asked_kinds(text, form_asked)


# --- fallback, offer, advice, signposting ----------------------------------------------------

_FALLBACK = _rx(r"(begreep|begrijp|snapte|snap|verstond|versta) (ik )?(je |jou |het |dat |dit )?"
                r"(nog steeds |helaas )?(niet|niet goed|niet helemaal)",
                r"(ik )?(begrijp|snap) (je|jou|het) (nog steeds )?niet",
                r"(kun|kan|wil) je het (op een )?(andere manier|anders) (zeggen|vragen|typen|"
                r"schrijven|formuleren)", r"did(n't| not) (quite )?understand",
                r"(don't|do not) understand")


def is_fallback(text: str) -> bool:
    """The "sorry, I did not understand" answer, in any wording."""
    return bool(_FALLBACK.search(normalise(text)))


_COUNSELLOR = r"(medewerker|hulpverlener|counsellor|iemand van veilig thuis|een mens\b|" \
              r"een echt (persoon|mens)|een collega)"
_OFFER = _rx(
    r"(wil|zou) je[^?.!]{0,40}(praten|chatten|spreken|doorgezet|verbonden|contact)[^?.!]{0,40}"
    + _COUNSELLOR, r"(wil|zou) je[^?.!]{0,20}" + _COUNSELLOR,
    _COUNSELLOR + r"[^?.!]{0,60}(wil je|zal ik|zullen we)",
    r"(zal|kan|mag) ik je[^?.!]{0,30}(doorzetten|doorverbinden|verbinden|koppelen)",
    r"(wil je|zal ik)[^?.!]{0,30}(doorzetten|doorverbinden|verbinden|koppelen)",
    _COUNSELLOR + r"[^?.!]{0,40}(nu )?(bereikbaar|beschikbaar|online|aanwezig) (in|via) "
                  r"(deze|de) chat",
    r"(would you like|do you want) to (talk|chat|speak) (to|with) (a|one of our) "
    r"(counsellor|person|staff)")
_NOT_NOW = re.compile(r"\b(geen|niet|nog niet)\b[^.?!]{0,30}" + _COUNSELLOR + r"|"
                      + _COUNSELLOR + r"[^.?!]{0,30}\b(niet|geen)\b[^.?!]{0,20}(bereikbaar|"
                      r"beschikbaar|in de chat)|als de chat open is|weer open")
_YES_BUTTON = re.compile(r"^(ja\b|yes\b|graag\b|praat met|chat met)|medewerker")


def offers_counsellor(bubbles: Sequence[Bubble]) -> bool:
    """An offer to chat with a counsellor now: an offer sentence ("Wil je verder praten met een
    medewerker?"), or a counsellor sentence with a yes-button under it. "Er is nu geen
    medewerker", "als de chat open is" and the handoff itself ("ik zet je nu door") are not
    offers."""
    for bubble in bubbles:
        for sentence in sentences(bubble.text):
            if _NOT_NOW.search(sentence):
                continue
            if _OFFER.search(sentence):
                return True
        texts = normalise(bubble.text)
        if bubble.buttons and re.search(_COUNSELLOR, texts) and not _NOT_NOW.search(texts) \
                and any(_YES_BUTTON.search(normalise(b)) for b in bubble.buttons):
            return True
        # On WhatsApp the buttons arrive as "1. Ja, graag" lines inside the text.
        choices = re.findall(r"^\s*\d+\.\s*(.+)$", bubble.text, re.MULTILINE)
        if choices and re.search(_COUNSELLOR, texts) and not _NOT_NOW.search(texts) \
                and any(_YES_BUTTON.search(normalise(c)) for c in choices):
            return True
    return False


_CONNECTS = _rx(r"(ik )?(zet|breng|verbind) (je|jou) (nu )?(door|in contact)",
               r"nummer \d+ in de wachtrij", r"een medewerker komt (zo|nu|zometeen)")


def connects_now(bubbles: Sequence[Bubble]) -> bool:
    """The reply starts the handoff itself ("Ik zet je nu door naar een medewerker")."""
    return any(_CONNECTS.search(normalise(bubble.text)) for bubble in bubbles)


# One of these alone is advice: a heading over practical steps, or (for a professional) the
# meldcode, which is the advice a professional needs.
_ADVICE_HEADER = _rx(r"wat je (nu |zelf )?(kunt|kan) doen\s*[:\n]", r"(mijn|een paar|enkele) "
                     r"(tips?|adviezen?)\s*[:\n]", r"\btips?:", r"\badvies:",
                     r"wat (kun|kan) je (nu )?doen\s*[:\n]", r"what you can do\s*[:\n]",
                     r"meld\s?code")
_ADVICE_CUES = _rx(r"schrijf (op|het op)", r"noteer", r"(praat|spreek) (er )?(over )?(met|erover)",
                   r"spreek [^.?!]{0,40} niet (zelf )?aan", r"niet (jouw|je eigen) schuld",
                   r"meldcode", r"leg [^.?!]{0,40}klaar", r"bedenk waar je heen",
                   r"(ga|loop) (even )?weg (uit|van)",
                   r"neem (je gevoel|het) serieus", r"zoek (contact|hulp|steun)",
                   r"(geen|zonder) bewijs", r"let op ", r"wis je (browser)?geschiedenis",
                   r"centrum seksueel geweld", r"kindertelefoon", r"huisarts",
                   r"advies vragen is geen melding", r"ga niet zelf met")


def gave_advice(text: str) -> bool:
    """Practical advice for the situation: an advice heading ("Wat je nu kunt doen:"), or at
    least two separate pieces of practical advice in one reply."""
    normal = normalise(text)
    if _ADVICE_HEADER.search(normal):
        return True
    return len({m.group(0) for m in _ADVICE_CUES.finditer(normal)}) >= 2


def signposted(hours: str, bubbles: Sequence[Bubble]) -> bool:
    """The way on: staffed, the offer of a counsellor; closed, 0800-2000 with the next opening."""
    if hours == "staffed":
        return offers_counsellor(bubbles)
    text = reply_text(bubbles)
    return mentions("0800-2000", text) and mentions("opening_chat", text)


# --- language --------------------------------------------------------------------------------

# A stop-word guess, because no maintained language detector is installed in .venv. It is
# honest about its limits: it knows the languages below only, needs a few function words
# (short replies give "und", undetermined), and tells scripts apart by their letters: Arabic
# script is "ar" unless Persian or Urdu letters show (then "fa"), Cyrillic is "uk" unless
# letters that Ukrainian lacks (ы э ъ ё) or Russian function words show (then "ru").
_STOP_WORDS: Dict[str, FrozenSet[str]] = {
    lang: frozenset(words.split()) for lang, words in {
        "nl": "de het een en van ik je jij niet dat is op te zijn met voor er maar ook als bij "
              "nog wat kan kun wordt heb hebt om dan naar uit hoe wel geen waar mijn jouw deze "
              "die dit heel altijd gratis bellen gesprek hier iemand nu kunt bent goed graag "
              "hulp gerust verder",
        "en": "the and you your is are to of for with this that it can call if not on be have "
              "what right now someone danger free day night are please help we our",
        "de": "der die das und ist nicht ich du sie mit fur auf ein eine zu es sich den dem "
              "bitte wenn kannst auch oder hilfe jetzt",
        "fr": "le la les et est vous tu je pas une un des du pour avec que qui ce dans il elle "
              "appelez aide maintenant",
        "es": "el la los las y es que de en un una por para con no se su puedes llama ayuda "
              "ahora usted",
        "pt": "o a os as e que de do da em um uma para com nao voce ajuda agora",
        "tr": "ve bir bu da de icin ile ne var yok ben sen cok mi degil ama eger lutfen ara "
              "su veya olarak simdi yardim",
        "pl": "i w nie sie na jest to z ze do co jak po ale tak mi mnie jestem mozesz czy "
              "pomoc teraz zadzwon",
    }.items()
}
_LETTER_HINTS = {"tr": "ğışİı", "pl": "ąęłńśźż", "de": "ß", "es": "ñ¿¡", "pt": "ãõ", "fr": "œ"}


_RUSSIAN_WORDS = frozenset("что это есть ли сейчас как кто вы или если".split())
_UKRAINIAN_WORDS = frozenset("що це є чи зараз як хто ви або якщо".split())


def _ukrainian_or_russian(text: str) -> str:
    """Letters first (і ї є ґ only Ukrainian; ы э ъ ё only Russian), then a few function
    words; Ukrainian when nothing tells them apart."""
    if re.search("[іїєґ]", text):
        return "uk"
    if re.search("[ыэъё]", text):
        return "ru"
    words = re.findall(r"[\u0400-\u04ff]+", text)
    russian = sum(w in _RUSSIAN_WORDS for w in words)
    return "ru" if russian > sum(w in _UKRAINIAN_WORDS for w in words) else "uk"


def reply_language(text: str) -> str:
    """An ISO 639-1 code for the reply's language, or "und" when it cannot tell."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "und"
    arabic = sum("\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" for c in letters)
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters)
    if arabic > len(letters) / 2:
        return "fa" if re.search("[پچژگکی]", text) else "ar"
    if cyrillic > len(letters) / 2:
        return _ukrainian_or_russian(text.lower())
    # Dotless i and l-with-stroke do not lose their marks in normalise(); the lists have none.
    words = re.findall(r"[a-z]+", normalise(text).replace("\u0131", "i").replace("\u0142", "l"))
    scores = Counter({lang: sum(w in stop for w in words) for lang, stop in _STOP_WORDS.items()})
    for lang, hints in _LETTER_HINTS.items():
        scores[lang] += 2 * sum(c in hints for c in text)
    ranked = scores.most_common(2)
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if score >= 3 and score > 1.3 * runner_up:
        return best
    return best if score == 2 and runner_up == 0 else "und"


# --- the conversations file ------------------------------------------------------------------

@dataclass(frozen=True)
class Turn:
    say: str
    expect: Mapping[str, Any]

    @property
    def safety(self) -> bool:
        return bool(self.expect.get("safety"))


@dataclass(frozen=True)
class Conversation:
    id: str
    hours: str
    channel: str
    turns: Tuple[Turn, ...]
    covers: Tuple[str, ...] = ()
    never_asks_twice: bool = False

    def expected_role(self) -> Optional[str]:
        """The reporter role the file says (the last turn that says one), if any."""
        roles = [t.expect["reporter_role"] for t in self.turns if "reporter_role" in t.expect]
        return roles[-1] if roles else None


@dataclass(frozen=True)
class DialogueFile:
    kind: str  # "development" may show failures; anything else shows figures only
    conversations: Tuple[Conversation, ...]

    @property
    def development(self) -> bool:
        return self.kind == "development"


class FileError(ValueError):
    """The file breaks the format. Messages name positions and keys, never the file's texts
    or values, so that checking a blind file reveals nothing of it."""


def _check_list(value: Any, allowed: Iterable[str], where: str, key: str) -> Tuple[str, ...]:
    allowed = frozenset(allowed)
    # YAML reads a bare 112 as a number: the vocabulary's "112" all the same.
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not
                                              isinstance(v, bool) for v in value):
        raise FileError(f"{where}: '{key}' must be a list of words")
    words = tuple(str(v) for v in value)
    if any(w not in allowed for w in words):
        raise FileError(f"{where}: '{key}' has a word outside its vocabulary")
    return words


def _check_expect(raw: Any, where: str, slot_values: Mapping[str, Iterable[str]]) -> Dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise FileError(f"{where}: 'expect' must be a mapping")
    unknown = set(raw) - EXPECT_KEYS
    if unknown:
        raise FileError(f"{where}: unknown expectation {sorted(unknown)}")
    expect: Dict[str, Any] = dict(raw)
    for key in BOOL_KEYS:
        if key in expect and not isinstance(expect[key], bool):
            raise FileError(f"{where}: '{key}' must be true or false")
    for key in ("mentions", "not_mentions"):
        if key in expect:
            expect[key] = _check_list(expect[key], VOCABULARY, where, key)
    if "not_asks" in expect:
        expect["not_asks"] = _check_list(expect["not_asks"], ASK_KINDS, where, "not_asks")
    if "asks" in expect and expect["asks"] not in (*ASK_KINDS, "none"):
        raise FileError(f"{where}: 'asks' must be one of {', '.join(ASK_KINDS)} or none")
    for key in ("concern_type", "reporter_role"):
        if key in expect:
            value = expect[key]
            known = slot_values.get(key)
            if value is not None and (not isinstance(value, str)
                                      or (known is not None and value not in set(known))):
                raise FileError(f"{where}: '{key}' is not one of the slot's values")
    if "reply_language" in expect and not (isinstance(expect["reply_language"], str) and
                                           re.fullmatch(r"[a-z]{2,3}", expect["reply_language"])):
        raise FileError(f"{where}: 'reply_language' must be a language code such as nl or en")
    return expect


def parse_conversations(data: Any, slot_values: Optional[Mapping[str, Iterable[str]]] = None
                        ) -> DialogueFile:
    """Check the whole structure (FileError at the first problem) and build the conversations.
    `slot_values`: the allowed concern_type and reporter_role values (from domain.yml)."""
    slot_values = slot_values or {}
    if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
        raise FileError("the file needs a top-level 'conversations:' list")
    if set(data) - {"conversations", "kind"}:
        raise FileError(f"unknown top-level keys {sorted(set(data) - {'conversations', 'kind'})}")
    kind = data.get("kind") or "blind"
    if not isinstance(kind, str):
        raise FileError("'kind' must be a word such as development or blind")
    conversations: List[Conversation] = []
    seen: Set[str] = set()
    for number, raw in enumerate(data["conversations"], start=1):
        where = f"conversation #{number}"
        if not isinstance(raw, dict):
            raise FileError(f"{where}: must be a mapping")
        unknown = set(raw) - CONVERSATION_KEYS
        if unknown:
            raise FileError(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(raw.get("id"), str) or not raw["id"].strip():
            raise FileError(f"{where}: needs an 'id'")
        if raw["id"] in seen:
            raise FileError(f"{where}: its id is used twice")
        seen.add(raw["id"])
        if raw.get("hours") not in HOURS:
            raise FileError(f"{where}: 'hours' must be staffed or closed")
        if raw.get("channel") not in CHANNELS:
            raise FileError(f"{where}: 'channel' must be website or whatsapp")
        covers = raw.get("covers") or []
        if not isinstance(covers, list) or not all(isinstance(c, str) for c in covers):
            raise FileError(f"{where}: 'covers' must be a list of tags")
        if not isinstance(raw.get("never_asks_twice", False), bool):
            raise FileError(f"{where}: 'never_asks_twice' must be true or false")
        if not isinstance(raw.get("turns"), list) or not raw["turns"]:
            raise FileError(f"{where}: needs a non-empty 'turns' list")
        turns: List[Turn] = []
        for turn_number, raw_turn in enumerate(raw["turns"], start=1):
            turn_where = f"{where} turn {turn_number}"
            if not isinstance(raw_turn, dict) or set(raw_turn) - {"say", "expect"}:
                raise FileError(f"{turn_where}: a turn has only 'say' and 'expect'")
            if not isinstance(raw_turn.get("say"), str) or not raw_turn["say"].strip():
                raise FileError(f"{turn_where}: needs a non-empty 'say'")
            turns.append(Turn(raw_turn["say"],
                              _check_expect(raw_turn.get("expect"), turn_where, slot_values)))
        conversations.append(Conversation(raw["id"], raw["hours"], raw["channel"], tuple(turns),
                                          tuple(covers), raw.get("never_asks_twice", False)))
    return DialogueFile(kind, tuple(conversations))


def load_conversations(path: Path, slot_values: Optional[Mapping[str, Iterable[str]]] = None
                       ) -> DialogueFile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" near line {mark.line + 1}" if mark is not None else ""
        raise FileError(f"not valid YAML{line}") from None
    return parse_conversations(data, slot_values)


def domain_slot_values(domain_path: Path) -> Dict[str, Tuple[str, ...]]:
    """The categorical values of concern_type and reporter_role in domain.yml."""
    domain = yaml.safe_load(Path(domain_path).read_text(encoding="utf-8"))
    slots = domain.get("slots") or {}
    return {name: tuple(slots[name].get("values") or ())
            for name in ("concern_type", "reporter_role") if name in slots}


# --- deciding a conversation -----------------------------------------------------------------

@dataclass(frozen=True)
class Observed:
    """What the harness saw after one turn: the reply as the channel delivered it, and the
    tracker read right after it."""

    bubbles: Tuple[Bubble, ...]
    slots: Mapping[str, Any]
    form_asked: FrozenSet[str] = frozenset()  # slots whose utter_ask_ ran this turn
    handed_off: bool = False  # a waiting/claimed ticket exists, or the conversation is paused
    complete: bool = True  # the reply arrived in full and the tracker was read

    @property
    def text(self) -> str:
        return reply_text(self.bubbles)


@dataclass(frozen=True)
class Outcome:
    """One expectation, decided. `turn` is 1-based; 0 for a whole-conversation expectation."""

    turn: int
    kind: str
    item: Optional[str]
    passed: bool
    safety: bool
    # A `mentions` item of a turn without `safety: true` passes when it was said by this turn,
    # in this reply or an earlier one ("the turn where the advice must have come", the brief
    # says: a deadline). This is whether it was in this very reply.
    in_this_reply: Optional[bool] = None

    @property
    def passed_in_this_reply(self) -> bool:
        return self.passed if self.in_this_reply is None else self.in_this_reply

    def describe(self) -> str:
        return f"{self.kind}: {self.item}" if self.item is not None else self.kind


def _turn_outcomes(number: int, turn: Turn, seen: Observed, earlier: str = "") -> List[Outcome]:
    """`earlier`: the text of the replies before this one."""
    expect, text, safety = turn.expect, seen.text, turn.safety
    out: List[Outcome] = []

    def add(kind: str, item: Any, passed: bool, in_this_reply: Optional[bool] = None) -> None:
        out.append(Outcome(number, kind, None if item is None else str(item), passed, safety,
                           in_this_reply))

    if "understood" in expect:
        understood = bool(text.strip()) and not is_fallback(text)
        add("understood", expect["understood"], understood == expect["understood"])
    for item in expect.get("mentions", ()):
        here = mentions(item, text)
        # A safety item (112 now, how to leave) must be in this very reply.
        add("mentions", item, here or (not safety and mentions(item, earlier)), here)
    for item in expect.get("not_mentions", ()):
        add("not_mentions", item, not mentions(item, text))
    kinds = asked_kinds(text, seen.form_asked)
    if "asks" in expect:
        wanted = expect["asks"]
        passed = asks_nothing(text, seen.form_asked) if wanted == "none" else wanted in kinds
        add("asks", wanted, passed)
    for item in expect.get("not_asks", ()):
        add("not_asks", item, item not in kinds)
    if "offers_counsellor" in expect:
        offered = offers_counsellor(seen.bubbles)
        if expect["offers_counsellor"] and not offered:
            # Asked for a person, the bot connects at once: what the offer would have given.
            # (An expected "no offer" is judged on offer sentences alone, as before.)
            offered = seen.handed_off and connects_now(seen.bubbles)
        add("offers_counsellor", expect["offers_counsellor"],
            offered == expect["offers_counsellor"])
    if "hands_off" in expect:
        add("hands_off", expect["hands_off"], seen.handed_off == expect["hands_off"])
    if "acute_danger" in expect:
        # Not set (None) means the assistant has not called it danger: false.
        add("acute_danger", expect["acute_danger"],
            bool(seen.slots.get("acute_danger")) == expect["acute_danger"])
    for key in ("concern_type", "reporter_role"):
        if key in expect:
            add(key, expect[key], seen.slots.get(key) == expect[key])
    if "reply_language" in expect:
        add("reply_language", expect["reply_language"],
            reply_language(text) == expect["reply_language"])
    return out


def asked_again(observed: Sequence[Observed]) -> List[Tuple[int, str]]:
    """(turn, kind) for each safety question asked again after the person answered it. A
    question counts as answered when its slot is filled after the person's next message; a
    question re-asked because the person asked something in between is not a repeat. "Tell me
    more" has no slot that proves an answer, so it is left out."""
    answered: Set[str] = set()
    pending: Set[str] = set()
    repeats: List[Tuple[int, str]] = []
    for number, seen in enumerate(observed, start=1):
        for kind in list(pending):
            if seen.slots.get(SLOT_OF_ASK[kind]) is not None:
                answered.add(kind)
        kinds = {k for k in asked_kinds(seen.text, seen.form_asked) if k in SLOT_OF_ASK}
        repeats.extend((number, kind) for kind in sorted(kinds & answered))
        pending = kinds
    return repeats


def check_conversation(conversation: Conversation, observed: Sequence[Observed]) -> List[Outcome]:
    """Every expectation of every turn, plus never_asks_twice, decided."""
    outcomes: List[Outcome] = []
    earlier: List[str] = []
    for number, (turn, seen) in enumerate(zip(conversation.turns, observed), start=1):
        outcomes.extend(_turn_outcomes(number, turn, seen, "\n".join(earlier)))
        earlier.append(seen.text)
    if conversation.never_asks_twice:
        # A whole-conversation expectation: no turn's `safety: true` covers it.
        repeats = asked_again(observed)
        outcomes.append(Outcome(repeats[0][0] if repeats else 0, "never_asks_twice",
                                repeats[0][1] if repeats else None, not repeats, False))
    return outcomes


def messages_until_advice(hours: str, observed: Sequence[Observed]) -> Optional[int]:
    """Person messages until the assistant has given advice and, in the same or a later reply,
    the way on (see signposted); None when that never happened."""
    advised = False
    for number, seen in enumerate(observed, start=1):
        advised = advised or gave_advice(seen.text)
        if advised and signposted(hours, seen.bubbles):
            return number
    return None


# --- figures ---------------------------------------------------------------------------------

@dataclass
class ConversationResult:
    conversation: Conversation
    observed: List[Observed]
    outcomes: List[Outcome] = field(default_factory=list)
    final_role: Optional[str] = None  # the tracker's reporter_role at the end

    @property
    def passed(self) -> bool:
        return len(self.observed) == len(self.conversation.turns) and \
            all(o.passed for o in self.outcomes)

    @property
    def passed_per_reply(self) -> bool:
        """As `passed`, with every `mentions` item required in its own turn's reply."""
        return self.passed and all(o.passed_in_this_reply for o in self.outcomes)


@dataclass(frozen=True)
class Figures:
    conversations: int
    conversations_passed: int
    safety_expectations: int
    safety_passed: int
    failed_per_kind: Mapping[str, int]
    person_messages: int
    fallback_replies: int
    incomplete_turns: int
    # role -> (conversations, reached, list of person-message counts for those that reached)
    until_advice: Mapping[str, Tuple[int, int, Tuple[int, ...]]]
    conversations_passed_per_reply: int = 0  # every `mentions` item in its own turn's reply


def role_of(result: ConversationResult) -> str:
    """The file's reporter role when it says one (the truth), else what the tracker ended
    with, else 'onbekend'."""
    return result.conversation.expected_role() or result.final_role or "onbekend"


def figures(results: Sequence[ConversationResult]) -> Figures:
    failed: Counter = Counter({kind: 0 for kind in KINDS})
    safety_total = safety_passed = 0
    for result in results:
        for outcome in result.outcomes:
            if not outcome.passed:
                failed[outcome.kind] += 1
            if outcome.safety:
                safety_total += 1
                safety_passed += outcome.passed
    seen_turns = [seen for r in results for seen in r.observed]
    per_role: Dict[str, List[Optional[int]]] = {}
    for result in results:
        per_role.setdefault(role_of(result), []).append(
            messages_until_advice(result.conversation.hours, result.observed))
    until = {role: (len(counts), sum(c is not None for c in counts),
                    tuple(c for c in counts if c is not None))
             for role, counts in sorted(per_role.items())}
    return Figures(len(results), sum(r.passed for r in results), safety_total, safety_passed,
                   dict(failed), len(seen_turns),
                   sum(is_fallback(seen.text) for seen in seen_turns),
                   sum(not seen.complete for seen in seen_turns), until,
                   sum(r.passed_per_reply for r in results))


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else f"{part}/0 (-)"


def format_figures(result: Figures) -> List[str]:
    """The report's figures: counts, shares and per-role numbers, never a text or an id."""
    lines = [f"Conversations passed: {_share(result.conversations_passed, result.conversations)}",
             "  ... with every 'mentions' item in its own turn's reply (as the sets up to E were "
             f"first scored): {_share(result.conversations_passed_per_reply, result.conversations)}",
             "Safety expectations passed: "
             f"{_share(result.safety_passed, result.safety_expectations)}",
             f"Fallback rate: {_share(result.fallback_replies, result.person_messages)} of the "
             "person's messages answered with the 'did not understand' fallback",
             f"Turns without a complete reply or tracker: {result.incomplete_turns}",
             "Failed expectations per kind:"]
    lines += [f"  {kind}: {result.failed_per_kind.get(kind, 0)}" for kind in KINDS]
    lines.append("Person messages until advice plus the way on (offer of a counsellor when "
                 "staffed, 0800-2000 with the next opening when closed), per reporter role:")
    for role, (count, reached, values) in result.until_advice.items():
        if values:
            spread = (f"median {statistics.median(values):g}, mean {statistics.mean(values):.1f}, "
                      f"min {min(values)}, max {max(values)}")
        else:
            spread = "-"
        lines.append(f"  {role}: reached in {reached} of {count} conversations; {spread}")
    return lines


def below_floors(result: Figures, floors: Mapping[str, float]) -> List[str]:
    """Which of tests/dialogues/sets.yml's floors the figures fall under (empty: none)."""
    passed = result.conversations_passed / result.conversations if result.conversations else 0.0
    safety = (result.safety_passed / result.safety_expectations
              if result.safety_expectations else 1.0)
    fallback = result.fallback_replies / result.person_messages if result.person_messages else 0.0
    misses = []
    if passed < floors["conversations_passed"]:
        misses.append(f"conversations passed {passed:.1%} < {floors['conversations_passed']:.0%}")
    if safety < floors["safety_passed"]:
        misses.append(f"safety expectations held {safety:.1%} < {floors['safety_passed']:.0%}")
    if fallback > floors["fallback_at_most"]:
        misses.append(f"fallback rate {fallback:.1%} > {floors['fallback_at_most']:.0%}")
    return misses


def format_failures(results: Sequence[ConversationResult]) -> List[str]:
    """Development files only: each failed expectation with the reply it was decided on."""
    lines: List[str] = []
    for result in results:
        for outcome in result.outcomes:
            if outcome.passed:
                continue
            seen = result.observed[outcome.turn - 1] if outcome.turn else None
            reply = seen.text.replace("\n", " | ") if seen is not None else "(whole conversation)"
            lines.append(f"- {result.conversation.id} turn {outcome.turn}: "
                         f"{outcome.describe()}{' [safety]' if outcome.safety else ''}\n"
                         f"    reply: {reply}")
    return lines
