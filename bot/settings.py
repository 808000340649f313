"""Loading and checking settings.yml: a bad file fails at start-up, never later."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Dict, FrozenSet, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

DEFAULT_SETTINGS_PATH = Path(__file__).resolve().parent.parent / "settings.yml"
SETTINGS_ENV_VAR = "VT_SETTINGS"
# Overrides handoff.database_url, so a production password never has to be in a file.
DATABASE_URL_ENV_VAR = "VT_DATABASE_URL"
# Overrides console.rasa_url (tests and other deployments run Rasa elsewhere).
RASA_URL_ENV_VAR = "VT_RASA_URL"
# Overrides site.quick_exit_url (tests use a local page: there is no internet there).
QUICK_EXIT_URL_ENV_VAR = "VT_QUICK_EXIT_URL"
# Overrides site.origins (comma-separated), e.g. for tests on other ports.
SITE_ORIGINS_ENV_VAR = "VT_SITE_ORIGINS"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SettingsError(ValueError):
    """The settings file is missing, malformed or has a value that makes no sense."""


@dataclass(frozen=True)
class ChatSettings:
    timezone: ZoneInfo
    # weekday (0 = Monday) -> (opens, closes); days without an entry are closed
    opening_hours: Mapping[int, Tuple[time, time]]
    handoff_closing_margin_minutes: int
    closed_on_holidays: FrozenSet[str]
    extra_closed_dates: FrozenSet[date]


@dataclass(frozen=True)
class HandoffSettings:
    # SQLAlchemy URL of the database that holds the handoff queue (the tracker store's).
    database_url: str
    max_wait_minutes: int


@dataclass(frozen=True)
class ConsoleSettings:
    # Where the counsellor console listens, and where it reaches the Rasa HTTP API.
    host: str
    port: int
    rasa_url: str
    # A console session ends after this long without a request (the chat page polls, so an
    # open chat keeps it alive), and after `session_max_hours` in any case.
    session_idle_minutes: int
    session_max_hours: int
    # Failed logins in a row from one address before that address may not log in with that
    # name for `lockout_minutes` (the name stays open from elsewhere).
    lockout_after_failures: int
    lockout_minutes: int
    # Failed logins a minute, from one address and from all together, before the console
    # answers "try again in a minute" without checking passwords (a flood costs no work).
    login_failures_per_source_per_minute: int
    login_failures_per_minute: int
    # Off only for local http:// development on a host other than localhost.
    secure_cookies: bool


@dataclass(frozen=True)
class RetentionSettings:
    transcript_days: int  # conversations that reached a counsellor
    bot_only_hours: int  # conversations without a handoff (hours: they are not kept for days)
    audit_days: int  # who read what; no message text in it
    purge_every_minutes: int  # the console purges on its own this often (once across processes)


@dataclass(frozen=True)
class LimitSettings:
    """Flood limits (bot/channels/flood_guard.py). Far above what a person typing reaches; a
    message over a limit is answered with 112 and 0800-2000, never dropped in silence."""
    messages_per_conversation_per_minute: int
    messages_per_connection_per_minute: int  # one socket.io connection
    messages_per_source_per_minute: int  # one address, all its conversations
    new_conversations_per_source_per_10_minutes: int
    waiting_handoffs_per_source: int  # at the same time, from one address


@dataclass(frozen=True)
class SiteSettings:
    # The information page with the chat widget (`make run`: http://localhost:8000/).
    host: str
    port: int
    # Where the widget's browser reaches Rasa's socket.io channel.
    socket_url: str
    # Where "Snel weg" (quick exit) sends the visitor: a neutral website.
    quick_exit_url: str
    # The origins (scheme://host:port) of the pages that carry the widget: the only ones whose
    # browsers Rasa's socket.io channel lets in.
    origins: Tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    chat: ChatSettings
    handoff: HandoffSettings
    console: ConsoleSettings
    retention: RetentionSettings
    site: SiteSettings
    limits: LimitSettings


def known_holiday_names() -> FrozenSet[str]:
    """All Dutch holiday names the `holidays` package uses for the Netherlands."""
    names = set()
    # A lustrum year and its neighbours cover every holiday the package knows for NL.
    for name in holidays.country_holidays("NL", years=range(2024, 2031), language="nl").values():
        names.add(name)
    return frozenset(names)


def load_settings(path: Optional[Path] = None) -> Settings:
    """Read and validate the settings file (VT_SETTINGS, else settings.yml)."""
    if path is None:
        path = Path(os.environ.get(SETTINGS_ENV_VAR) or DEFAULT_SETTINGS_PATH)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"settings file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"settings file {path} cannot be read as UTF-8 text: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"settings file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("chat"), dict):
        raise SettingsError(f"{path}: expected a top-level 'chat:' section")
    try:
        return Settings(chat=_parse_chat(raw["chat"]), handoff=_parse_handoff(raw.get("handoff")),
                        console=_parse_console(raw.get("console")),
                        retention=_parse_retention(raw.get("retention")),
                        site=_parse_site(raw.get("site")),
                        limits=_parse_limits(raw.get("limits")))
    except SettingsError as exc:
        raise SettingsError(f"{path}: {exc}") from exc


def _parse_chat(raw: Dict[str, Any]) -> ChatSettings:
    return ChatSettings(
        timezone=_parse_timezone(raw.get("timezone")),
        opening_hours=_parse_opening_hours(raw.get("opening_hours")),
        handoff_closing_margin_minutes=_parse_margin(raw.get("handoff_closing_margin_minutes")),
        closed_on_holidays=_parse_holidays(raw.get("closed_on_holidays", [])),
        extra_closed_dates=_parse_dates(raw.get("extra_closed_dates", [])),
    )


def _parse_handoff(raw: Any) -> HandoffSettings:
    if not isinstance(raw, dict):
        raise SettingsError("expected a 'handoff:' section with database_url and max_wait_minutes")
    url = os.environ.get(DATABASE_URL_ENV_VAR) or raw.get("database_url")
    if not isinstance(url, str) or "://" not in url:
        raise SettingsError("handoff.database_url must be a database URL such as sqlite:///var/tracker.db")
    wait = raw.get("max_wait_minutes")
    if isinstance(wait, bool) or not isinstance(wait, int) or not 1 <= wait <= 240:
        raise SettingsError("handoff.max_wait_minutes must be a whole number of minutes (1-240)")
    return HandoffSettings(database_url=url, max_wait_minutes=wait)


def _whole_number(section: Dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{where}.{key} must be a whole number from {low} to {high}")
    return value


def _parse_console(raw: Any) -> ConsoleSettings:
    if not isinstance(raw, dict):
        raise SettingsError("expected a 'console:' section (host, port, rasa_url, ...)")
    host, rasa_url = raw.get("host"), os.environ.get(RASA_URL_ENV_VAR) or raw.get("rasa_url")
    if not isinstance(host, str) or not host:
        raise SettingsError("console.host must be a host name or address such as 127.0.0.1")
    if not isinstance(rasa_url, str) or not rasa_url.startswith(("http://", "https://")):
        raise SettingsError("console.rasa_url must be an http(s) URL such as http://localhost:5005")
    if not isinstance(raw.get("secure_cookies"), bool):
        raise SettingsError("console.secure_cookies must be true or false")
    return ConsoleSettings(
        host=host, port=_whole_number(raw, "port", "console", 1, 65535),
        rasa_url=rasa_url.rstrip("/"),
        session_idle_minutes=_whole_number(raw, "session_idle_minutes", "console", 1, 24 * 60),
        session_max_hours=_whole_number(raw, "session_max_hours", "console", 1, 24),
        lockout_after_failures=_whole_number(raw, "lockout_after_failures", "console", 1, 100),
        lockout_minutes=_whole_number(raw, "lockout_minutes", "console", 1, 24 * 60),
        login_failures_per_source_per_minute=_whole_number(
            raw, "login_failures_per_source_per_minute", "console", 1, 1_000_000),
        login_failures_per_minute=_whole_number(raw, "login_failures_per_minute", "console",
                                                1, 1_000_000),
        secure_cookies=raw["secure_cookies"],
    )


def _parse_site(raw: Any) -> SiteSettings:
    if not isinstance(raw, dict):
        raise SettingsError("expected a 'site:' section (host, port, socket_url)")
    host, socket_url = raw.get("host"), raw.get("socket_url")
    if not isinstance(host, str) or not host:
        raise SettingsError("site.host must be a host name or address such as 127.0.0.1")
    if not isinstance(socket_url, str) or not socket_url.startswith(("http://", "https://")):
        raise SettingsError("site.socket_url must be an http(s) URL such as http://localhost:5005")
    exit_url = os.environ.get(QUICK_EXIT_URL_ENV_VAR) or raw.get("quick_exit_url")
    if not isinstance(exit_url, str) or not exit_url.startswith(("http://", "https://")):
        raise SettingsError("site.quick_exit_url must be an http(s) URL of a neutral website")
    return SiteSettings(host=host, port=_whole_number(raw, "port", "site", 1, 65535),
                        socket_url=socket_url.rstrip("/"), quick_exit_url=exit_url,
                        origins=_parse_origins(raw.get("origins")))


def _parse_origins(raw: Any) -> Tuple[str, ...]:
    configured = os.environ.get(SITE_ORIGINS_ENV_VAR)
    if configured:
        raw = [origin.strip() for origin in configured.split(",") if origin.strip()]
    if not isinstance(raw, list) or not raw:
        raise SettingsError("site.origins must be a list of origins such as http://localhost:8000")
    for origin in raw:
        if (not isinstance(origin, str) or not origin.startswith(("http://", "https://"))
                or origin.rstrip("/").count("/") != 2):
            raise SettingsError(f"site.origins: {origin!r} is not an origin such as "
                                "https://www.veiligthuis.nl (scheme, host and port, no path)")
    return tuple(origin.rstrip("/") for origin in raw)


def _parse_limits(raw: Any) -> LimitSettings:
    if not isinstance(raw, dict):
        raise SettingsError("expected a 'limits:' section (messages_per_conversation_per_minute, ...)")
    return LimitSettings(**{
        name: _whole_number(raw, name, "limits", 1, 1_000_000)
        for name in LimitSettings.__dataclass_fields__})


def _parse_retention(raw: Any) -> RetentionSettings:
    if not isinstance(raw, dict):
        raise SettingsError("expected a 'retention:' section (transcript_days, bot_only_hours, audit_days, purge_every_minutes)")
    return RetentionSettings(
        transcript_days=_whole_number(raw, "transcript_days", "retention", 1, 3650),
        bot_only_hours=_whole_number(raw, "bot_only_hours", "retention", 1, 87600),
        audit_days=_whole_number(raw, "audit_days", "retention", 1, 3650),
        purge_every_minutes=_whole_number(raw, "purge_every_minutes", "retention", 1, 1440),
    )


def _parse_timezone(value: Any) -> ZoneInfo:
    if not isinstance(value, str):
        raise SettingsError("chat.timezone must be a time zone name such as Europe/Amsterdam")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"chat.timezone: unknown time zone {value!r}") from exc


def _parse_clock(value: Any, where: str) -> time:
    if not isinstance(value, str):
        raise SettingsError(f"{where}: expected a time as \"HH:MM\", got {value!r}")
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise SettingsError(f"{where}: expected a time as \"HH:MM\", got {value!r}") from exc


def _parse_opening_hours(raw: Any) -> Dict[int, Tuple[time, time]]:
    if not isinstance(raw, dict):
        raise SettingsError("chat.opening_hours must map weekdays to [opens, closes] or null")
    unknown = set(raw) - set(WEEKDAYS)
    if unknown:
        names = sorted(str(day) for day in unknown)
        raise SettingsError(f"chat.opening_hours: unknown weekday(s) {names}; use {list(WEEKDAYS)}")
    hours: Dict[int, Tuple[time, time]] = {}
    for index, day in enumerate(WEEKDAYS):
        value = raw.get(day)
        if value is None:
            continue
        where = f"chat.opening_hours.{day}"
        if not isinstance(value, list) or len(value) != 2:
            raise SettingsError(f"{where}: expected [\"HH:MM\", \"HH:MM\"] or null")
        opens, closes = _parse_clock(value[0], where), _parse_clock(value[1], where)
        if opens >= closes:
            raise SettingsError(f"{where}: opening time must be before closing time")
        hours[index] = (opens, closes)
    return hours


def _parse_margin(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 240:
        raise SettingsError(
            "chat.handoff_closing_margin_minutes must be a whole number of minutes (0-240)"
        )
    return value


def _parse_holidays(raw: Any) -> FrozenSet[str]:
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise SettingsError("chat.closed_on_holidays must be a list of holiday names")
    unknown = set(raw) - known_holiday_names()
    if unknown:
        known = ", ".join(sorted(known_holiday_names()))
        raise SettingsError(
            f"chat.closed_on_holidays: unknown holiday name(s) {sorted(unknown)}; known: {known}"
        )
    return frozenset(raw)


def _parse_dates(raw: Any) -> FrozenSet[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise SettingsError("chat.extra_closed_dates must be a list of dates (YYYY-MM-DD)")
    dates = set()
    for value in raw:
        if isinstance(value, datetime):
            # YAML reads "2026-12-02 10:00" as a datetime; whole days only.
            raise SettingsError(f"chat.extra_closed_dates: whole days only, got {value!r}")
        if isinstance(value, date):
            dates.add(value)
            continue
        try:
            dates.add(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise SettingsError(f"chat.extra_closed_dates: not a date: {value!r}") from exc
    return frozenset(dates)


def settings_or_exit(path: Optional[Path] = None) -> Settings:
    """For the services' start-up: the settings, or a clear message and exit code 2."""
    import sys

    try:
        return load_settings(path)
    except SettingsError as exc:
        print(f"Settings error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def main() -> None:
    """`python -m bot.settings [FILE]`: check the settings file and say what it means."""
    import sys

    settings = settings_or_exit(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    chat = settings.chat
    days = ", ".join(
        f"{WEEKDAYS[d]} {o:%H:%M}-{c:%H:%M}" for d, (o, c) in sorted(chat.opening_hours.items())
    )
    print(f"Settings OK: chat staffed {days} ({chat.timezone.key}); "
          f"closed on {len(chat.closed_on_holidays)} holidays.")


if __name__ == "__main__":
    main()
