"""Phone numbers and chat ids never enter the bot. At the channel's door an address becomes a
pseudonymous conversation id; only the output channel turns it back into an address to send.

Deterministic encryption (AES-SIV): the same number always gives the same conversation id, so
a person can carry on where they were, and no table of numbers is kept anywhere. Without the
key the id says nothing, so the tracker store, the handoff queue, the logs and the console
only ever hold the pseudonym.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

KEY_ENV_VAR = "VT_CHANNEL_KEY"
KEY_BYTES = 64  # AES-SIV with two 256-bit keys
# A conversation id tells which channel it belongs to, e.g. "wa-..." for WhatsApp.
PREFIXES = {"telegram": "tg-", "whatsapp": "wa-"}


class ChannelKeyError(ValueError):
    """The channel key is missing or malformed."""


class NotAPseudonym(ValueError):
    """A conversation id that this key and channel did not make."""


def load_key(env: Mapping[str, str]) -> bytes:
    """The key from VT_CHANNEL_KEY (URL-safe base64 of 64 random bytes)."""
    raw = env.get(KEY_ENV_VAR, "").strip()
    if not raw:
        raise ChannelKeyError(f"{KEY_ENV_VAR} is not set (make run creates one in var/channel_key)")
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ChannelKeyError(f"{KEY_ENV_VAR} is not URL-safe base64") from exc
    if len(key) != KEY_BYTES:
        raise ChannelKeyError(f"{KEY_ENV_VAR} must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


def new_key() -> str:
    """A fresh key, as VT_CHANNEL_KEY wants it."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def conversation_id(key: bytes, channel: str, address: str) -> str:
    """The pseudonym for `address` (a phone number or chat id) on `channel`."""
    # The channel is associated data: a WhatsApp id can never be read as a Telegram one.
    sealed = AESSIV(key).encrypt(address.encode("utf-8"), [channel.encode("ascii")])
    return PREFIXES[channel] + base64.b32encode(sealed).decode("ascii").rstrip("=").lower()


def address(key: bytes, channel: str, conversation: str) -> str:
    """The address behind a pseudonym; NotAPseudonym if this key and channel did not make it."""
    prefix = PREFIXES[channel]
    if not conversation.startswith(prefix):
        raise NotAPseudonym("wrong channel prefix")
    body = conversation[len(prefix):].upper()
    try:
        sealed = base64.b32decode(body + "=" * (-len(body) % 8))
        return AESSIV(key).decrypt(sealed, [channel.encode("ascii")]).decode("utf-8")
    except (binascii.Error, ValueError, InvalidTag) as exc:
        raise NotAPseudonym("not made with this key") from exc
