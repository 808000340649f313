"""Dutch words for what the console shows: concern types, roles, priorities, times."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple
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
                "not_picked_up": "Niet opgepakt", "stopped": "Gestopt door de persoon"}
CHANNEL = {"socketio": "Website", "whatsapp": "WhatsApp", "telegram": "Telegram",
           "rest": "REST"}
AUTHOR = {"person": "Persoon", "bot": "Bot", "counsellor": "Medewerker", "system": "Systeem"}


def channel(name: Any) -> str:
    return CHANNEL.get(name, name) if name else "onbekend"


def pseudonym(conversation_id: str) -> str:
    """A short, stable name for the person in a conversation, e.g. 'P-7KQ2MX'. Messaging
    channels' conversation ids are already pseudonyms (bot/channels/pseudonym.py), never a
    phone number; this only makes them short enough to say to a colleague."""
    digest = hashlib.sha256(conversation_id.encode("utf-8")).digest()
    return "P-" + base64.b32encode(digest).decode("ascii")[:6]


def reply_window(zone: ZoneInfo, closes: Optional[datetime], now: datetime) -> Optional[Dict[str, Any]]:
    """What the console says about WhatsApp's 24-hour window, or None without one."""
    if closes is None:
        return None
    when = local_time(zone, closes)
    if now < closes:
        return {"open": True, "closes": when,
                "text": f"WhatsApp: je kunt antwoorden tot {when}. Daarna komt een bericht pas "
                        "weer aan als de persoon zelf iets stuurt."}
    return {"open": False, "closes": when,
            "text": f"Het WhatsApp-venster is dicht sinds {when}: je bericht komt niet aan. "
                    "Pas als de persoon weer iets stuurt, kun je antwoorden."}


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
        ("Veilig om te chatten", _answer(summary.get("safety_can_chat"))),
        ("Eerste bericht", summary.get("first_message") or ""),
    ]
