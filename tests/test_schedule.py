"""Tests of the chat schedule, built from the real settings.yml with an injected clock.

Every moment is an explicit, time-zone-aware datetime, so the machine's own time zone and
the current date never matter.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FAKE_NOW_ENV_VAR, clock_from_env
from bot.schedule import ChatSchedule, describe_opening
from bot.settings import DEFAULT_SETTINGS_PATH, load_settings

AMS = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc


def ams(year, month, day, hour=0, minute=0):
    """A moment on the Dutch wall clock."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


def utc(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def settings():
    # The real settings.yml, even when VT_SETTINGS points elsewhere.
    return load_settings(DEFAULT_SETTINGS_PATH)


@pytest.fixture(scope="module")
def schedule(settings):
    return ChatSchedule(settings.chat)


# --- opening-hour edges on an ordinary Wednesday ------------------------------------------

# (hour, minute, is_open, accepts_handoff) on Wednesday 2026-12-02, Amsterdam time.
WEDNESDAY_EDGES = [
    (0, 0, False, False),
    (8, 59, False, False),
    (9, 0, True, True),
    (12, 0, True, True),
    (16, 44, True, True),
    (16, 45, True, False),  # 15-minute closing margin: still staffed, no new handoff
    (16, 59, True, False),
    (17, 0, False, False),
    (23, 59, False, False),
]


def test_edge_day_is_an_ordinary_wednesday(schedule):
    assert date(2026, 12, 2).weekday() == 2
    assert schedule.closure_reason(date(2026, 12, 2)) is None


@pytest.mark.parametrize("hour, minute, is_open, handoff", WEDNESDAY_EDGES)
def test_wednesday_edges_local_time(schedule, hour, minute, is_open, handoff):
    now = ams(2026, 12, 2, hour, minute)
    assert schedule.is_open(now) is is_open
    assert schedule.accepts_handoff(now) is handoff


@pytest.mark.parametrize("zone", [UTC, NEW_YORK, ZoneInfo("Asia/Tokyo")], ids=str)
@pytest.mark.parametrize("hour, minute, is_open, handoff", WEDNESDAY_EDGES)
def test_same_instant_in_other_zones_gives_same_answer(schedule, zone, hour, minute, is_open, handoff):
    now = ams(2026, 12, 2, hour, minute).astimezone(zone)
    assert now.tzinfo is zone
    assert schedule.is_open(now) is is_open
    assert schedule.accepts_handoff(now) is handoff


@pytest.mark.parametrize("hour, minute, is_open", [(7, 59, False), (8, 0, True), (15, 59, True), (16, 0, False)])
def test_utc_times_in_winter(schedule, hour, minute, is_open):
    # In December Amsterdam is UTC+1: 08:00 UTC = 09:00 local, 16:00 UTC = 17:00 local.
    assert schedule.is_open(utc(2026, 12, 2, hour, minute)) is is_open


@pytest.mark.parametrize(
    "method", ["is_open", "accepts_handoff", "next_opening"]
)
def test_naive_datetime_is_refused(schedule, method):
    with pytest.raises(ValueError, match="time-zone-aware"):
        getattr(schedule, method)(datetime(2026, 12, 2, 10, 0))


# --- daylight saving time switches ---------------------------------------------------------

# (moment, is_open). 2026-03-29 is CET->CEST, 2026-10-25 is CEST->CET (both Sundays).
DST_CASES = [
    # Spring: Friday before is CET (UTC+1), Monday after is CEST (UTC+2).
    (utc(2026, 3, 27, 7, 59), False),  # 08:59 CET
    (utc(2026, 3, 27, 8, 0), True),  # 09:00 CET
    (utc(2026, 3, 27, 15, 59), True),  # 16:59 CET
    (utc(2026, 3, 27, 16, 0), False),  # 17:00 CET
    (ams(2026, 3, 29, 12, 0), False),  # the Sunday of the switch
    (ams(2026, 3, 30, 9, 0), True),
    (utc(2026, 3, 30, 6, 59), False),  # 08:59 CEST
    (utc(2026, 3, 30, 7, 0), True),  # 09:00 CEST
    (utc(2026, 3, 30, 14, 59), True),  # 16:59 CEST
    (utc(2026, 3, 30, 15, 0), False),  # 17:00 CEST
    # Autumn: Friday before is CEST (UTC+2), Monday after is CET (UTC+1).
    (utc(2026, 10, 23, 6, 59), False),  # 08:59 CEST
    (utc(2026, 10, 23, 7, 0), True),  # 09:00 CEST
    (utc(2026, 10, 23, 15, 0), False),  # 17:00 CEST
    (ams(2026, 10, 25, 12, 0), False),  # the Sunday of the switch
    (ams(2026, 10, 26, 9, 0), True),
    (utc(2026, 10, 26, 7, 0), False),  # 08:00 CET
    (utc(2026, 10, 26, 7, 59), False),  # 08:59 CET
    (utc(2026, 10, 26, 8, 0), True),  # 09:00 CET
    (utc(2026, 10, 26, 15, 59), True),  # 16:59 CET
    (utc(2026, 10, 26, 16, 0), False),  # 17:00 CET
]


@pytest.mark.parametrize("now, is_open", DST_CASES, ids=lambda v: v.isoformat() if isinstance(v, datetime) else None)
def test_dst_switches(schedule, now, is_open):
    assert schedule.is_open(now) is is_open


@pytest.mark.parametrize(
    "now, expected_iso",
    [
        (ams(2026, 3, 28, 12, 0), "2026-03-30T09:00:00+02:00"),  # over the spring switch
        (ams(2026, 3, 27, 17, 0), "2026-03-30T09:00:00+02:00"),
        (ams(2026, 10, 24, 12, 0), "2026-10-26T09:00:00+01:00"),  # over the autumn switch
        (ams(2026, 10, 23, 17, 0), "2026-10-26T09:00:00+01:00"),
    ],
)
def test_next_opening_across_dst_switch(schedule, now, expected_iso):
    assert schedule.next_opening(now).isoformat() == expected_iso


# --- national holidays ---------------------------------------------------------------------

# (date, holiday name). Closed at 10:00 local on each, whatever the weekday.
HOLIDAYS_2026 = [
    (date(2026, 1, 1), "Nieuwjaarsdag"),  # Thursday
    (date(2026, 4, 5), "Eerste paasdag"),  # Sunday
    (date(2026, 4, 6), "Tweede paasdag"),  # Monday
    (date(2026, 4, 27), "Koningsdag"),  # Monday
    (date(2026, 5, 14), "Hemelvaartsdag"),  # Thursday
    (date(2026, 5, 24), "Eerste Pinksterdag"),  # Sunday
    (date(2026, 5, 25), "Tweede Pinksterdag"),  # Monday
    (date(2026, 12, 25), "Eerste Kerstdag"),  # Friday
    (date(2026, 12, 26), "Tweede Kerstdag"),  # Saturday
]
HOLIDAYS_2030 = [
    (date(2030, 1, 1), "Nieuwjaarsdag"),  # Tuesday
    (date(2030, 4, 21), "Eerste paasdag"),  # Sunday
    (date(2030, 4, 22), "Tweede paasdag"),  # Monday
    (date(2030, 4, 27), "Koningsdag"),  # Saturday
    (date(2030, 5, 5), "Bevrijdingsdag"),  # Sunday, lustrum year
    (date(2030, 5, 30), "Hemelvaartsdag"),  # Thursday
    (date(2030, 6, 9), "Eerste Pinksterdag"),  # Sunday
    (date(2030, 6, 10), "Tweede Pinksterdag"),  # Monday
    (date(2030, 12, 25), "Eerste Kerstdag"),  # Wednesday
    (date(2030, 12, 26), "Tweede Kerstdag"),  # Thursday
]


def test_holiday_tables_cover_every_configured_holiday(settings):
    assert {name for _, name in HOLIDAYS_2030} == settings.chat.closed_on_holidays
    # Bevrijdingsdag is missing in 2026 only because 2026 is not a lustrum year.
    assert {name for _, name in HOLIDAYS_2026} == settings.chat.closed_on_holidays - {"Bevrijdingsdag"}


@pytest.mark.parametrize("day, name", HOLIDAYS_2026 + HOLIDAYS_2030, ids=str)
def test_holiday_closes_chat(schedule, day, name):
    now = ams(day.year, day.month, day.day, 10, 0)
    assert schedule.is_open(now) is False
    assert schedule.accepts_handoff(now) is False
    assert schedule.closure_reason(day) == name


def test_bevrijdingsdag_2030_is_a_sunday_and_named_as_holiday(schedule):
    assert date(2030, 5, 5).weekday() == 6
    # The holiday name wins over the generic weekend reason.
    assert schedule.closure_reason(date(2030, 5, 5)) == "Bevrijdingsdag"


@pytest.mark.parametrize(
    "day, weekday",
    [
        (date(2026, 5, 5), 1),  # Bevrijdingsdag, not a lustrum year: Tuesday, open
        (date(2026, 4, 3), 4),  # Goede Vrijdag: deliberately not in the list
        (date(2027, 5, 5), 2),  # Bevrijdingsdag 2027: Wednesday, open
        (date(2026, 12, 24), 3),  # Christmas Eve is not a holiday
        (date(2026, 12, 31), 3),  # New Year's Eve is not a holiday
    ],
    ids=str,
)
def test_working_days_that_are_not_closing_holidays_are_open(schedule, day, weekday):
    assert day.weekday() == weekday
    now = ams(day.year, day.month, day.day, 10, 0)
    assert schedule.closure_reason(day) is None
    assert schedule.is_open(now) is True
    assert schedule.accepts_handoff(now) is True


def test_koningsdag_2025_moved_to_saturday(schedule):
    # 27 April 2025 was a Sunday, so Koningsdag fell on Saturday 26 April.
    assert date(2025, 4, 27).weekday() == 6
    assert date(2025, 4, 26).weekday() == 5
    assert schedule.closure_reason(date(2025, 4, 26)) == "Koningsdag"
    assert schedule.closure_reason(date(2025, 4, 27)) == "weekend of vaste sluitingsdag"


# --- weekends ------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 12, 5), date(2026, 12, 6), date(2026, 6, 13), date(2026, 6, 14)], ids=str)
@pytest.mark.parametrize("hour", [0, 9, 12, 16])
def test_weekends_closed(schedule, day, hour):
    assert day.weekday() in (5, 6)
    now = ams(day.year, day.month, day.day, hour)
    assert schedule.is_open(now) is False
    assert schedule.accepts_handoff(now) is False
    assert schedule.closure_reason(day) is not None


# --- next opening --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, expected",
    [
        # Easter 2026: Good Friday open, Easter Monday closed.
        (ams(2026, 4, 2, 17, 30), ams(2026, 4, 3, 9)),
        (ams(2026, 4, 3, 17, 30), ams(2026, 4, 7, 9)),
        # Christmas 2026: 25 Dec (Friday) closed, 26 Dec is a Saturday anyway.
        (ams(2026, 12, 24, 17, 30), ams(2026, 12, 28, 9)),
        # Around New Year: 31 Dec is open, 1 Jan 2027 (Friday) closed.
        (ams(2026, 12, 30, 17, 0), ams(2026, 12, 31, 9)),
        (ams(2026, 12, 31, 17, 0), ams(2027, 1, 4, 9)),
        # Ascension Thursday 2026-05-14 closed.
        (ams(2026, 5, 13, 17, 30), ams(2026, 5, 15, 9)),
        (ams(2026, 5, 14, 10, 0), ams(2026, 5, 15, 9)),
        # Whit Monday 2026-05-25 closed.
        (ams(2026, 5, 22, 17, 30), ams(2026, 5, 26, 9)),
        # Koningsdag 2026 (Monday 27 April) closed.
        (ams(2026, 4, 24, 17, 0), ams(2026, 4, 28, 9)),
        # Ordinary days: during hours -> next day, before opening -> same day.
        (ams(2026, 12, 2, 10, 0), ams(2026, 12, 3, 9)),
        (ams(2026, 12, 2, 9, 0), ams(2026, 12, 3, 9)),
        (ams(2026, 12, 2, 8, 0), ams(2026, 12, 2, 9)),
        (ams(2026, 12, 2, 8, 59), ams(2026, 12, 2, 9)),
        (ams(2026, 12, 2, 0, 0), ams(2026, 12, 2, 9)),
        # Weekend -> Monday.
        (ams(2026, 12, 4, 17, 0), ams(2026, 12, 7, 9)),
        (ams(2026, 12, 6, 23, 59), ams(2026, 12, 7, 9)),
    ],
    ids=lambda v: v.strftime("%a %Y-%m-%d %H:%M"),
)
def test_next_opening(schedule, now, expected):
    opening = schedule.next_opening(now)
    assert opening == expected
    assert opening > now
    assert opening.tzinfo is AMS
    # The same instant given in another zone gives the same answer.
    assert schedule.next_opening(now.astimezone(NEW_YORK)) == expected
    assert schedule.next_opening(now.astimezone(UTC)) == expected


def test_next_opening_always_after_now_and_in_amsterdam(schedule):
    # Every 30 minutes through a year including Easter, DST switches and Christmas.
    now = utc(2026, 1, 1)
    while now < utc(2027, 1, 8):
        opening = schedule.next_opening(now)
        assert opening > now
        assert opening.tzinfo is AMS
        assert (opening.hour, opening.minute) == (9, 0)
        assert schedule.is_open(opening)
        assert schedule.accepts_handoff(opening)
        assert not schedule.is_open(opening - timedelta(minutes=1))
        now += timedelta(minutes=30)


# --- describe_opening ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, expected",
    [
        (ams(2026, 12, 2, 8, 0), "vandaag om 9.00 uur"),
        (ams(2026, 12, 2, 17, 0), "morgen om 9.00 uur"),
        # After midnight the same day's opening is "vandaag", even when now is given in UTC.
        (utc(2026, 12, 1, 23, 30), "vandaag om 9.00 uur"),
        (utc(2026, 12, 1, 22, 30), "morgen om 9.00 uur"),
        (ams(2026, 11, 27, 17, 30), "op maandag 30 november om 9.00 uur"),
        (ams(2026, 12, 24, 17, 30), "op maandag 28 december om 9.00 uur"),
        (ams(2026, 12, 31, 17, 0), "op maandag 4 januari om 9.00 uur"),
        (ams(2026, 4, 3, 17, 30), "op dinsdag 7 april om 9.00 uur"),
        (ams(2026, 5, 13, 17, 30), "op vrijdag 15 mei om 9.00 uur"),
        (ams(2026, 3, 28, 12, 0), "op maandag 30 maart om 9.00 uur"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.isoformat(),
)
def test_describe_next_opening(schedule, now, expected):
    assert describe_opening(schedule.next_opening(now), now) == expected


@pytest.mark.parametrize(
    "opening, expected",
    [
        (ams(2026, 12, 9, 9, 30), "op woensdag 9 december om 9.30 uur"),
        (ams(2026, 6, 13, 13, 5), "op zaterdag 13 juni om 13.05 uur"),
        (ams(2026, 8, 2, 10, 0), "op zondag 2 augustus om 10.00 uur"),
        (ams(2026, 12, 3, 8, 0), "morgen om 8.00 uur"),
    ],
)
def test_describe_opening_names_and_clock(opening, expected):
    assert describe_opening(opening, ams(2026, 12, 2, 12, 0)) == expected


# --- extra closed dates --------------------------------------------------------------------


@pytest.fixture
def schedule_closed_dec_2(settings):
    chat = dataclasses.replace(settings.chat, extra_closed_dates=frozenset({date(2026, 12, 2)}))
    return ChatSchedule(chat)


def test_extra_closed_date_closes_the_day(schedule_closed_dec_2, schedule):
    now = ams(2026, 12, 2, 10, 0)
    assert schedule.is_open(now) is True  # the real settings keep it open
    assert schedule_closed_dec_2.is_open(now) is False
    assert schedule_closed_dec_2.accepts_handoff(now) is False
    assert schedule_closed_dec_2.closure_reason(date(2026, 12, 2)) == "extra gesloten dag"
    assert schedule_closed_dec_2.is_open(ams(2026, 12, 3, 10, 0)) is True


@pytest.mark.parametrize(
    "now, expected",
    [
        (ams(2026, 12, 1, 17, 0), ams(2026, 12, 3, 9)),
        (ams(2026, 12, 2, 8, 0), ams(2026, 12, 3, 9)),
    ],
)
def test_next_opening_skips_extra_closed_date(schedule_closed_dec_2, now, expected):
    assert schedule_closed_dec_2.next_opening(now) == expected


# --- clock_from_env ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-30T10:00:00+01:00", ams(2026, 11, 30, 10)),
        ("2026-11-30T09:00:00+00:00", ams(2026, 11, 30, 10)),
        ("2026-07-01T16:50:00+02:00", ams(2026, 7, 1, 16, 50)),
    ],
)
def test_clock_from_env_fake_now(monkeypatch, value, expected):
    monkeypatch.setenv(FAKE_NOW_ENV_VAR, value)
    clock = clock_from_env()
    assert clock() == expected
    assert clock() == clock()  # pinned: does not move
    assert clock().utcoffset() is not None


def test_clock_from_env_fake_now_drives_schedule(monkeypatch, schedule):
    monkeypatch.setenv(FAKE_NOW_ENV_VAR, "2026-12-02T16:50:00+01:00")
    now = clock_from_env()()
    assert schedule.is_open(now) is True
    assert schedule.accepts_handoff(now) is False


@pytest.mark.parametrize("unset", [True, False], ids=["unset", "empty"])
def test_clock_from_env_system_clock(monkeypatch, unset):
    if unset:
        monkeypatch.delenv(FAKE_NOW_ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(FAKE_NOW_ENV_VAR, "")
    before = datetime.now(UTC)
    now = clock_from_env()()
    after = datetime.now(UTC)
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


@pytest.mark.parametrize("value", ["2026-11-30T10:00:00", "2026-11-30 10:00", "tomorrow"])
def test_clock_from_env_refuses_naive_or_bad_value(monkeypatch, value):
    monkeypatch.setenv(FAKE_NOW_ENV_VAR, value)
    with pytest.raises(ValueError):
        clock_from_env()


def test_clock_from_env_naive_value_message(monkeypatch):
    monkeypatch.setenv(FAKE_NOW_ENV_VAR, "2026-11-30T10:00:00")
    with pytest.raises(ValueError, match="time zone offset"):
        clock_from_env()
