"""The website chat's session token: proof that a socket.io client is the browser the
conversation belongs to.

The website makes the conversation id itself (never the browser) and signs it into a short
JWT with a key it shares with Rasa (`VT_SOCKET_KEY`). Rasa's socket.io channel lets a client
connect only with a valid token, and then only into that token's conversation; the website's
"the person left" (`POST /api/left`) also wants the token. Knowing a conversation id is not
enough to read, write or end it.
"""

from __future__ import annotations

import base64
import os
import secrets
from datetime import datetime, timedelta
from typing import Mapping, Optional, Tuple

import jwt

from bot import conversation_ids

KEY_ENV_VAR = "VT_SOCKET_KEY"
ALGORITHM = "HS256"
AUDIENCE = "vt-socketio"
# A conversation in one browser tab; after a day the widget starts a new one.
LIFETIME = timedelta(hours=24)
_MIN_KEY_BYTES = 32


class SessionKeyError(ValueError):
    """VT_SOCKET_KEY is missing or too short."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(_MIN_KEY_BYTES)).decode().rstrip("=")


def load_key(env: Mapping[str, str]) -> bytes:
    raw = env.get(KEY_ENV_VAR, "").strip()
    if len(raw) < 40:  # 32 random bytes in URL-safe base64 are 43 characters
        raise SessionKeyError(f"{KEY_ENV_VAR} is not set or too short (make run creates one in "
                              "var/socket_key; the website and Rasa need the same key)")
    return raw.encode("ascii", "replace")


def new_session(key: bytes, now: datetime) -> Tuple[str, str]:
    """A fresh conversation id and the token that proves it."""
    session_id = "w-" + secrets.token_urlsafe(24)
    return session_id, token_for(key, session_id, now)


def token_for(key: bytes, session_id: str, now: datetime) -> str:
    conversation_ids.require(session_id)
    claims = {"sub": session_id, "aud": AUDIENCE, "iat": int(now.timestamp()),
              "exp": int((now + LIFETIME).timestamp())}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def session_of(key: bytes, token: object) -> Optional[str]:
    """The conversation id a token proves, or None for anything else (forged, expired, junk)."""
    if not isinstance(token, str) or not 0 < len(token) <= 1024 or not token.isascii():
        return None
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE,
                            options={"require": ["sub", "exp", "aud"]})
    except jwt.PyJWTError:
        return None
    session_id = claims.get("sub")
    return session_id if conversation_ids.is_valid(session_id) else None
