"""When the chat is staffed, whether a handoff may start, and when it opens next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Optional

import holidays

from bot.settings import ChatSettings

# Far enough to pass any realistic closure (Christmas + weekend, a long extra closure).
MAX_DAYS_AHEAD = 60

DUTCH_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
DUTCH_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> dict:
    return dict(holidays.country_holidays("NL", years=year, language="nl"))


@dataclass(frozen=True)
class ChatSchedule:
    settings: ChatSettings

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("a time-zone-aware datetime is required")
        return moment.astimezone(self.settings.timezone)

    def closure_reason(self, day: date) -> Optional[str]:
        """Why the chat is closed all day on `day`, or None when it has opening hours."""
        if day in self.settings.extra_closed_dates:
            return "extra gesloten dag"
        name = _dutch_holidays(day.year).get(day)
        if name in self.settings.closed_on_holidays:
            return name
        if day.weekday() not in self.settings.opening_hours:
            return "weekend of vaste sluitingsdag"
        return None

    def _hours_on(self, day: date) -> Optional[tuple]:
        if self.closure_reason(day) is not None:
            return None
        opens, closes = self.settings.opening_hours[day.weekday()]
        tz = self.settings.timezone
        return (datetime.combine(day, opens, tz), datetime.combine(day, closes, tz))

    def is_open(self, now: datetime) -> bool:
        """True while counsellors staff the chat."""
        local = self._local(now)
        hours = self._hours_on(local.date())
        return hours is not None and hours[0] <= local < hours[1]

    def accepts_handoff(self, now: datetime) -> bool:
        """True when a new handoff may start: open, and not in the closing margin."""
        local = self._local(now)
        hours = self._hours_on(local.date())
        if hours is None:
            return False
        margin = timedelta(minutes=self.settings.handoff_closing_margin_minutes)
        return hours[0] <= local < hours[1] - margin

    def next_opening(self, now: datetime) -> datetime:
        """The next moment after `now` at which the chat opens (local time)."""
        local = self._local(now)
        for offset in range(MAX_DAYS_AHEAD + 1):
            hours = self._hours_on(local.date() + timedelta(days=offset))
            if hours is not None and hours[0] > local:
                return hours[0]
        raise RuntimeError(f"the chat does not open in the next {MAX_DAYS_AHEAD} days")


def describe_opening(opening: datetime, now: datetime) -> str:
    """Dutch words for an opening time: 'morgen om 9.00 uur', 'op maandag 30 november om 9.00 uur'."""
    if now.tzinfo is None or opening.tzinfo is None:
        raise ValueError("time-zone-aware datetimes are required")
    local_now = now.astimezone(opening.tzinfo)
    clock = f"{opening.hour}.{opening.minute:02d} uur"
    days = (opening.date() - local_now.date()).days
    if days == 0:
        return f"vandaag om {clock}"
    if days == 1:
        return f"morgen om {clock}"
    weekday = DUTCH_WEEKDAYS[opening.weekday()]
    month = DUTCH_MONTHS[opening.month - 1]
    return f"op {weekday} {opening.day} {month} om {clock}"
