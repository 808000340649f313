"""Limits that keep one person or script from flooding the bot and the handoff queue.

The trade-off: a limit must never keep a real person from help. So a message over a limit is
not dropped in silence: the person always gets an answer with 112 and 0800-2000 (that answer
costs no NLU and no database). And the limits sit far above what a person typing can reach:
a frightened person writes a message every few seconds at most, not fifteen a minute, and opens
one or two conversations, not thirty in ten minutes. A "source" is the address the request came
from (an IPv6 /64 network counts as one address); many people can share one (a school, a
shelter, a mobile network's NAT), so the per-source limits are the loosest.

Counts are kept in memory per Rasa process (the `limits` library's moving window); several
Rasa instances each count on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Optional

from limits import RateLimitItem, RateLimitItemPerMinute, storage, strategies

from bot.settings import LimitSettings  # the dataclass only; loading happens in from_settings

# Conversations remembered as "not new" (an LRU, so memory stays bounded).
_REMEMBERED_CONVERSATIONS = 50_000


def source_of(address: Optional[str], key: bytes) -> str:
    """A short keyed hash of the client's address: counts per source without keeping the
    address itself. IPv6 counts per /64, the block one household or phone gets."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
        if ip.version == 6 and not ip.ipv4_mapped:
            text = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        elif ip.version == 6 and ip.ipv4_mapped:
            text = str(ip.ipv4_mapped)
    except ValueError:
        text = text or "unknown"
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@dataclass
class FloodGuard:
    """Decides whether one more message may reach the bot (limits: settings.yml `limits:`)."""

    limits: LimitSettings
    # A new random key per process: the hashes can be compared only within this process.
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    # The limiter holds its storage by a weak reference only: keep the storage here.
    _counts: storage.MemoryStorage = field(default_factory=storage.MemoryStorage)
    _limiter: strategies.MovingWindowRateLimiter = field(init=False)
    _known: "OrderedDict[str, None]" = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self._limiter = strategies.MovingWindowRateLimiter(self._counts)
        limits = self.limits
        self._per_conversation = RateLimitItemPerMinute(limits.messages_per_conversation_per_minute)
        self._per_connection = RateLimitItemPerMinute(limits.messages_per_connection_per_minute)
        self._per_source = RateLimitItemPerMinute(limits.messages_per_source_per_minute)
        self._new_per_source = RateLimitItemPerMinute(
            limits.new_conversations_per_source_per_10_minutes, multiples=10)

    @classmethod
    def from_settings(cls) -> "FloodGuard":
        from bot.settings import load_settings

        return cls(load_settings().limits)

    def source(self, address: Optional[str]) -> str:
        return source_of(address, self.key)

    def allow(self, conversation: str, source: str, connection: Optional[str] = None) -> bool:
        """Count one message; False when a limit is reached (the message must not go on)."""
        checks = [(self._per_conversation, f"c:{conversation}"), (self._per_source, f"s:{source}")]
        if connection is not None:
            checks.append((self._per_connection, f"k:{connection}"))
        new = not self._known_already(conversation)
        if new:
            checks.append((self._new_per_source, f"n:{source}"))
        allowed = all(self._hit(item, key) for item, key in checks)
        if allowed and new:  # a refused first message does not make a conversation known
            self._remember(conversation)
        return allowed

    def allow_new_conversation(self, source: str) -> bool:
        """Count one conversation started from `source` (the website's new sessions)."""
        return self._hit(self._new_per_source, f"n:{source}")

    def _hit(self, item: RateLimitItem, key: str) -> bool:
        return self._limiter.hit(item, key)

    def _known_already(self, conversation: str) -> bool:
        if conversation in self._known:
            self._known.move_to_end(conversation)
            return True
        return False

    def _remember(self, conversation: str) -> None:
        self._known[conversation] = None
        if len(self._known) > _REMEMBERED_CONVERSATIONS:
            self._known.popitem(last=False)
