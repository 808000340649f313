"""The schedule and the clock the actions use, created on first use (not at import)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from bot.clock import Clock, clock_from_env
from bot.handoff.queue import HandoffQueue
from bot.schedule import ChatSchedule
from bot.settings import Settings, load_settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def get_schedule() -> ChatSchedule:
    return ChatSchedule(get_settings().chat)


def get_max_wait() -> timedelta:
    return timedelta(minutes=get_settings().handoff.max_wait_minutes)


def get_clock() -> Clock:
    return clock_from_env()


@lru_cache(maxsize=1)
def get_queue() -> HandoffQueue:
    return HandoffQueue.from_url(get_settings().handoff.database_url)
