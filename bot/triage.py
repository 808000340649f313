"""Document-level triage of a message: concern type, who writes, acute danger, and facts.

Rasa's DIET decides *what kind of message* this is (a concern, a question, an answer). This
module decides, for messages that describe a concern, the three labels the dialogue and the
counsellor need. Each label is its own linear classifier over word and character n-grams and a
dense sentence embedding (bot/embeddings.py): they learn well from a few thousand short texts,
train in a minute and are easy to inspect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_union

from bot.answers import (NO, UNKNOWN, YES, asks_what_to_do, closes_conversation, denies_now,
                         leading_answer, names_a_moment, says_thanks, tells_feeling)
from bot.details import (asks_who_told, chat_safety, declines_a_person, states_ages_only,
                         tells_who_knows, wants_a_person)
from bot.acute_cues import (ACUTE_INTENT, now_sentences, signals_acute_danger,
                            signals_acute_danger_in_answer,
                            signals_all_clear, signals_danger_over, signals_habitual,
                            signals_taken_along)
from bot.embeddings import SentenceEmbeddings
from bot.language import COMMON_DUTCH, WORD_PATTERN

CONCERN_TYPES = (
    "kindermishandeling",
    "partnergeweld",
    "ouderenmishandeling",
    "seksueel_geweld",
    "schadelijke_praktijken",
    "huiselijk_geweld",
)
REPORTER_ROLES = ("omstander", "slachtoffer", "professional", "pleger")


@dataclass(frozen=True)
class TriageExample:
    text: str
    concern_type: Optional[str]
    reporter_role: Optional[str]
    acute_danger: Optional[bool]


@dataclass(frozen=True)
class TriagePrediction:
    concern_type: str
    concern_confidence: float
    reporter_role: str
    role_confidence: float
    acute_probability: float
    # Every label's probability, for judging a whole conversation (bot/conversation_triage.py).
    concern_probabilities: Mapping[str, float] = field(default_factory=dict)
    role_probabilities: Mapping[str, float] = field(default_factory=dict)
    # The highest acute probability of a sentence about now, scored alone (0 when none).
    now_sentence_acute: float = 0.0


def _features() -> FeatureUnion:
    """What every classifier reads: character and word n-grams and a sentence embedding.
    Computed once per message and shared by the three classifiers."""
    return make_union(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, strip_accents="unicode",
            lowercase=True, min_df=1,
        ),
        TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode",
            lowercase=True, token_pattern=r"(?u)\b\w+\b",
        ),
        SentenceEmbeddings(),
    )


def _classifier(seed: int, c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=seed)


@dataclass
class TriageModel:
    features: FeatureUnion
    concern: LogisticRegression
    role: LogisticRegression
    acute: LogisticRegression

    @classmethod
    def train(cls, examples: Sequence[TriageExample], seed: int = 42, c: float = 10.0) -> "TriageModel":
        features = _features()
        matrix = features.fit_transform([e.text for e in examples])

        def fit(label: str) -> LogisticRegression:
            rows = [i for i, e in enumerate(examples) if getattr(e, label) is not None]
            labels = [getattr(examples[i], label) for i in rows]
            if len(set(labels)) < 2:
                raise ValueError(f"need at least two different values of {label} to train")
            return _classifier(seed, c).fit(matrix[rows], labels)

        return cls(features=features, concern=fit("concern_type"), role=fit("reporter_role"),
                   acute=fit("acute_danger"))

    def predict(self, texts: Sequence[str]) -> List[TriagePrediction]:
        matrix = self.features.transform(list(texts))
        concern_p = self.concern.predict_proba(matrix)
        role_p = self.role.predict_proba(matrix)
        acute_p = self.acute.predict_proba(matrix)
        acute_index = list(self.acute.classes_).index(True)
        now_acute = self._now_sentence_acute(texts, acute_index)
        results = []
        for i in range(matrix.shape[0]):
            c, r = concern_p[i].argmax(), role_p[i].argmax()
            results.append(
                TriagePrediction(
                    concern_type=str(self.concern.classes_[c]),
                    concern_confidence=float(concern_p[i][c]),
                    reporter_role=str(self.role.classes_[r]),
                    role_confidence=float(role_p[i][r]),
                    acute_probability=float(acute_p[i][acute_index]),
                    concern_probabilities=_by_label(self.concern.classes_, concern_p[i]),
                    role_probabilities=_by_label(self.role.classes_, role_p[i]),
                    now_sentence_acute=now_acute[i],
                )
            )
        return results

    def _now_sentence_acute(self, texts: Sequence[str], acute_index: int) -> List[float]:
        """Per text, the highest acute probability of its sentences about now, in one batch."""
        owners, sentences = [], []
        for i, text in enumerate(texts):
            for sentence in now_sentences(text):
                owners.append(i)
                sentences.append(sentence)
        best = [0.0] * len(texts)
        if sentences:
            probabilities = self.acute.predict_proba(self.features.transform(sentences))
            for owner, p in zip(owners, probabilities[:, acute_index]):
                best[owner] = max(best[owner], float(p))
        return best


def _by_label(labels: Sequence[Any], probabilities: Sequence[float]) -> Dict[str, float]:
    return {str(label): round(float(p), 4) for label, p in zip(labels, probabilities)}


_CHILD_WORDS = re.compile(
    r"\b(kind|kinderen|kindje|kindjes|kids|zoon|zoontje|dochter|dochtertje|baby|babytje|"
    r"peuter|kleuter|tiener|jongetje|meisje|meisjes|leerling|leerlingen|child|children|"
    r"son|daughter|toddler|broertje|broertjes|zusje|zusjes)\b"
    # a pupil or a student under 18: "een studente van 17", "een leerling van 12"
    r"|\b(?:leerling|student|studente|scholier|cli[eë]nt(?:e)?|jongen|meid)\s+van\s+(?:[6-9]|1[0-7])\b"
    # the writer is a child: "ik ben 14", "ik ben pas 12 jaar" (not "ik ben 15 jaar getrouwd")
    r"|\bik ben (?:pas |nog maar )?(?:[6-9]|1[0-7])\b(?! jaar (?:getrouwd|samen|bij))",
    re.IGNORECASE,
)
_NUMBER = r"(?:een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|half|paar|\d+)"
_DURATION = re.compile(
    r"\b(al (?:jaren|maanden|weken|een tijd(?:je)?|lang|heel lang|een paar (?:jaar|maanden|weken|dagen)"
    r"|\d+ (?:jaar|maanden|weken|dagen))"
    r"|sinds(?:\s+[\w'-]+){1,5}"
    r"|elke (?:dag|avond|nacht|week|ochtend)|iedere (?:dag|avond|nacht|week)"
    # "bijna 2 jaar", "een half jaar", "een maand of vier", "twee jaar geleden"
    r"|(?:(?:al|bijna|ongeveer|zo'n|minstens|ruim|wel)\s+)+(?:een\s+)?" + _NUMBER
    + r"\s+(?:jaar|jaren|maanden|maand|weken|week)(?:\s+geleden)?"
    r"|(?:een\s+)?" + _NUMBER + r"\s+(?:jaar|jaren|maanden|weken|dagen)\s+geleden"
    # "het laatste half jaar", "de afgelopen maanden", "de derde keer deze maand", "jaren al"
    r"|(?:het|de)\s+(?:laatste|afgelopen)\s+(?:half\s+jaar|jaar|maanden|maand|weken|tijd)"
    r"|de\s+(?:eerste|tweede|derde|vierde|vijfde|\d+e)\s+keer(?:\s+(?:deze|dit)\s+(?:week|maand|jaar))?"
    r"|^\W*(?:jaren|maanden|weken)\b"
    r"|een\s+(?:maand|jaar|week)\s+of\s+\w+"
    r"|vorige\s+(?:week|maand)|vorig\s+jaar"
    # "een jaar, misschien meer": a short answer that starts with how long
    r"|^\W*(?:een|twee|drie|vier|vijf|zes|\d+)\s+(?:jaar|maanden|weken)"
    r"|(?:een\s+)?" + _NUMBER + r"\s+(?:jaar|jaren|maanden|weken)\s+(?:zo|lang)"
    r"|for (?:years|months|weeks)|every (?:day|night|evening|week))\b",
    re.IGNORECASE,
)
# Young children named in a message that is not the story ("met de kinderen bij haar ouders"):
# not "mijn dochter weet het", who may be an adult.
_YOUNG_CHILDREN = re.compile(
    r"\b(?:kind|kinderen|kindje|kindjes|kids|baby|peuter|kleuter|broertje|zusje|"
    r"\d+\s+kinder(?:en)?|(?:twee|drie|vier)\s+kinder(?:en)?)\b"
    # a baby's age said on its own: "ze is 3 maanden", "hij is pas 6 weken"
    r"|^\W*(?:hij|zij|ze|die)\s+is\s+(?:pas\s+|net\s+)?(?:\d+|een|twee|drie|vier|vijf|zes)\s+"
    r"(?:maanden|maand|weken|week)\b", re.IGNORECASE)


# "nee geen kinderen", "ze hebben geen kids": children named, and said to be absent.
_NO_CHILDREN = re.compile(
    r"\b(?:geen|zonder)\s+(?:kinderen|kids|kind|kindjes)\b|\bno (?:kids|children)\b", re.IGNORECASE)


_CHILD_WRITER = re.compile(
    r"\bik ben (?:pas |nog maar )?(?:[6-9]|1[0-7])\b(?! jaar (?:getrouwd|samen|bij|werkzaam|in dienst))",
    re.IGNORECASE)
_OWN_HOME = re.compile(
    r"\b(?:mijn|mn|m'n|me)\s+(?:moeder|vader|ouders|stiefvader|stiefmoeder|stiefpa|stiefma|pa|ma|"
    r"mama|papa|mam|pap)\b|\b(?:papa|mama)\b|\bbij ons thuis\b|\bthuis\b",
    re.IGNORECASE)


def writes_as_child_at_home(text: str) -> bool:
    """True when the writer says they are a child and writes about their own home."""
    return bool(_CHILD_WRITER.search(text)) and bool(_OWN_HOME.search(text))


def mentions_children(text: str) -> bool:
    """True when the message itself says children are involved or present."""
    return bool(_CHILD_WORDS.search(text)) and not says_no_children(text)


def says_no_children(text: str) -> bool:
    """True when the message says there are no children ("nee, geen kinderen")."""
    return bool(_NO_CHILDREN.search(text))


def _starts_with_duration(text: str) -> bool:
    match = _DURATION.search(text)
    return bool(match) and len(text[:match.start()].split()) <= 3


def find_duration(text: str) -> Optional[str]:
    """The phrase that says how long or how often, if the message has one ('al maanden')."""
    match = _DURATION.search(text)
    return match.group(0).lower() if match else None


# Label used for training texts that describe no concern (questions, answers, small talk), so
# the concern classifier also learns to say "this is not a concern".
NO_CONCERN = "_none"

CONCERN_INTENT = "describe_concern"
ROLE_INTENT = "inform_role"
ENGLISH_INTENT = "speak_english"
FALLBACK_INTENT = "nlu_fallback"
# DIET is unsure, thinks this is off-topic, or hears only the doubt or the hesitant opening
# ("misschien overdrijf ik, maar ..."), but the triage model is confident it is a concern.
# Also "who is writing" said with the story: "het gaat over mij zelf. ik word zo kwaad dat ...".
# ("greet": "Goeiedag. Mijn schoonzoon roept en tiert tegen mijn dochter, ..." is the story.)
RESCUABLE_INTENTS = frozenset({FALLBACK_INTENT, "out_of_scope", "express_doubt", "vague_opening",
                               "ask_what_to_do", ROLE_INTENT, "greet"})
# Keeping it secret, asked or promised: "ze wil nie dat ik iets zeg", "ik heb beloofd het geheim te
# houden", "ze heeft me gevraagd het niet door te vertellen".
_SECRET = re.compile(
    r"\bgeheim\s+(?:te\s+)?(?:houd|houden|hou)\w*|\bgeheimhoud\w*|\bgeheim\s+blijven\b"
    r"|\bniet\s+(?:door\s*(?:te\s+)?|verder\s+(?:te\s+)?)vertel(?:len|t)?\b"
    r"|\b(?:mag|mocht)\s+(?:het\s+)?(?:aan\s+niemand|niet)\s+(?:zeggen|vertellen)\b"
    r"|\bwil(?:de)?\s+(?:nie|niet)\s+dat\s+ik\s+(?:iets|het)\s+(?:zeg|vertel)\b",
    re.IGNORECASE)
# "ik wil geen politie denk ik", "ik wil geen aangifte doen": what can be done without them is
# in the advice (for sexual violence: the Centrum Seksueel Geweld, also without the police).
_NO_POLICE = re.compile(
    r"\b(?:wil|durf)\s+(?:\w+\s+){0,2}?(?:geen\s+(?:politie|aangifte)|niet\s+naar\s+de\s+politie)\b",
    re.IGNORECASE)
# Under this DIET confidence "who is writing" is a guess (the FallbackClassifier's is 0.3).
ROLE_SURE = 0.5
DANGER_OVER_INTENT = "danger_over"
AFRAID_TO_CALL_INTENT = "afraid_to_call"
ALL_CLEAR_RESCUABLE = RESCUABLE_INTENTS | {AFRAID_TO_CALL_INTENT, "continue_chat", "ask_phone_number"}
# "Hij komt thuis, ik moet stoppen": the answer on how to leave at once carries 112 itself, so
# an acute reading sets the slot but keeps the intent (during the danger question the slot
# mapping in domain.yml leaves the slot alone, so that question ends with how to leave).
MUST_STOP_INTENT = "must_stop"
AFFIRM_INTENT = "affirm"
DENY_INTENT = "deny"
ANSWER_INTENTS = {YES: AFFIRM_INTENT, NO: DENY_INTENT, UNKNOWN: "dont_know"}
# A question the bot cannot place, from someone who came here with a worry ("wat is de
# volgende stap voor mij?", "moet ik douchen?", "ga je me nu aangeven?"), is nearly always about
# what to do: the advice that fits their role and concern, and the way to a person, answer it
# better than "Sorry, dat begreep ik niet" (docs/dialogue.md).
ADVICE_INTENT = "ask_what_to_do"
VAGUE_INTENT = "vague_opening"
HUMAN_INTENT = "ask_for_human"
# Something added to the story that answers no question in so many words ("alleen mijn zus weet
# het", "sinds de zomer"); noted, and the conversation goes on where it was.
DETAIL_INTENT = "add_detail"
# Whether a story or an addition asks a question (domain.yml: slot story_asks).
ASKS_ENTITY = "asks_question"
# What DIET may call such a message.
DETAIL_RESCUABLE = frozenset({FALLBACK_INTENT, "out_of_scope", VAGUE_INTENT, AFFIRM_INTENT,
                              DENY_INTENT, "dont_know", "continue_chat", DETAIL_INTENT})
# What DIET may call a message that asks for advice in so many words, when it is not a story.
WHAT_TO_DO_RESCUABLE = frozenset({CONCERN_INTENT, ACUTE_INTENT, FALLBACK_INTENT, "out_of_scope",
                                  AFFIRM_INTENT, DENY_INTENT, "dont_know", VAGUE_INTENT,
                                  "continue_chat"})
# What DIET may call a message about keeping it secret or doing without the police (_SECRET,
# _NO_POLICE), when it is not a story.
SECRET_RESCUABLE = frozenset({"ask_anonymity", FALLBACK_INTENT, "out_of_scope", "express_doubt",
                              VAGUE_INTENT, DETAIL_INTENT, AFFIRM_INTENT, DENY_INTENT, ROLE_INTENT,
                              ADVICE_INTENT})
ANSWERED_QUESTIONS = frozenset({
    "ask_opening_hours", "ask_phone_number", "ask_anonymity", "ask_advice_vs_report",
    "ask_after_report", "ask_what_is_vt", "ask_professional", "ask_perpetrator_help", "ask_is_bot",
    "ask_device_safety", "ask_storage", "ask_for_human", ADVICE_INTENT})
_QUESTION = re.compile(
    r"\?(?=\s|$)|^\s*(?:en\s+)?(?:wat|hoe|waar|wie|welke|waarom|moet|moeten|kan|kun|kunnen|mag|mogen|"
    r"zal|zou|zouden|is|ben|heb|ga|gaan)\b",
    re.IGNORECASE)
QUESTION_MIN_WORDS = 2
# "Wat bedoel je?" asks about the bot's question, not for advice: it gets the question again.
_CLARIFICATION = re.compile(r"\bbedoel\b|\b(?:snap|begrijp) (?:het|je|dat) niet\b", re.IGNORECASE)
NOT_APPLICABLE = "niet_van_toepassing"


@dataclass(frozen=True)
class TriageThresholds:
    # Below 0.5 on purpose: missing acute danger is the worst error this bot can make. Chosen
    # from the precision/recall curve on a development set (docs/recognition.md).
    acute: float = 0.4
    # Needed instead of `acute` when the message speaks of a pattern or the past
    # ("elke avond", "laatst") and has no plain now-signal.
    acute_habitual: float = 0.8
    # Needed when the message answers the danger question with "nee" and has no plain
    # now-signal. The classifier learned from first messages; "Nee, op dit moment zit mijn vrouw
    # naast mij" reached 0.84 and kept a man in the 112 wait for the rest of the chat
    # (development set B). The "nee" answers that were danger all had a plain signal.
    acute_after_no: float = 0.95
    # Needed by one sentence about now, scored alone, in a message of several sentences.
    # Higher than `acute`: a sentence alone carries less context (docs/recognition.md).
    acute_now_sentence: float = 0.7
    # ... and the whole message must lean that way at least this much. A sentence alone
    # ("ze ligt nu in haar kamer, de deur op slot") can sound acute in a story that is over; on
    # the development sets 10 of the 27 false alarms of that sentence path had a whole-message
    # probability under 0.1, none of its 13 right catches did (docs/recognition.md).
    acute_now_sentence_context: float = 0.1
    # DIET must be at least this sure of a concern the triage model does not see.
    agree: float = 0.8
    # Below this the bot asks who is writing instead of guessing.
    role: float = 0.4
    # A message DIET could not place counts as a concern above this confidence.
    rescue: float = 0.6


@dataclass(frozen=True)
class TriageDecision:
    intent: Optional[str]  # the intent to use instead of DIET's, or None to keep it
    entities: dict


def is_acute(text: str, prediction: TriagePrediction, thresholds: TriageThresholds) -> bool:
    """Danger now: a plain now-signal, or the classifier sure enough (recall first) of the
    whole message or of one of its sentences about now. A message that says the danger is over
    is not acute unless it also has a plain now-signal.

    DIET's own acute_danger intent is not a third vote: on the development sets it caught no
    acute message the other two missed and added false alarms (docs/recognition.md)."""
    says_no = leading_answer(text) == NO
    over = signals_danger_over(text) or denies_now(text)
    # "Nee, op dit moment zit ze naast me" and "Zij is op dit moment op school" echo the danger
    # question's "op dit moment": a bare "now" is no signal in a message that says it is over.
    beyond_now = signals_acute_danger_in_answer(text)
    if beyond_now or (not says_no and not over and signals_acute_danger(text)):
        return True
    if over:
        # "nee niet nu, hij is net binnen geroepen": the answer to the danger question says so.
        return False
    # A "nee ..." answers the danger question; the classifier learned from first messages, so
    # it must be surer still than for a pattern or the past. Recall first: it still counts.
    # An answer to "how long" ("sinds een half jaar, sinds zijn vrouw is overleden") is like
    # the past.
    if says_no:
        needed = thresholds.acute_after_no
    elif signals_habitual(text) or _starts_with_duration(text):
        needed = thresholds.acute_habitual
    else:
        needed = thresholds.acute
    return (prediction.acute_probability >= needed
            or (prediction.now_sentence_acute >= thresholds.acute_now_sentence
                and prediction.acute_probability >= thresholds.acute_now_sentence_context))


def decide(
    intent: str,
    text: str,
    prediction: TriagePrediction,
    foreign: bool,
    thresholds: TriageThresholds = TriageThresholds(),
    intent_confidence: float = 1.0,
    best_guesses: Sequence[str] = (),
) -> TriageDecision:
    """Combine DIET's intent with the triage model into the final intent and slot entities."""
    decision = _decide(intent, text, prediction, foreign, thresholds, intent_confidence,
                       best_guesses)
    if (decision.intent or intent) not in (CONCERN_INTENT, DETAIL_INTENT):
        return decision
    # "Hoe kan ik haar helpen zonder dat ze boos wordt?" in the middle of the questions: the
    # advice answers it (data/rules/details.yml), not "Dank je, dat neem ik mee". Set on every
    # story and addition, so the slot a rule reads is never left over from an earlier message.
    entities = {**decision.entities, ASKS_ENTITY: is_open_question(text)}
    return TriageDecision(intent=decision.intent, entities=entities)


def _decide(
    intent: str,
    text: str,
    prediction: TriagePrediction,
    foreign: bool,
    thresholds: TriageThresholds,
    intent_confidence: float,
    best_guesses: Sequence[str],
) -> TriageDecision:
    acute = is_acute(text, prediction, thresholds)
    is_concern = prediction.concern_type != NO_CONCERN
    if (intent == CONCERN_INTENT and not acute and not is_concern and not foreign
            and intent_confidence < thresholds.agree):
        # DIET half-thinks it is a concern, the triage model sees none: a hesitant start ("ik
        # wil iets vragen over mijn buurvrouw") is invited to tell more; "<b>test</b>" and
        # keyboard mashing are asked to rephrase rather than acted on.
        # A question ("Moet ik eerst eens met hem klappen?") is answered like any question
        # the bot cannot place: with the advice.
        rescued = _rescued_fallback(text, best_guesses)
        return TriageDecision(intent=rescued or (VAGUE_INTENT if is_hesitant_start(text)
                                                 else FALLBACK_INTENT), entities={})
    # A message that states a fact ("sinds de kerstvakantie, een week of zes") adds to the
    # story; only a sure reading makes it a story of its own.
    facts = {} if acute or foreign else _stated_facts(text)
    elsewhere = _answers_another_question(text, facts)
    # A feeling ("ik schrik hier wel van") or a moment to come ("over vijf weken vliegen we") is
    # an addition too, not "sorry, dat begreep ik niet".
    adds = bool(facts) or elsewhere or (not acute and (tells_feeling(text) or names_a_moment(text)
                                                       or states_ages_only(text)))
    rescue = thresholds.agree if adds else thresholds.rescue
    describes = (
        acute
        or intent in (CONCERN_INTENT, ACUTE_INTENT)
        or (foreign and is_concern)
        or ((intent in RESCUABLE_INTENTS or _acknowledged_story(intent, text)) and is_concern
            and prediction.concern_confidence >= rescue)
    )
    entities: dict = {}
    if describes:
        entities.update(_concern_entities(text, prediction, thresholds))
    elif intent == ROLE_INTENT and intent_confidence < ROLE_SURE and tells_feeling(text):
        # "ik ben bang dat het weer gebeurt" (a child, after the police came): DIET half-heard
        # "ik ben ...", the role classifier "bang dat" of a pleger. A feeling, added to the story.
        return TriageDecision(intent=DETAIL_INTENT, entities={})
    elif intent == ROLE_INTENT:
        entities.update(_role_entities(prediction))
    if acute:
        entities["acute_danger"] = True
    elif signals_danger_over(text):
        # "Ze is nu bij haar moeder": also the answer to "is er nu iemand in gevaar?", so the
        # question is not asked again (and a first message that says so skips it).
        entities["acute_danger"] = False
    for slot, value in facts.items():  # (a child abuse story keeps its children "ja")
        entities.setdefault(slot, value)
    answer = None if acute or foreign else leading_answer(text)
    if answer and elsewhere:
        # "nee, ik heb het nog aan niemand verteld" to "kun je veilig chatten?": not a no to it.
        answer = None
    if answer:
        # "nee ze woont alleen, ...": the answer to the question the bot asked, for the form that
        # asked it (domain.yml maps these entities only while its question is open).
        entities["answer"] = answer
        if answer == NO or (answer == YES and not signals_danger_over(text)):
            # ("ja ze is aan het werk" answers another question than the danger one)
            entities["danger_answer"] = answer == YES
        if answer == NO and denies_now(text):
            # "nee nu niet, mijn broer is bij zijn vriendin" after the 112 text: no danger now,
            # so the wait for "I am safe" ends and the conversation goes on (a bare "nee" does
            # not: it may answer "have you called?").
            entities.setdefault("acute_danger", False)
    if foreign:
        # Not Dutch: the short answer in English, which starts with 112 (so also when acute;
        # the Dutch 112 text would not be understood), then 0800-2000.
        return TriageDecision(intent=ENGLISH_INTENT, entities=entities)
    if acute:
        return TriageDecision(intent=None if intent == MUST_STOP_INTENT else ACUTE_INTENT,
                              entities=entities)
    if intent == DANGER_OVER_INTENT and signals_taken_along(text):
        # "Ze zijn weggereden, ik heb het kenteken": after a woman was pulled into a car, the
        # danger left with them; DIET's all-clear is not one (every reply stays 112 first).
        kept = {k: v for k, v in entities.items() if k != "acute_danger"}
        return TriageDecision(intent="continue_chat", entities=_without_answer(kept))
    if intent == AFFIRM_INTENT and not answer and says_thanks(text):
        # "oké, dank je wel" is thanks, not a yes to "is er nu iemand in gevaar?"
        return TriageDecision(intent="thanks", entities=_without_answer(entities))
    if wants_a_person(text):
        # "Kan ik met een echt mens praten?", also after the story, and "ja graag, ik wil met
        # iemand praten" with or without an offer: the way to a person now (right after the
        # offer it accepts it, data/rules/signpost.yml).
        return TriageDecision(intent=HUMAN_INTENT, entities=_without_answer(entities))
    if intent == HUMAN_INTENT and declines_a_person(text):
        # "nee ik wil nu nog niet met iemand praten": a no to the offer, not a request.
        return TriageDecision(intent=DENY_INTENT, entities=entities)
    if intent == HUMAN_INTENT and asks_what_to_do(text):
        # "Ze wil er niet over praten. Hoe kan ik er voor haar zijn?": DIET heard "praten"; the
        # question is how to help, and no person was asked for (wants_a_person said no above).
        return TriageDecision(intent=ADVICE_INTENT, entities=_kept_facts(entities))
    if intent == HUMAN_INTENT and facts.get("safety_can_chat") == YES:
        # "Ik kan nu praten, ik ben op mijn werk": DIET heard "praten"; it says chatting is safe.
        intent = DETAIL_INTENT
    if (intent not in (CONCERN_INTENT, MUST_STOP_INTENT) and facts.get("safety_can_chat") != NO
            and asks_who_told(text)):
        # "hoort mijn oom dat ik het was?": whether the family learns who told, the question of
        # anonymity (its answer says the family does not hear it from Veilig Thuis). Having to
        # stop comes first: "hij zit naast me, ziet hij dat ik het was?" gets how to leave.
        return TriageDecision(intent="ask_anonymity", entities=_without_answer(entities))
    if facts.get("safety_can_chat") == NO:
        # "kan eigenlijk niet veilig chatten, hij zit naast me": how to leave at once, now. A
        # story in the same message ("... gisteren heeft hij me gewurgd") keeps its concern and
        # role for the counsellor's queue.
        if not describes and is_concern and prediction.concern_confidence >= thresholds.rescue:
            entities.update(_concern_entities(text, prediction, thresholds))
            entities["safety_can_chat"] = NO
        return TriageDecision(intent=MUST_STOP_INTENT, entities=_without_answer(entities))
    if intent == MUST_STOP_INTENT and _STOP_OWN_BEHAVIOUR.search(text):
        # "ik weet niet hoe ik moet stoppen als het opkomt": stopping what one does, not the chat.
        return TriageDecision(intent="ask_perpetrator_help", entities=_without_answer(entities))
    if intent == MUST_STOP_INTENT and (facts.get("safety_can_chat") == YES
                                       or (adds and not _STOP_WORDS.search(text))):
        # "hier kan ik veilig chatten", "sinds ik naar de middelbare ging": DIET heard "chatten"
        # or nothing; a message without a word of stopping or leaving is no "ik moet stoppen".
        intent = DETAIL_INTENT
    if not describes and intent in DETAIL_RESCUABLE and _BACK.match(text):
        # "ik ben er weer, ze is naar de winkel" after "ik moet stoppen": on where it was; with
        # the other one gone, chatting is safe again.
        entities["safety_can_chat"] = YES  # back, and writing: the questions need not stop again
        if signals_danger_over(text):
            return TriageDecision(intent=DANGER_OVER_INTENT, entities=_without_answer(entities))
        return TriageDecision(intent="continue_chat", entities=_without_answer(entities))
    if (not describes and not answer and intent not in ANSWERED_QUESTIONS
            and intent != HUMAN_INTENT and closes_conversation(text)):
        # "Goed, ik denk er nog even over na.", "Dan bel ik morgen. Dank u.": thanks or goodbye,
        # not "ik durf niet te bellen" (DIET hears "bel") or "sorry, dat begreep ik niet".
        return TriageDecision(intent="thanks" if says_thanks(text) else "goodbye",
                              entities=_without_answer(entities))
    if intent in (FALLBACK_INTENT, "out_of_scope") and _LEAVING.match(text):
        # "oké, dan bel ik straks", "oke, ik moet terug naar huis": a goodbye, with the numbers.
        return TriageDecision(intent="goodbye", entities=_without_answer(entities))
    if (not describes and intent in ALL_CLEAR_RESCUABLE and signals_all_clear(text)):
        # "ik heb 112 gebeld": a plain all-clear is never "I did not understand" (DIET also
        # hears "112" and "bellen" in "ik durf 112 niet te bellen").
        return TriageDecision(intent=DANGER_OVER_INTENT, entities=entities)
    if (intent == AFRAID_TO_CALL_INTENT and _WHEN_OR_WHOM_TO_CALL.search(text)
            and not _NEGATED.search(text)):
        # "kan ik vannacht ook bellen?", "wie kan ik bellen": a question about calling, not the
        # fear of it (whose answer says "you need not call" and gives no number).
        if asks_what_to_do(text):
            return TriageDecision(intent=ADVICE_INTENT, entities=_kept_facts(entities))
        return TriageDecision(intent="ask_phone_number", entities=_without_answer(entities))
    if (intent in WHAT_TO_DO_RESCUABLE and asks_what_to_do(text)
            and (not describes or not is_concern)):
        # "wtf wat moet ik doen ik durf het niet aan mn ouders te zeggen": advice now, without
        # reading the rest as a new story. A message the triage model reads as a story keeps
        # it, and a first message its questions.
        return TriageDecision(intent=ADVICE_INTENT, entities=_kept_facts(entities))
    if describes and intent != CONCERN_INTENT:
        return TriageDecision(intent=CONCERN_INTENT, entities=entities)
    if (not describes and not acute and intent in SECRET_RESCUABLE
            and (_SECRET.search(text) or _NO_POLICE.search(text))):
        # "Ze heeft me gevraagd het niet door te vertellen", "moet ik het geheim houden?": the
        # advice, which says not to promise secrecy (not the anonymity answer, or a note); "ik
        # wil geen politie": the advice, which says what can be done without.
        return TriageDecision(intent=ADVICE_INTENT, entities=_kept_facts(entities))
    if not describes and adds and intent in DETAIL_RESCUABLE and not answer:
        # "sinds de zomer, een maand of vier", "alleen mijn zus weet het": something added to
        # the story, noted; not "sorry, dat begreep ik niet" or a yes or no to the open question.
        # ("ja, twee kinderen van 5 en 8" stays the yes it starts with.)
        return TriageDecision(intent=DETAIL_INTENT, entities=entities)
    if answer and intent in (FALLBACK_INTENT, "out_of_scope"):
        return TriageDecision(intent=ANSWER_INTENTS[answer], entities=entities)
    if intent in (AFFIRM_INTENT, DENY_INTENT) and not answer and is_open_question(text):
        # "Oké. Welke stappen moet ik zetten?": the "oké" made DIET hear a yes.
        guesses = [g for g in best_guesses if g not in (AFFIRM_INTENT, DENY_INTENT)]
        rescued = _rescued_fallback(text, guesses)
        return TriageDecision(intent=rescued or FALLBACK_INTENT, entities=entities)
    if intent == AFFIRM_INTENT and not answer and not describes and _hedged_or_told(text):
        # "Ik sla ze niet hoor. Nou ja, één keer een tik": DIET heard a yes in a message that
        # does not start with one; to "is er nu iemand in gevaar?" that yes means danger now.
        return TriageDecision(intent=DETAIL_INTENT, entities=_without_answer(entities))
    if intent in (FALLBACK_INTENT, "out_of_scope", ROLE_INTENT) and names_a_person_only(text):
        # (its role entity stays: "mijn zus" is also the answer to "wie schrijft er?")
        return TriageDecision(intent=VAGUE_INTENT, entities=entities)
    rescued = (_rescued_fallback(text, best_guesses)
               if intent == FALLBACK_INTENT or (intent == ROLE_INTENT and not describes) else None)
    if rescued:
        # (also "Moet ik mezelf aangeven?", where DIET heard only who is writing)
        return TriageDecision(intent=rescued, entities=entities)
    if (intent == FALLBACK_INTENT and is_statement(text)
            and "out_of_scope" not in best_guesses[:1]):
        # "Ze is nu bij haar ouders. Ze wil niet dat ik haar bel.": Dutch sentences DIET cannot
        # place are part of the story, noted, not "sorry, dat begreep ik niet".
        return TriageDecision(intent=DETAIL_INTENT, entities=entities)
    return TriageDecision(intent=None, entities=entities)


def _stated_facts(text: str) -> dict:
    """Slot values a message states whatever question is open (domain.yml maps them always)."""
    facts: dict = {}
    safety = chat_safety(text)
    if safety:
        facts["safety_can_chat"] = safety
    if says_no_children(text):
        facts["children_involved"] = "nee"
    elif _YOUNG_CHILDREN.search(text):
        facts["children_involved"] = "ja"
    duration = find_duration(text)
    if duration:
        facts["concern_duration"] = duration
    return facts


def _answers_another_question(text: str, facts: dict) -> bool:
    """True when the rest of a message that starts with a yes or no is about something else than
    the question the bot asked: who knows of it, whether chatting is safe, no children."""
    return (tells_who_knows(text) or "safety_can_chat" in facts
            or facts.get("children_involved") == "nee")


_BACK = re.compile(
    r"^\W*(?:(?:ik\s+)?ben\s+(?:er\s+)?(?:weer|terug)|daar\s+ben\s+ik\s+weer|weer\s+terug|i'?m\s+back)\b",
    re.IGNORECASE)
_LEAVING = re.compile(
    r"^\W*(?:oké|oke|okee|ok|okay|prima|goed|top|helder)\b[\s,.!]*(?:\S+\s+){0,4}?"
    r"(?:bel|bellen|ga|gaan|moet|doei|dag|later|straks|morgen|maandag)\b",
    re.IGNORECASE)
_STOP_WORDS = re.compile(
    r"\b(?:stop|stoppen|weg|gaan|ga|kom|komt|thuis|hoor|hoort|sluit|sluiten|afsluiten|moet|kan niet)\b",
    re.IGNORECASE)


# A question about when or whom to call, not about being unable to: "kan ik vannacht ook
# bellen?", "Kan ik 's avonds bellen om te overleggen?", "wie kan ik bellen".
_WHEN_OR_WHOM_TO_CALL = re.compile(
    r"^\W*(?:en\s+|oké\W+|ok\W+)?(?:kan|mag|kun)\s+(?:ik|je|u|we)\s+(?:\w+\s+){0,3}?(?:ook\s+)?"
    r"(?:'s\s+avonds|'s\s+nachts|'s\s+ochtends|vannacht|vanavond|vanmiddag|in\s+het\s+weekend|altijd|"
    r"zaterdag|zondag|morgen)\s+(?:\w+\s+){0,2}?(?:ook\s+)?bellen\b"
    r"|\bwie\s+(?:kan|moet|kunnen|moeten)\s+(?:ik|we|wij)\s+(?:nu\s+|dan\s+|het\s+beste\s+)?bellen\b",
    re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:niet|nie|geen|nooit)\b", re.IGNORECASE)


# How a yes or an acceptance starts when it does not start with "ja": "oké, doe maar", "graag",
# "dat wil ik wel", "ik denk het wel".
_ACCEPTS = re.compile(
    r"^\W*(?:oké|oke|okee|ok|okay|prima|goed|graag|doe\s+maar|is\s+goed|top|akkoord|zeker|yes|"
    r"dat\s+(?:wil|zou)\s+ik|ik\s+(?:wil|zou)\s+(?:dat\s+)?(?:wel|graag)|ik\s+denk\s+(?:het\s+)?(?:van\s+)?wel|"
    r"volgens\s+mij\s+wel|ik\s+geloof\s+(?:het\s+)?wel|dat\s+klopt|klopt)\b",
    re.IGNORECASE)
# A denial or a hedge inside the message: "ik sla ze niet hoor", "nou ja, één keer".
_HEDGE = re.compile(r"\b(?:niet|geen|nooit|nee)\b|\bnou\s+ja\b", re.IGNORECASE)


def _hedged_or_told(text: str) -> bool:
    """True for a message of more than three words that neither starts with a yes nor accepts,
    and denies or hedges something: told, not a yes to the open question."""
    return len(text.split()) > 3 and not _ACCEPTS.match(text) and bool(_HEDGE.search(text))


def _without_answer(entities: dict) -> dict:
    return {k: v for k, v in entities.items() if k not in ("answer", "danger_answer")}


def _kept_facts(entities: dict) -> dict:
    """What a request for advice keeps of a message's entities: whether there is danger, and
    its answer; not a concern or a role read from a question."""
    return {k: v for k, v in entities.items() if k in ("acute_danger", "answer", "danger_answer")}


# "Oké. Hij slaat me als ..." after an answer of the bot: the "oké" makes DIET hear a yes, the
# rest is the story. A plain "ja, er zijn kinderen" stays an answer (it does not start so).
_ACKNOWLEDGED = re.compile(r"^\s*(?:oké|oke|okee|ok|okay)\s*[.,!]\s*\S+(?:\s+\S+){4,}", re.IGNORECASE)


def _acknowledged_story(intent: str, text: str) -> bool:
    return intent == AFFIRM_INTENT and bool(_ACKNOWLEDGED.match(text))


def _rescued_fallback(text: str, best_guesses: Sequence[str]) -> Optional[str]:
    """What a message under the fallback threshold most likely means, or None. `best_guesses`
    are DIET's top intents below the threshold, best first: a hesitant start when one of the
    first two is vague_opening ("ik wil iets vragen over mijn buurvrouw" sits close to "ik ben
    de buurvrouw"), the question the bot answers when that is the first ("wat is veilig
    thuis?"), and the advice for any other question that is not off-topic."""
    first = best_guesses[0] if best_guesses else None
    if VAGUE_INTENT in best_guesses[:2] and is_hesitant_start(text):
        return VAGUE_INTENT
    if first != "out_of_scope" and is_open_question(text):
        return first if first in ANSWERED_QUESTIONS else ADVICE_INTENT
    return None


def _words(text: str) -> List[str]:
    return [w for w in WORD_PATTERN.findall(text.lower()) if len(w) >= 2]


def is_hesitant_start(text: str) -> bool:
    """Words of a sentence, not mashing: three words or more, one of them a common Dutch word."""
    words = _words(text)
    return len(words) >= 3 and any(w in COMMON_DUTCH for w in words)


# "mijn zus", "over mijn buurvrouw": a person named alone, the start of a story split over
# several messages. The bot invites the rest instead of saying it did not understand.
_PERSON_ONLY = re.compile(
    r"^\W*(?:het gaat (?:over|om)\s+|over\s+|om\s+)?(?:mijn|mn|m'n|mi|onze|ons|de|die|een)\s+"
    r"(?:\w+\s+)?(?:zus|zusje|broer|broertje|moeder|mama|vader|papa|ouders|dochter|zoon|kind|kinderen|"
    r"oma|opa|tante|oom|nicht|nichtje|neef|neefje|buurvrouw|buurman|buren|buurmeisje|buurjongen|"
    r"vriendin|vriend|collega|leerling|cliënt|client|cliënte|patiënt|patient|patiënte|ex|man|vrouw|"
    r"partner|schoonmoeder|schoonvader|stiefvader|stiefmoeder|kleinkind|kleindochter|kleinzoon|"
    r"overbuurvrouw|overbuurman)\W*$",
    re.IGNORECASE)


# Stopping what one does, not the chat: "ik weet niet hoe ik moet stoppen als het opkomt".
_STOP_OWN_BEHAVIOUR = re.compile(
    r"\bhoe\s+(?:ik|je)\s+(?:(?:moet|kan|kun|zou)\s+)?(?:ermee\s+|daarmee\s+|hiermee\s+)?(?:kan\s+)?stoppen\b"
    r"|\bstoppen\s+met\s+(?:slaan|schreeuwen|duwen|schoppen|dreigen|knijpen|drinken)\b",
    re.IGNORECASE)
# The writer afraid of what they may do to someone ("ik ben bang dat ik haar ooit iets aandoe",
# "bang dat ik mijn vader iets ga aandoen"): a pleger (docs/labeling.md), whoever the classifier
# thought was writing. Not "mezelf": harming oneself is another matter.
_FEARS_OWN_HARM = re.compile(
    r"\b(?:bang|denk|vrees)\s+(?:(?:soms|echt|wel)\s+)*dat\s+ik\s+(?:(?:ooit|nog|straks|echt|een\s+keer)\s+)*"
    r"(?:haar|hem|ze|het\s+kind|de\s+baby|(?:mijn|m'n|mn|onze|ons)\s+\w+)\s+"
    r"(?:(?:ooit|nog|straks|echt|een\s+keer|nu)\s+)*"
    r"(?:iets\s+(?:ergs\s+)?(?:aandoe|aan\s+doe|ga\s+aandoen|zal\s+aandoen)"
    r"|pijn\s+(?:doe|ga\s+doen|zal\s+doen)|sla\b|ga\s+slaan\b)",
    re.IGNORECASE)
STATEMENT_MIN_WORDS = 4


def says_own_role(text: str) -> Optional[str]:
    """The role a story names in so many words, or None. It weighs like an answer to "gaat het
    om jezelf?" (bot/conversation_triage.py), so earlier guesses do not outvote it."""
    return "pleger" if _FEARS_OWN_HARM.search(text) else None


def is_statement(text: str) -> bool:
    """Sentences in Dutch that ask nothing: four words or more, two of them common Dutch words
    (not keyboard mashing, a test tag or another language)."""
    words = _words(text)
    return (not _QUESTION.search(text) and len(words) >= STATEMENT_MIN_WORDS
            and sum(w in COMMON_DUTCH for w in words) >= 2 and not _CLARIFICATION.search(text))


def names_a_person_only(text: str) -> bool:
    return bool(_PERSON_ONLY.match(text))


def is_open_question(text: str) -> bool:
    """A question in words (not "???" or keyboard mashing)."""
    return (len(_words(text)) >= QUESTION_MIN_WORDS
            and bool(_QUESTION.search(text)) and not _CLARIFICATION.search(text))


def _role_entities(prediction: TriagePrediction) -> dict:
    entities = {"reporter_role": prediction.reporter_role}
    if prediction.reporter_role != "slachtoffer":
        # Only a victim is asked whether they can chat safely.
        entities["safety_can_chat"] = NOT_APPLICABLE
    return entities


def _concern_entities(text: str, prediction: TriagePrediction, thresholds: TriageThresholds) -> dict:
    # An acute message may give no context at all; general domestic violence is the honest
    # label for "someone is being hurt".
    concern = prediction.concern_type if prediction.concern_type != NO_CONCERN else "huiselijk_geweld"
    entities: dict = {"concern_type": concern}
    if prediction.role_confidence >= thresholds.role:
        entities.update(_role_entities(prediction))
    said_role = says_own_role(text)
    if said_role:
        entities.update(reporter_role=said_role, safety_can_chat=NOT_APPLICABLE)
    elif entities.get("reporter_role") in (None, "omstander") and writes_as_child_at_home(text):
        # "ik ben 15. de vriend van mijn moeder slaat haar": a child about their own home is the
        # one it happens to (docs/labeling.md), not a bystander.
        entities.update(reporter_role="slachtoffer")
        entities.pop("safety_can_chat", None)
    if concern == "kindermishandeling" or mentions_children(text):
        entities["children_involved"] = "ja"
    duration = find_duration(text)
    if duration:
        entities["concern_duration"] = duration
    return entities
