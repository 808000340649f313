"""Tests of load_settings: the real settings.yml loads, and each kind of mistake is refused
at start-up with a message that names the problem."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from bot.schedule import ChatSchedule
from bot.settings import (
    DEFAULT_SETTINGS_PATH,
    SETTINGS_ENV_VAR,
    SettingsError,
    known_holiday_names,
    load_settings,
)

REPO = Path(__file__).resolve().parent.parent
REAL_SETTINGS = REPO / "settings.yml"
REAL_TEXT = REAL_SETTINGS.read_text(encoding="utf-8")
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def variant(old: str, new: str) -> str:
    """The real settings text with exactly one snippet replaced."""
    assert REAL_TEXT.count(old) == 1, f"snippet not found exactly once: {old!r}"
    return REAL_TEXT.replace(old, new)


@pytest.fixture
def write(tmp_path):
    def _write(text: str, name: str = "settings.yml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True)
def no_settings_env(monkeypatch):
    monkeypatch.delenv(SETTINGS_ENV_VAR, raising=False)
    monkeypatch.delenv("VT_DATABASE_URL", raising=False)
    monkeypatch.delenv("VT_RASA_URL", raising=False)


# --- the real file -------------------------------------------------------------------------


def test_default_path_is_the_real_file():
    assert DEFAULT_SETTINGS_PATH == REAL_SETTINGS


@pytest.mark.parametrize("path", [None, REAL_SETTINGS, str(REAL_SETTINGS)], ids=["default", "path", "str"])
def test_real_settings_load(path):
    chat = load_settings(path).chat
    assert chat.timezone.key == "Europe/Amsterdam"
    assert sorted(chat.opening_hours) == [0, 1, 2, 3, 4]
    assert set(chat.opening_hours.values()) == {(time(9, 0), time(17, 0))}
    assert chat.handoff_closing_margin_minutes == 15
    assert len(chat.closed_on_holidays) == 10
    assert "Goede Vrijdag" not in chat.closed_on_holidays
    assert chat.closed_on_holidays <= known_holiday_names()
    assert chat.extra_closed_dates == frozenset()


def test_known_holiday_names_include_lustrum_and_good_friday():
    names = known_holiday_names()
    assert {"Bevrijdingsdag", "Goede Vrijdag", "Koningsdag", "Nieuwjaarsdag"} <= names
    assert "Sinterklaas" not in names


# --- bad files -----------------------------------------------------------------------------

BAD_FILES = [
    pytest.param("chat: [unclosed\n  timezone: :\n", "not valid YAML", id="not-yaml"),
    pytest.param("", "top-level 'chat:' section", id="empty-file"),
    pytest.param("- just\n- a list\n", "top-level 'chat:' section", id="list-not-mapping"),
    pytest.param(REAL_TEXT.replace("chat:", "chats:", 1), "top-level 'chat:' section", id="no-chat-section"),
    pytest.param(variant("timezone: Europe/Amsterdam", "timezone: Europe/Utrecht"),
                 "unknown time zone 'Europe/Utrecht'", id="unknown-timezone"),
    pytest.param(variant("timezone: Europe/Amsterdam", "timezone: 1"),
                 "chat.timezone must be a time zone name", id="timezone-not-a-string"),
    pytest.param(variant("    monday:", "    maandag:"), "unknown weekday(s) ['maandag']", id="unknown-weekday"),
    pytest.param(variant('monday: ["09:00", "17:00"]', 'monday: ["17:00", "09:00"]'),
                 "chat.opening_hours.monday: opening time must be before closing time", id="opens-after-closes"),
    pytest.param(variant('tuesday: ["09:00", "17:00"]', 'tuesday: ["09:00", "09:00"]'),
                 "chat.opening_hours.tuesday: opening time must be before closing time", id="opens-equals-closes"),
    pytest.param(variant('monday: ["09:00", "17:00"]', "monday: [9:00, 17:00]"),
                 'chat.opening_hours.monday: expected a time as "HH:MM", got 540', id="unquoted-time-read-as-int"),
    pytest.param(variant('friday: ["09:00", "17:00"]', 'friday: ["9h", "17:00"]'),
                 "chat.opening_hours.friday: expected a time as \"HH:MM\", got '9h'", id="time-9h"),
    pytest.param(variant('friday: ["09:00", "17:00"]', 'friday: ["09:00", "25:00"]'),
                 "got '25:00'", id="hour-25"),
    pytest.param(variant('friday: ["09:00", "17:00"]', 'friday: ["09:00"]'),
                 "chat.opening_hours.friday: expected [\"HH:MM\", \"HH:MM\"] or null", id="one-time-only"),
    pytest.param(variant("handoff_closing_margin_minutes: 15", "handoff_closing_margin_minutes: -5"),
                 "handoff_closing_margin_minutes must be a whole number", id="negative-margin"),
    pytest.param(variant("handoff_closing_margin_minutes: 15", 'handoff_closing_margin_minutes: "15"'),
                 "handoff_closing_margin_minutes must be a whole number", id="margin-as-string"),
    pytest.param(variant("handoff_closing_margin_minutes: 15", "handoff_closing_margin_minutes: 7.5"),
                 "handoff_closing_margin_minutes must be a whole number", id="margin-as-float"),
    pytest.param(variant("handoff_closing_margin_minutes: 15", "handoff_closing_margin_minutes: true"),
                 "handoff_closing_margin_minutes must be a whole number", id="margin-as-bool"),
    pytest.param(variant("handoff_closing_margin_minutes: 15", "handoff_closing_margin_minutes: 241"),
                 "(0-240)", id="margin-too-large"),
    pytest.param(variant("    - Koningsdag\n", "    - Koningsdag\n    - Sinterklaas\n"),
                 "unknown holiday name(s) ['Sinterklaas']", id="unknown-holiday"),
    pytest.param(variant("    - Koningsdag\n", "    - koningsdag\n"),
                 "unknown holiday name(s) ['koningsdag']", id="holiday-wrong-case"),
    pytest.param(variant("extra_closed_dates: []", 'extra_closed_dates: ["not-a-date"]'),
                 "chat.extra_closed_dates: not a date: 'not-a-date'", id="extra-date-not-a-date"),
    pytest.param(variant("extra_closed_dates: []", "extra_closed_dates: 2026-12-02"),
                 "chat.extra_closed_dates must be a list", id="extra-dates-not-a-list"),
]


@pytest.mark.parametrize("text, expected", BAD_FILES)
def test_bad_file_is_refused_with_clear_message(write, text, expected):
    path = write(text)
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message  # every message says which file is wrong


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yml"
    with pytest.raises(SettingsError, match="settings file not found") as info:
        load_settings(path)
    assert str(path) in str(info.value)


def test_unknown_holiday_message_lists_known_names(write):
    path = write(variant("    - Koningsdag\n", "    - Koningsdag\n    - Sinterklaas\n"))
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    message = str(info.value)
    assert "known: " in message
    for name in ("Goede Vrijdag", "Bevrijdingsdag", "Koningsdag", "Tweede Kerstdag"):
        assert name in message.split("known: ", 1)[1]


def test_settings_error_is_a_value_error():
    assert issubclass(SettingsError, ValueError)


# --- valid variations ----------------------------------------------------------------------


def test_extra_closed_dates_parsed(write):
    path = write(variant("extra_closed_dates: []", 'extra_closed_dates: [2026-12-02, "2026-12-09"]'))
    chat = load_settings(path).chat
    assert chat.extra_closed_dates == frozenset({date(2026, 12, 2), date(2026, 12, 9)})


def test_extra_closed_dates_may_be_empty(write):
    path = write(variant("extra_closed_dates: []", "extra_closed_dates:"))
    assert load_settings(path).chat.extra_closed_dates == frozenset()


def test_extra_closed_date_with_time_is_refused_or_honoured(write):
    # YAML reads `2026-12-02 10:00:00` as a datetime. Either refuse it at start-up or close
    # the day; silently accepting an entry that never matches is the worst of both.
    path = write(variant("extra_closed_dates: []", "extra_closed_dates: [2026-12-02 10:00:00]"))
    try:
        chat = load_settings(path).chat
    except SettingsError as exc:
        assert "extra_closed_dates" in str(exc)
        return
    assert ChatSchedule(chat).closure_reason(date(2026, 12, 2)) == "extra gesloten dag"


def test_missing_weekday_means_closed(write):
    path = write(variant('    friday: ["09:00", "17:00"]\n', ""))
    assert sorted(load_settings(path).chat.opening_hours) == [0, 1, 2, 3]


def test_saturday_can_be_opened(write):
    path = write(variant("saturday: null", 'saturday: ["10:00", "14:00"]'))
    assert load_settings(path).chat.opening_hours[5] == (time(10, 0), time(14, 0))


def test_margin_zero_is_allowed(write):
    path = write(variant("handoff_closing_margin_minutes: 15", "handoff_closing_margin_minutes: 0"))
    assert load_settings(path).chat.handoff_closing_margin_minutes == 0


# --- VT_SETTINGS ---------------------------------------------------------------------------


def test_env_var_points_at_another_file(monkeypatch, write):
    path = write(variant("handoff_closing_margin_minutes: 15", "handoff_closing_margin_minutes: 30"), "other.yml")
    monkeypatch.setenv(SETTINGS_ENV_VAR, str(path))
    assert load_settings().chat.handoff_closing_margin_minutes == 30


def test_env_var_pointing_at_missing_file_fails(monkeypatch, tmp_path):
    monkeypatch.setenv(SETTINGS_ENV_VAR, str(tmp_path / "missing.yml"))
    with pytest.raises(SettingsError, match="missing.yml"):
        load_settings()


def test_explicit_path_wins_over_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv(SETTINGS_ENV_VAR, str(tmp_path / "missing.yml"))
    assert load_settings(REAL_SETTINGS).chat.handoff_closing_margin_minutes == 15


# --- python -m bot.settings ----------------------------------------------------------------


def run_check(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != SETTINGS_ENV_VAR}
    return subprocess.run(
        [PYTHON, "-m", "bot.settings", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )


def test_cli_bad_file_exits_2(write):
    path = write(variant("timezone: Europe/Amsterdam", "timezone: Mars/Olympus"))
    result = run_check(str(path))
    assert result.returncode == 2
    assert "Settings error" in result.stderr
    assert "Mars/Olympus" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [(), (str(REAL_SETTINGS),)], ids=["default", "explicit"])
def test_cli_real_file_exits_0(args):
    result = run_check(*args)
    assert result.returncode == 0, result.stderr
    assert "Settings OK" in result.stdout
    assert "monday 09:00-17:00" in result.stdout
    assert "Europe/Amsterdam" in result.stdout
    assert "closed on 10 holidays" in result.stdout


# --- the handoff section ----------------------------------------------------------------------

def test_real_handoff_settings():
    handoff = load_settings(REAL_SETTINGS).handoff
    assert handoff.database_url == "sqlite:///var/tracker.db"
    assert handoff.max_wait_minutes == 10


@pytest.mark.parametrize("old, new, expected", [
    ("database_url: sqlite:///var/tracker.db", "database_url: var/tracker.db", "database_url"),
    ("max_wait_minutes: 10", "max_wait_minutes: 0", "max_wait_minutes"),
    ("max_wait_minutes: 10", "max_wait_minutes: tien", "max_wait_minutes"),
    ("handoff:", "handoff_typo:", "handoff"),
])
def test_bad_handoff_settings_are_refused(write, old, new, expected):
    with pytest.raises(SettingsError, match=expected):
        load_settings(write(variant(old, new)))


def test_database_url_env_var_overrides_the_file(monkeypatch):
    monkeypatch.setenv("VT_DATABASE_URL", "postgresql://vt@db.invalid/veilig_thuis")
    assert load_settings(REAL_SETTINGS).handoff.database_url == "postgresql://vt@db.invalid/veilig_thuis"


# --- the console and retention sections --------------------------------------------------------

def test_real_console_and_retention_settings():
    settings = load_settings(REAL_SETTINGS)
    console, retention = settings.console, settings.retention
    assert (console.host, console.port, console.rasa_url) == ("127.0.0.1", 5080, "http://localhost:5005")
    assert (console.session_idle_minutes, console.session_max_hours) == (60, 12)
    assert (console.lockout_after_failures, console.lockout_minutes) == (5, 15)
    assert console.secure_cookies is True
    assert (retention.transcript_days, retention.bot_only_hours, retention.audit_days,
            retention.purge_every_minutes) == (90, 2, 365, 15)


@pytest.mark.parametrize("old, new, expected", [
    ("port: 5080", "port: 70000", "console.port"),
    ("rasa_url: http://localhost:5005", "rasa_url: localhost:5005", "console.rasa_url"),
    ("secure_cookies: true", "secure_cookies: ja", "secure_cookies"),
    ("lockout_after_failures: 5", "lockout_after_failures: 0", "lockout_after_failures"),
    ("console:\n", "consol:\n", "console"),
    ("transcript_days: 90", "transcript_days: -1", "transcript_days"),
    ("bot_only_hours: 2", "bot_only_hours: twee", "bot_only_hours"),
    ("purge_every_minutes: 15", "purge_every_minutes: 0", "purge_every_minutes"),
    ("retention:\n", "retentie:\n", "retention"),
])
def test_bad_console_and_retention_settings_are_refused(write, old, new, expected):
    with pytest.raises(SettingsError, match=expected):
        load_settings(write(variant(old, new)))


def test_rasa_url_env_var_overrides_the_file(monkeypatch):
    monkeypatch.setenv("VT_RASA_URL", "http://rasa.internal:5005/")
    assert load_settings(REAL_SETTINGS).console.rasa_url == "http://rasa.internal:5005"
