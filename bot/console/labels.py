"""Dutch words for what the console shows: concern types, roles, priorities, times."""

from __future__ import annotations

from datetime import datetime
from typing import Any, List, Mapping, Tuple
from zoneinfo import ZoneInfo

CONCERN = {
    "kindermishandeling": "Kindermishandeling", "partnergeweld": "Partnergeweld",
    "ouderenmishandeling": "Ouderenmishandeling", "seksueel_geweld": "Seksueel geweld",
    "schadelijke_praktijken": "Schadelijke praktijken", "huiselijk_geweld": "Huiselijk geweld",
}
ROLE = {"omstander": "Omstander", "slachtoffer": "Slachtoffer", "professional": "Professional",
        "pleger": "Bang voor eigen gedrag"}
PRIORITY = {0: "Acuut gevaar", 1: "Kinderen betrokken", 2: "Gewoon"}
CLOSE_REASON = {"ended": "Afgesloten door medewerker", "withdrawn": "Gestopt met wachten",
                "not_picked_up": "Niet opgepakt"}
AUTHOR = {"person": "Persoon", "bot": "Bot", "counsellor": "Medewerker", "system": "Systeem"}


def local_time(zone: ZoneInfo, moment: datetime) -> str:
    return moment.astimezone(zone).strftime("%d-%m-%Y %H:%M")


def minutes_since(moment: datetime, now: datetime) -> int:
    return max(0, int((now - moment).total_seconds() // 60))


def _yes_no(value: Any) -> str:
    return {True: "ja", False: "nee", None: "onbekend"}.get(value, str(value))


def _answer(value: Any) -> str:
    """A slot value as words: 'niet_van_toepassing' -> 'niet van toepassing'."""
    return str(value).replace("_", " ") if value not in (None, "") else "onbekend"


def summary_lines(summary: Mapping[str, Any]) -> List[Tuple[str, str]]:
    """The bot's triage summary as (label, value) pairs, in the order a counsellor reads it."""
    concern = summary.get("concern_type")
    role = summary.get("reporter_role")
    return [
        ("Acuut gevaar", _yes_no(summary.get("acute_danger"))),
        ("Zorg", CONCERN.get(concern, concern or "onbekend")),
        ("Wie schrijft", ROLE.get(role, role or "onbekend")),
        ("Kinderen betrokken", _answer(summary.get("children_involved"))),
        ("Hoe lang al", _answer(summary.get("concern_duration"))),
        ("Met iemand over gepraat", _answer(summary.get("talked_to_someone"))),
        ("Veilig om te chatten", _answer(summary.get("safety_can_chat"))),
        ("Eerste bericht", summary.get("first_message") or ""),
    ]
