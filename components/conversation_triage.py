"""Rasa policy that keeps the triage slots true to the whole conversation (bot/conversation_triage.py).

It predicts no action. At the first prediction after each message of the person it returns
SlotSet events for concern_type, reporter_role and acute_danger where the conversation's
reading differs from what the latest message alone set. Rasa applies a policy's events
before the next action runs, so the acknowledgement, the advice and the handoff summary
already see the corrected values, without a call to the action server.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.answers import YES
from bot.conversation_triage import TurnReading, read_conversation, turn_reading
from bot.triage import NOT_APPLICABLE, TriageThresholds


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class ConversationTriagePolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Lowest priority, and it never predicts an action: it only corrects slots.
        return {"priority": 0, "role_threshold": TriageThresholds().role}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        events: List[Event] = []
        if tracker.latest_action_name == ACTION_LISTEN_NAME and tracker.latest_message:
            events = self._corrections(tracker)
        return self._prediction(self._default_predictions(domain), events=events)

    def _corrections(self, tracker: DialogueStateTracker) -> List[Event]:
        turns = _readings(_this_session(tracker.applied_events()))
        if not turns:
            return []
        reading = read_conversation(turns, self.config["role_threshold"])
        wanted: Dict[str, Any] = {}
        if reading.concern_type:
            wanted["concern_type"] = reading.concern_type
        if reading.reporter_role:
            wanted["reporter_role"] = reading.reporter_role
            if reading.reporter_role != "slachtoffer" and not tracker.get_slot("safety_can_chat"):
                wanted["safety_can_chat"] = NOT_APPLICABLE
        if reading.danger_over and tracker.get_slot("acute_danger") is True:
            wanted["acute_danger"] = False  # released: the conversation can go on
        elif reading.danger_now and tracker.active_loop_name != "danger_form":
            # "shit ik hoor de sleutel" read as "ik moet stoppen" in the middle of the questions:
            # the leave text (with 112) answers, and the slot still says danger, for the queue.
            # (During the danger question the slot would end it with the 112 text alone.)
            wanted["acute_danger"] = True
        back = reading.danger_over or tracker.latest_message.intent.get("name") == "danger_over"
        if back and tracker.get_slot("safety_can_chat") == "nee":
            # Back after having to stop ("ze is weg naar de markt, ik heb een uur"): writing again,
            # so chatting is safe now; the "no" of before would end the questions with how to
            # leave at every message.
            wanted["safety_can_chat"] = YES
        return [SlotSet(name, value) for name, value in wanted.items()
                if tracker.get_slot(name) != value]


def _readings(events: List[Event]) -> List[TurnReading]:
    """Each message's reading, marked when it was sent while a question of a form was open."""
    readings: List[TurnReading] = []
    asking = False
    for event in events:
        if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
            asking = event.value is not None
        elif isinstance(event, ActiveLoop) and event.name is None:
            asking = False
        elif isinstance(event, UserUttered):
            reading = turn_reading(event.parse_data)
            if reading:
                readings.append(dataclasses.replace(reading, answers_question=asking))
    return readings


def _this_session(events: List[Event]) -> List[Event]:
    starts = [i for i, event in enumerate(events) if isinstance(event, SessionStarted)]
    return events[starts[-1] + 1:] if starts else events
