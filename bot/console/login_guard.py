"""What keeps a flood of logins from stalling the console, and makes the login form's CSRF
token something only this console can make.

- Hashing runs in one worker thread, never on the event loop that also serves the queue, the
  live chats and the handoff worker.
- Failed attempts are limited per source and over all sources; once a limit is reached, an
  attempt gets a 429 before any hashing, so a flood costs nothing and the hashing work stays
  below a fifth of one core. The price: a flood from many addresses can make counsellors wait
  a minute to log in; sessions that are already open are not touched.
- The login form's token is signed with a key kept in the database (shared by every console
  process), so a made-up token pair is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Optional, TypeVar

import sqlalchemy as sa
from limits import RateLimitItemPerMinute, storage, strategies
from sqlalchemy.engine import Engine

from bot.console.store import keys

T = TypeVar("T")
LOGIN_FORM_LIFETIME = timedelta(hours=2)
CSRF_KEY_NAME = "login_csrf"


@dataclass
class LoginGuard:
    per_source_per_minute: int = 10
    per_minute: int = 120
    # The limiter holds its storage by a weak reference only: keep the storage here.
    _counts: storage.MemoryStorage = field(default_factory=storage.MemoryStorage)
    _limiter: strategies.MovingWindowRateLimiter = field(init=False)
    _hashing: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="login"))

    def __post_init__(self) -> None:
        self._limiter = strategies.MovingWindowRateLimiter(self._counts)

    def allow(self, source: str) -> bool:
        """False when this source, or all sources together, failed too often just now."""
        return (self._limiter.test(RateLimitItemPerMinute(self.per_minute), "all")
                and self._limiter.test(RateLimitItemPerMinute(self.per_source_per_minute),
                                       f"source:{source}"))

    def failed(self, source: str) -> None:
        self._limiter.hit(RateLimitItemPerMinute(self.per_minute), "all")
        self._limiter.hit(RateLimitItemPerMinute(self.per_source_per_minute), f"source:{source}")

    async def off_the_loop(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._hashing, work)


def shared_key(engine: Engine, name: str) -> bytes:
    """A random key stored once in the database; every console process reads the same one."""
    with engine.begin() as connection:
        value = connection.execute(sa.select(keys.c.value).where(keys.c.name == name)).scalar()
        if value is None:
            value = secrets.token_hex(32)
            try:
                with connection.begin_nested():
                    connection.execute(keys.insert().values(name=name, value=value))
            except sa.exc.IntegrityError:  # another console made it a moment ago
                value = connection.execute(
                    sa.select(keys.c.value).where(keys.c.name == name)).scalar()
    return bytes.fromhex(value)


def _signature(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def new_login_token(key: bytes, now: datetime) -> str:
    body = f"{int(now.timestamp())}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_signature(key, body)}"


def login_token_ok(key: bytes, sent: Optional[str], cookie: Optional[str], now: datetime) -> bool:
    """The form's token equals the cookie's, is signed by us and is not too old."""
    if (not sent or not cookie or len(sent) > 128 or not sent.isascii()
            or not hmac.compare_digest(sent.encode(), cookie.encode("utf-8", "replace"))):
        return False
    body, _, signature = sent.rpartition(".")
    issued = body.split(".", 1)[0]
    if not issued.isdigit() or not hmac.compare_digest(signature, _signature(key, body)):
        return False
    age = now.timestamp() - int(issued)
    return 0 <= age <= LOGIN_FORM_LIFETIME.total_seconds()
