"""Rasa graph component that adds the triage labels (bot.triage) to every parsed message."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import embeddings
from bot.acute_cues import signals_all_clear
from bot.conversation_triage import TRIAGE_KEY
from bot.language import WORD_PATTERN, detect_language, reply_language, surely_other_language
from bot.nlu_text import known_replies, reply_key
from bot.privacy import install_log_redaction
from bot.triage import (
    ACUTE_INTENT,
    CONCERN_INTENT,
    NO_CONCERN,
    ROLE_INTENT,
    TriageExample,
    TriageModel,
    TriageThresholds,
    decide,
    says_own_role,
)

logger = logging.getLogger(__name__)

MODEL_FILE = "triage.joblib"
VOCABULARY_FILE = "dutch_words.joblib"
REPLIES_FILE = "known_replies.joblib"
EXTRACTOR_NAME = "TriageExtractor"


def example_from_message(message: Message) -> Optional[TriageExample]:
    """Training labels of one NLU example, from its intent and block/example metadata."""
    text, intent = message.get(TEXT), message.get(INTENT)
    if not text or not intent:
        return None
    metadata = message.get("metadata") or {}
    labels: Dict[str, Any] = {}
    for part in ("intent", "example"):
        if isinstance(metadata.get(part), dict):
            labels.update(metadata[part])
    if intent in (CONCERN_INTENT, ACUTE_INTENT):
        return TriageExample(
            text=text,
            concern_type=labels.get("concern_type"),
            reporter_role=labels.get("reporter_role"),
            acute_danger=intent == ACUTE_INTENT or bool(labels.get("acute_danger", False)),
        )
    return TriageExample(
        text=text,
        concern_type=NO_CONCERN,
        reporter_role=labels.get("reporter_role") if intent == ROLE_INTENT else None,
        acute_danger=False,
    )


def dutch_vocabulary(training_data: TrainingData) -> FrozenSet[str]:
    """Known Dutch word forms: spaCy's Dutch lemma table (both sides) plus the training texts.

    Used to tell a message in another language (Turkish, Polish, ...) from broken Dutch.
    """
    from spacy.lookups import load_lookups

    table = load_lookups("nl", ["lemma_lookup"]).get_table("lemma_lookup")
    words = set(table.keys()) | set(table.values())
    for example in training_data.intent_examples:
        words.update(WORD_PATTERN.findall((example.get(TEXT) or "").lower()))
    return frozenset(words)


def short_replies(training_data: TrainingData) -> Dict[str, str]:
    """Short training texts and their intent (bot.nlu_text.known_replies). Concerns are left to
    the triage model, which also hears danger in a short one ("help hij slaat")."""
    pairs = [(example.get(TEXT) or "", example.get(INTENT) or "")
             for example in training_data.intent_examples]
    return {key: intent for key, intent in known_replies(pairs).items()
            if intent not in (CONCERN_INTENT, ACUTE_INTENT)}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class TriageExtractor(GraphComponent):
    """Sets concern_type, reporter_role, acute_danger (and facts) as entities.

    Runs after DIET and the FallbackClassifier. When the acute-danger classifier fires it also
    changes the intent to `acute_danger`, so the 112 rule wins over whatever else DIET thought.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Threshold defaults live in TriageThresholds; config.yml sets them as <name>_threshold.
        thresholds = {f"{name}_threshold": value
                      for name, value in dataclasses.asdict(TriageThresholds()).items()}
        # Embeddings of earlier trainings, reused (bot/embeddings.py); None: no cache.
        return {"random_seed": 42, "C": 10.0, "embedding_cache": None, **thresholds}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, model: Optional[TriageModel] = None,
                 dutch_words: FrozenSet[str] = frozenset(),
                 replies: Optional[Dict[str, str]] = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._dutch_words = dutch_words
        self._replies = replies or {}
        self._thresholds = TriageThresholds(**{
            field.name: config[f"{field.name}_threshold"]
            for field in dataclasses.fields(TriageThresholds)
        })

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TriageExtractor":
        install_log_redaction()
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TriageExtractor":
        # Loaded once per Rasa server: the right moment to keep user text out of its logs.
        install_log_redaction()
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
                dutch_words = joblib.load(directory / VOCABULARY_FILE)
                replies = joblib.load(directory / REPLIES_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained triage model found; triage labels are disabled.")
            model, dutch_words, replies = None, frozenset(), {}
        return cls(config, model_storage, resource, model, dutch_words, replies)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in map(example_from_message, training_data.intent_examples) if e]
        cache = Path(self._config["embedding_cache"]) if self._config["embedding_cache"] else None
        if cache:
            embeddings.load_cache(cache)
        self._model = TriageModel.train(examples, seed=self._config["random_seed"],
                                        c=self._config["C"])
        if cache:
            embeddings.save_cache(cache)
        self._dutch_words = dutch_vocabulary(training_data)
        self._replies = short_replies(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
            joblib.dump(self._dutch_words, directory / VOCABULARY_FILE)
            joblib.dump(self._replies, directory / REPLIES_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        try:
            for message in messages:
                self._process_one(message)
        finally:
            embeddings.forget()  # no person's words stay in the server's memory
        return messages

    def _process_one(self, message: Message) -> None:
        text = (message.get(TEXT) or "").strip()
        if not text or text.startswith("/"):
            return  # empty text or a slash command: nothing to classify
        parsed_intent = message.get(INTENT) or {}
        intent = parsed_intent.get(INTENT_NAME_KEY) or ""
        known = self._replies.get(reply_key(text))
        if known and known != intent:
            parsed_intent = {INTENT_NAME_KEY: known, "confidence": 1.0}
            intent = known
            message.set(INTENT, parsed_intent, add_to_output=True)
        prediction = self._model.predict([text])[0]
        foreign = (detect_language(text, self._dutch_words) != "nl"
                   or surely_other_language(text))
        decision = decide(intent, text, prediction, foreign, self._thresholds,
                          intent_confidence=parsed_intent.get("confidence") or 0.0,
                          best_guesses=_best_guesses(message))
        if decision.intent:
            confidence = (prediction.acute_probability if decision.intent == ACUTE_INTENT
                          else prediction.concern_confidence)
            message.set(INTENT, {INTENT_NAME_KEY: decision.intent, "confidence": confidence},
                        add_to_output=True)
        found = dict(decision.entities)
        if foreign:  # the short answer in the person's language (domain.yml utter_english)
            found["reply_language"] = reply_language(text)
        entities = list(message.get(ENTITIES) or [])
        for name, value in found.items():
            entities.append({"entity": name, "value": value, "start": 0, "end": len(text),
                             "extractor": EXTRACTOR_NAME,
                             "confidence_entity": _confidence(name, prediction)})
        message.set(ENTITIES, entities, add_to_output=True)
        # Every label's probability, kept with the message in the conversation: the policy
        # in components/conversation_triage.py judges the whole conversation from them.
        message.set(TRIAGE_KEY, {
            "tells_story": "concern_type" in decision.entities,
            "concern": dict(prediction.concern_probabilities),
            "role": _role_reading(decision.entities, prediction),
            "danger_over": signals_all_clear(text),
            "said_role": says_own_role(text),
        }, add_to_output=True)


def _role_reading(entities: Dict[str, Any], prediction: Any) -> Dict[str, float]:
    """The role probabilities the conversation is judged on. A rule that overrode the classifier
    ("ik ben 15 ... de vriend van mijn moeder": a child about their own home) counts as sure,
    or the whole-conversation reading would take the classifier's guess back."""
    decided = entities.get("reporter_role")
    if decided and decided != prediction.reporter_role:
        return {decided: 1.0}
    return dict(prediction.role_probabilities)


def _best_guesses(message: Message) -> List[str]:
    """DIET's intents best first, also when the FallbackClassifier put nlu_fallback before them."""
    return [ranked[INTENT_NAME_KEY] for ranked in message.get("intent_ranking") or []
            if ranked.get(INTENT_NAME_KEY) not in (None, "nlu_fallback")]


def _confidence(name: str, prediction: Any) -> float:
    return {"concern_type": prediction.concern_confidence,
            "reporter_role": prediction.role_confidence,
            "acute_danger": prediction.acute_probability}.get(name, 1.0)
