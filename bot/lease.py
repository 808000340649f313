"""A lease in the shared database: work that must run once, however many processes run it.

Each process that wants to do the work (the retention purge, say) asks for the lease by name.
Whoever gets it holds it until `expires_at`; nobody else gets it before then, so work done
once per lease runs once per period across every console process, on SQLite and PostgreSQL
alike. A holder that dies simply lets its lease run out, and the next process takes over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.db import to_utc

metadata = sa.MetaData()
leases = sa.Table(
    "vt_leases", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)


def try_acquire(engine: Engine, name: str, holder: str, now: datetime,
                period: timedelta) -> bool:
    """Take the lease `name` for `period` if it is free or has run out; True if taken.

    One UPDATE that only matches an expired lease (or a missing one, inserted): the database
    decides between processes that ask at the same moment, so exactly one of them wins."""
    now = to_utc(now)
    until = now + period
    with engine.begin() as connection:
        taken = connection.execute(
            leases.update()
            .where(leases.c.name == name, leases.c.expires_at <= now)
            .values(holder=holder, expires_at=until)).rowcount
        if taken:
            return True
    try:
        with engine.begin() as connection:
            connection.execute(leases.insert().values(name=name, holder=holder,
                                                      expires_at=until))
        return True
    except IntegrityError:  # someone holds it (or just took it)
        return False
