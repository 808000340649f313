"""Choices on channels without buttons: the bot's buttons become a numbered list, and the
person answers with the number or with the words of a choice."""

from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Optional, Sequence

Button = Mapping[str, Any]
# After these the old choices no longer apply.
_NEW_TURN = frozenset({"user", "restart", "session_started"})
HINT = "Antwoord met een nummer of in je eigen woorden."


def numbered(text: str, buttons: Sequence[Button]) -> str:
    """The question, its choices as '1. Ja' lines, and how to answer. Single line breaks only:
    Rasa's Telegram and Twilio outputs send each paragraph (blank-line split) separately."""
    lines = [text.strip()]
    lines += [f"{number}. {button.get('title', '')}" for number, button in enumerate(buttons, 1)]
    lines.append(HINT)
    return "\n".join(lines)


def paragraphs(text: str, max_chars: int) -> List[str]:
    """A text as the messages Rasa's Telegram and Twilio outputs make of it (one per blank-line
    separated paragraph), without the empty ones both platforms refuse, and a paragraph longer
    than the platform takes (WhatsApp 1,600 characters, Telegram 4,096) cut at a space."""
    messages: List[str] = []
    for part in (part.strip() for part in text.split("\n\n")):
        while len(part) > max_chars:
            cut = part.rfind(" ", 0, max_chars + 1)
            cut = cut if cut > 0 else max_chars
            messages.append(part[:cut].rstrip())
            part = part[cut:].strip()
        if part:
            messages.append(part)
    return messages


def _normal(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .!?):")


def resolve(answer: str, buttons: Sequence[Button]) -> Optional[str]:
    """The payload of the choice the person meant ('2', '2.', 'nee, nu niet'), or None when the
    answer is not one of the choices (then the bot reads it as free text)."""
    said = _normal(answer)
    if said.isdigit():
        number = int(said)
        return str(buttons[number - 1]["payload"]) if 1 <= number <= len(buttons) else None
    for button in buttons:
        if said and _normal(str(button.get("title", ""))) == said:
            return str(button["payload"])
    return None


def open_choices(events: Iterable[Mapping[str, Any]]) -> Sequence[Button]:
    """The buttons of the bot's latest question since the person last wrote, from the
    conversation's events as dicts (Rasa's `event.as_dict()`), oldest first."""
    current: Sequence[Button] = ()
    for event in events:
        if event.get("event") in _NEW_TURN:
            current = ()
        elif event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons")
            if buttons:
                current = buttons
    return current
