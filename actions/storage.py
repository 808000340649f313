"""What is kept and for how long, said from settings.yml `retention:` (never a copy in a text)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import get_settings
from bot.retention import describe_for_person


class ActionTellStorage(Action):
    def name(self) -> Text:
        return "action_tell_storage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_storage",
                                 **describe_for_person(get_settings().retention))
        return []
