"""What the person reads while a handoff runs: place in the queue, an honest estimate, and the
messages when a counsellor joins or leaves or nobody came. Dutch, B1, informal "je".

The bot's other texts live in domain.yml; these are sent by the action server and by the
console's handoff worker alike, so they live in one plain module both can use.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, List, Optional, Sequence

# Fewer recent pick-ups than this and an average says little: we say we don't know.
MIN_SAMPLES_FOR_ESTIMATE = 3
STOP_WAITING_PAYLOAD = "/stop_waiting"
STOP_WAITING_BUTTON = {"title": "Stop met wachten", "payload": STOP_WAITING_PAYLOAD}
SAFETY_LINE = "Bij direct gevaar: bel 112. Bellen met Veilig Thuis kan altijd: 0800-2000, gratis en dag en nacht."


@dataclass(frozen=True)
class Message:
    text: str
    buttons: Sequence[Dict[str, str]] = ()


def estimate_wait(position: int, recent_waits: Sequence[timedelta]) -> Optional[timedelta]:
    """Median pick-up time of recent handoffs times the place in the queue, or None when there
    are too few recent pick-ups to say anything honest."""
    if position < 1 or len(recent_waits) < MIN_SAMPLES_FOR_ESTIMATE:
        return None
    seconds = statistics.median(wait.total_seconds() for wait in recent_waits)
    return timedelta(seconds=seconds * position)


def _minutes(duration: timedelta) -> int:
    return max(1, math.ceil(duration.total_seconds() / 60))


def _minutes_text(count: int) -> str:
    return "1 minuut" if count == 1 else f"{count} minuten"


def queue_status(position: int, estimate: Optional[timedelta],
                 time_left: timedelta) -> Message:
    """Place in the queue, how long it may take, and that nobody waits forever."""
    left = _minutes_text(_minutes(time_left))
    lines = [f"Je bent nummer {position} in de wachtrij."]
    if estimate is None:
        lines.append("Hoe lang het duurt, kan ik nu niet goed zeggen.")
    elif estimate < time_left:
        lines.append(f"Het duurt naar verwachting ongeveer {_minutes_text(_minutes(estimate))}.")
    else:
        lines.append("Het is nu druk, dus het kan langer duren.")
    lines.append(f"Is er binnen {left} geen medewerker vrij? Dan hoor je dat van mij.")
    lines.append("Wil je niet meer wachten? Druk op 'Stop met wachten' of typ 'stop'.")
    return Message(" ".join(lines), buttons=(STOP_WAITING_BUTTON,))


def counsellor_joined(display_name: str) -> Message:
    return Message(f"Je praat nu met {display_name}, een medewerker van Veilig Thuis. "
                   f"{display_name} kan lezen wat je mij vertelde, dus je hoeft het niet "
                   "opnieuw te vertellen. Je kunt gewoon verder typen.")


def counsellor_ended() -> Message:
    return Message("De medewerker heeft het gesprek afgesloten. Dank je wel dat je ons "
                   "vertrouwde. Je kunt altijd terugkomen. " + SAFETY_LINE)


def not_picked_up(next_opening: Optional[str]) -> Message:
    """Nobody was free in time; `next_opening` is set when the chat has closed meanwhile."""
    if next_opening:
        first = ("Het spijt me: de chat is nu gesloten en er is geen medewerker meer vrij "
                 f"gekomen. De chat is weer open {next_opening}.")
    else:
        first = "Het spijt me: er is nu geen medewerker vrij gekomen."
    return Message(f"{first} Je verhaal is belangrijk. Bel gratis 0800-2000: daar zit dag en "
                   "nacht iemand voor je klaar, en je mag anoniem blijven. Bij direct gevaar: "
                   "bel 112. Je kunt ook hier verder praten met mij.")


def stopped_waiting() -> Message:
    return Message("Goed, je wacht niet meer. Je kunt altijd terugkomen. " + SAFETY_LINE)


def as_bot_events(messages: List[Message], metadata: Dict[str, str],
                  signal: Optional[Dict[str, Any]] = None) -> List[Dict]:
    """Rasa `bot` events for POST /conversations/{id}/tracker/events. A `signal` (see
    `handoff_signal`) rides along with the last message as a custom payload."""
    events = []
    for message in messages:
        data: Dict[str, Any] = {"buttons": list(message.buttons)} if message.buttons else {}
        events.append({"event": "bot", "text": message.text, "data": data,
                       "metadata": dict(metadata)})
    if signal is not None and events:
        events[-1]["data"]["custom"] = signal
    return events


# Channels whose Rasa output can carry a custom payload safely. Rasa 3.6's socket.io output
# emits it as keyword arguments of `sio.emit`, hence the {"data": ...} shape; Twilio's output
# would send it as a message and fail, so other channels get the texts only.
SIGNAL_CHANNELS = frozenset({"socketio"})


def handoff_signal(channel: Optional[str], state: str, **details: Any) -> Optional[Dict[str, Any]]:
    """What the website widget needs to show the handoff's state (waiting, claimed, ended,
    not_picked_up, withdrawn); None for channels that cannot take it."""
    if channel not in SIGNAL_CHANNELS:
        return None
    return {"data": {"handoff": state, **details}}
