"""What the whole conversation says: the concern, who is writing, and whether danger is over.

The NLU reads one message at a time. Left alone, a later message overwrites what the first one
established: a victim of partner violence who writes "hij komt nu thuis, ik moet stoppen"
ended with concern_type = seksueel_geweld. Here the labels are judged on everything the person
has said in this session:

- the concern type is the one the messages that tell the story support most, summed over those
  messages (an answer to one of the bot's questions counts half), so a later message changes
  it only when it is clearly about another concern;
- who is writing: what the person said in so many words (an answer to the question, "ik ben
  leerkracht") wins; otherwise the same sum, and only when it is sure enough;
- danger now can be set at any turn (the NLU does that); once the person says it is over
  ("ik heb 112 gebeld", "hij is weg", "het is nu rustig"), it is released.

Plain functions over what the NLU stored in each message's parse data (`triage`, written by
components/triage.py); components/conversation_triage.py applies them in the Rasa server.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence

from bot.triage import CONCERN_INTENT, NO_CONCERN, ROLE_INTENT

TRIAGE_KEY = "triage"  # the parse-data property components/triage.py writes
ACUTE_INTENT = "acute_danger"
# Saying who you are in so many words (slot mappings in domain.yml read the same intents).
_ROLE_BY_INTENT = {"ask_professional": "professional", "ask_perpetrator_help": "pleger"}


@dataclass(frozen=True)
class TurnReading:
    """What one message of the person said, as the NLU read it."""
    tells_story: bool  # a concern or danger, not an answer, a question or small talk
    concern: Mapping[str, float]
    role: Mapping[str, float]
    explicit_role: Optional[str]  # said in so many words
    danger_over: bool
    # Sent while one of the bot's questions was open: an answer that may add to the story
    # ("we hebben een dochter van 4"), not a new story of its own.
    answers_question: bool = False
    danger_now: bool = False  # the NLU read danger right now in this message


# How much an answer counts towards the concern and the role, against a message that tells the
# story: a victim of partner violence who mentions her daughter while answering keeps her
# concern type, and a teacher who says "ik heb het met mijn duo-collega besproken" stays one.
ANSWER_WEIGHT = 0.5


@dataclass(frozen=True)
class ConversationReading:
    concern_type: Optional[str]  # None: nothing told yet
    reporter_role: Optional[str]  # None: not sure; the bot asks
    danger_over: bool  # the latest message says the danger has passed
    danger_now: bool = False  # the latest message says someone is in danger right now


def turn_reading(parse_data: Mapping[str, Any]) -> Optional[TurnReading]:
    """The reading of one message from its parse data; None for a message without it (a
    button payload, or a message parsed before the triage component existed)."""
    intent = (parse_data.get("intent") or {}).get("name")
    triage = parse_data.get(TRIAGE_KEY)
    explicit = _explicit_role(intent, parse_data.get("entities") or [])
    if not isinstance(triage, dict):
        return None if explicit is None else TurnReading(False, {}, {}, explicit, False)
    explicit = explicit or triage.get("said_role")  # "ik ben bang dat ik haar iets aandoe"
    return TurnReading(
        tells_story=bool(triage.get("tells_story")) or intent in (CONCERN_INTENT, ACUTE_INTENT),
        concern={label: p for label, p in (triage.get("concern") or {}).items()
                 if label != NO_CONCERN},
        role=dict(triage.get("role") or {}), explicit_role=explicit,
        danger_over=bool(triage.get("danger_over")),
        danger_now=any(isinstance(e, dict) and e.get("entity") == "acute_danger"
                       and e.get("value") is True for e in parse_data.get("entities") or []))


def _explicit_role(intent: Optional[str], entities: Iterable[Any]) -> Optional[str]:
    if intent in _ROLE_BY_INTENT:
        return _ROLE_BY_INTENT[intent]
    if intent == ROLE_INTENT:  # the answer to "gaat het om jezelf ...?" (buttons or words)
        return next((e.get("value") for e in entities if isinstance(e, dict)
                     and e.get("entity") == "reporter_role"), None)
    return None


def read_conversation(turns: Sequence[TurnReading], role_threshold: float) -> ConversationReading:
    story = [turn for turn in turns if turn.tells_story]
    return ConversationReading(
        concern_type=_strongest(_weighted(turn.concern, ANSWER_WEIGHT if turn.answers_question
                                          else 1.0) for turn in story),
        reporter_role=_role(turns, story, role_threshold),
        danger_over=bool(turns) and turns[-1].danger_over,
        danger_now=bool(turns) and turns[-1].danger_now)


def _weighted(distribution: Mapping[str, float], weight: float) -> Dict[str, float]:
    return {label: p * weight for label, p in distribution.items()}


def _sums(distributions: Iterable[Mapping[str, float]]) -> Dict[str, float]:
    totals: Dict[str, float] = defaultdict(float)
    for distribution in distributions:
        for label, p in distribution.items():
            totals[label] += p
    return totals


def _strongest(distributions: Iterable[Mapping[str, float]]) -> Optional[str]:
    totals = _sums(distributions)
    return max(totals, key=totals.__getitem__) if totals else None


def _role(turns: Sequence[TurnReading], story: Sequence[TurnReading],
          threshold: float) -> Optional[str]:
    explicit = [turn.explicit_role for turn in turns if turn.explicit_role]
    if explicit:
        return explicit[-1]
    totals = _sums(_weighted(turn.role, ANSWER_WEIGHT if turn.answers_question else 1.0)
                   for turn in story)
    if not totals:
        return None
    best = max(totals, key=totals.__getitem__)
    # As sure as one message must be (the share of the summed probability).
    return best if totals[best] / sum(totals.values()) >= threshold else None
