"""Where 'now' comes from: the system clock, or a fixed time for tests and demos."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]

# Set to an ISO time with offset (e.g. 2026-11-30T10:00:00+01:00) to pin the action server's
# clock, so the staffed and the closed paths can be tried at any hour.
FAKE_NOW_ENV_VAR = "VT_FAKE_NOW"


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def clock_from_env() -> Clock:
    """The system clock, unless VT_FAKE_NOW pins a time."""
    fixed = os.environ.get(FAKE_NOW_ENV_VAR)
    if not fixed:
        return system_clock
    # Python 3.10's fromisoformat does not read a trailing "Z".
    moment = datetime.fromisoformat(fixed[:-1] + "+00:00" if fixed.endswith("Z") else fixed)
    if moment.tzinfo is None:
        raise ValueError(f"{FAKE_NOW_ENV_VAR} needs a time zone offset, e.g. +01:00")
    return lambda: moment
