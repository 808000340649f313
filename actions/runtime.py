"""The schedule and the clock the actions use, created on first use (not at import)."""

from __future__ import annotations

from functools import lru_cache

from bot.clock import Clock, clock_from_env
from bot.handoff.queue import HandoffQueue
from bot.schedule import ChatSchedule
from bot.settings import load_settings


@lru_cache(maxsize=1)
def get_schedule() -> ChatSchedule:
    return ChatSchedule(load_settings().chat)


def get_clock() -> Clock:
    return clock_from_env()


@lru_cache(maxsize=1)
def get_queue() -> HandoffQueue:
    return HandoffQueue.from_url(load_settings().handoff.database_url)
