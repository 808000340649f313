"""Counsellor accounts (argon2id password hashes, lockout) and console sessions.

The session cookie holds a random token; the database keeps only its SHA-256, with the CSRF
token that every form and POST of that session must send back.

Lockout is per (user name, source): five failures from one address lock that name for that
address only, so nobody can lock a counsellor out from elsewhere by guessing on purpose. A
name that does not exist is treated exactly like one that does (same hashing work, same
counting, same answers), so the answers do not tell which names exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.db import aware, utc_clock
from bot.console.store import COUNSELLOR, ROLES, TEAM_LEAD, counsellors, login_failures, sessions

MIN_PASSWORD_LENGTH = 12
# How precisely a session's idle time is kept (a write per request would be wasted work).
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
# argon2-cffi's defaults follow RFC 9106's recommended low-memory profile (argon2id).
_hasher = PasswordHasher()
# Verified when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    """A bad username, display name, role or password when adding an account."""


@dataclass(frozen=True)
class Counsellor:
    username: str
    display_name: str
    role: str

    @property
    def is_team_lead(self) -> bool:
        return self.role == TEAM_LEAD


@dataclass(frozen=True)
class LoginResult:
    counsellor: Optional[Counsellor]
    locked: bool = False  # refused because of too many failures (right password or not)


def validate_new_account(username: str, display_name: str, password: str, role: str) -> None:
    if not (2 <= len(username) <= 64) or not set(username) <= USERNAME_CHARS:
        raise AccountError("username: 2-64 characters, lower-case letters, digits, . _ -")
    if not (1 <= len(display_name.strip()) <= 64):
        raise AccountError("display name: 1-64 characters (the person sees it in the chat)")
    if role not in ROLES:
        raise AccountError(f"role must be one of {ROLES}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")


class Accounts:
    def __init__(self, engine: Engine, clock: Clock, lock_after: int = 5,
                 lock_for: timedelta = timedelta(minutes=15)) -> None:
        self._engine, self._clock = engine, utc_clock(clock)
        self._lock_after, self._lock_for = lock_after, lock_for

    def add(self, username: str, display_name: str, password: str,
            role: str = COUNSELLOR) -> Counsellor:
        validate_new_account(username, display_name, password, role)
        with self._engine.begin() as connection:
            if connection.execute(sa.select(counsellors.c.username)
                                  .where(counsellors.c.username == username)).first():
                raise AccountError(f"an account named {username!r} already exists")
            connection.execute(counsellors.insert().values(
                username=username, display_name=display_name.strip(), role=role,
                password_hash=_hasher.hash(password), failed_logins=0, active=True,
                created_at=self._clock()))
        return Counsellor(username, display_name.strip(), role)

    def set_password(self, username: str, password: str) -> None:
        """A new password; also lifts every lockout of this name."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
        self._update(username, password_hash=_hasher.hash(password))
        with self._engine.begin() as connection:
            connection.execute(login_failures.delete().where(
                login_failures.c.username_hash == _hash(username)))

    def deactivate(self, username: str) -> None:
        self._update(username, active=False)
        with self._engine.begin() as connection:
            connection.execute(sessions.delete().where(sessions.c.username == username))

    def _update(self, username: str, **values) -> None:
        with self._engine.begin() as connection:
            result = connection.execute(counsellors.update()
                                        .where(counsellors.c.username == username)
                                        .values(**values))
        if result.rowcount != 1:
            raise AccountError(f"no account named {username!r}")

    def get(self, username: str) -> Optional[Counsellor]:
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(counsellors).where(
                counsellors.c.username == username, counsellors.c.active.is_(True))).first()
        return None if row is None else Counsellor(row.username, row.display_name, row.role)

    def all(self) -> List[Counsellor]:
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(counsellors).order_by(counsellors.c.username)).all()
        return [Counsellor(row.username, row.display_name, row.role) for row in rows]

    def authenticate(self, username: str, password: str, source: str = "-") -> LoginResult:
        """Check a login from `source` (the client's address, as a short hash). Blocking (the
        hash takes ~0.1 s): the console runs it in a worker thread."""
        now = self._clock()
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(counsellors).where(
                counsellors.c.username == username, counsellors.c.active.is_(True))).first()
        # Always one hash, also for an unknown name or a locked pair: the time taken says
        # nothing about either.
        right = _verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        key = _hash(f"{username}\0{source}")
        failures, locked_until = self._failures(key)
        if locked_until is not None and locked_until > now:
            return LoginResult(None, locked=True)
        if row is None or not right:
            lock = failures + 1 >= self._lock_after
            self._record_failure(key, username, 0 if lock else failures + 1,
                                 now + self._lock_for if lock else None, now)
            return LoginResult(None, locked=lock)
        self._clear_failures(key)
        if _hasher.check_needs_rehash(row.password_hash):
            self._update(username, password_hash=_hasher.hash(password))
        return LoginResult(Counsellor(row.username, row.display_name, row.role))

    def _failures(self, key: str) -> "tuple[int, Optional[datetime]]":
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(login_failures).where(
                login_failures.c.key_hash == key)).first()
        return (0, None) if row is None else (row.failures, aware(row.locked_until))

    def _record_failure(self, key: str, username: str, failures: int,
                        locked_until: Optional[datetime], now: datetime) -> None:
        values = {"failures": failures, "locked_until": locked_until, "updated_at": now}
        with self._engine.begin() as connection:
            updated = connection.execute(login_failures.update()
                                         .where(login_failures.c.key_hash == key).values(**values))
            if updated.rowcount == 0:
                try:
                    with connection.begin_nested():
                        connection.execute(login_failures.insert().values(
                            key_hash=key, username_hash=_hash(username), **values))
                except sa.exc.IntegrityError:  # a parallel failure made the row first
                    pass

    def _clear_failures(self, key: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(login_failures.delete().where(login_failures.c.key_hash == key))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Session:
    counsellor: Counsellor
    csrf_token: str

    def csrf_ok(self, sent: Optional[str]) -> bool:
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
        return bool(sent) and hmac.compare_digest(self.csrf_token.encode(),
                                                  sent.encode("utf-8", "replace"))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class Sessions:
    def __init__(self, engine: Engine, accounts: Accounts, clock: Clock,
                 idle: timedelta, max_age: timedelta) -> None:
        self._engine, self._accounts, self._clock = engine, accounts, utc_clock(clock)
        self._idle, self._max_age = idle, max_age

    def start(self, counsellor: Counsellor) -> str:
        """A new session; returns the cookie value."""
        token, now = secrets.token_urlsafe(32), self._clock()
        with self._engine.begin() as connection:
            connection.execute(sessions.insert().values(
                token_hash=_token_hash(token), username=counsellor.username,
                csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now))
        return token

    def find(self, token: Optional[str]) -> Optional[Session]:
        """The live session for a cookie value (and mark it as used), or None."""
        if not token or len(token) > 128:
            return None
        now = self._clock()
        with self._engine.begin() as connection:
            row = connection.execute(sa.select(sessions).where(
                sessions.c.token_hash == _token_hash(token))).first()
            if row is None:
                return None
            if (now - aware(row.last_seen_at) > self._idle
                    or now - aware(row.created_at) > self._max_age):
                connection.execute(sessions.delete().where(sessions.c.token_hash == row.token_hash))
                return None
            if now - aware(row.last_seen_at) >= LAST_SEEN_RESOLUTION:
                # Not on every request: the chat page polls every 2 s.
                connection.execute(sessions.update()
                                   .where(sessions.c.token_hash == row.token_hash)
                                   .values(last_seen_at=now))
        counsellor = self._accounts.get(row.username)
        return None if counsellor is None else Session(counsellor, row.csrf_token)

    def end(self, token: Optional[str]) -> None:
        if token:
            with self._engine.begin() as connection:
                connection.execute(sessions.delete().where(
                    sessions.c.token_hash == _token_hash(token)))
