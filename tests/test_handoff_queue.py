"""The durable handoff queue: priorities, positions, claims, timeouts, purge.

Every test that takes `queue` or `database_url` runs twice: on SQLite and on PostgreSQL
(tests/conftest.py; PostgreSQL is the throwaway server of scripts/pg.sh).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.handoff.queue import (
    CLAIMED, CLOSED, ENDED, NOT_PICKED_UP, STOPPED, WAITING, WITHDRAWN, HandoffQueue,
    priority_of,
)

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
CALM = {"concern_type": "huiselijk_geweld", "acute_danger": False, "children_involved": "nee"}
CHILDREN = {**CALM, "children_involved": "ja"}
ACUTE = {**CALM, "acute_danger": True}


@pytest.fixture
def queue(database_url) -> HandoffQueue:
    return HandoffQueue.from_url(database_url)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.mark.parametrize("summary,expected", [(ACUTE, 0), (CHILDREN, 1), (CALM, 2), ({}, 2)])
def test_priority(summary, expected):
    assert priority_of(summary) == expected


def test_acute_first_then_children_then_longest_wait(queue):
    calm_early = queue.create("a", "rest", CALM, minutes(0))
    children = queue.create("b", "socketio", CHILDREN, minutes(1))
    calm_late = queue.create("c", "rest", CALM, minutes(2))
    acute = queue.create("d", "rest", ACUTE, minutes(3))
    assert [t.id for t in queue.waiting()] == [acute.id, children.id, calm_early.id, calm_late.id]
    assert queue.position(acute.id) == 1 and queue.position(calm_late.id) == 4


def test_ticket_keeps_summary_channel_and_time(queue):
    ticket = queue.create("a", "socketio", {**CALM, "first_message": "ik hoor <gegil>"}, minutes(5))
    stored = queue.get(ticket.id)
    assert stored.summary["first_message"] == "ik hoor <gegil>"
    assert stored.channel == "socketio" and stored.status == WAITING
    assert stored.created_at == minutes(5)


def test_a_conversation_waits_only_once(queue):
    first = queue.create("a", "rest", CALM, minutes(0))
    again = queue.create("a", "rest", ACUTE, minutes(1))
    assert again.id == first.id and len(queue.waiting()) == 1


def test_claim_then_end(queue):
    ticket = queue.create("a", "rest", CALM, minutes(0))
    assert queue.claim(ticket.id, "counsellor-1", minutes(2))
    claimed = queue.get(ticket.id)
    assert claimed.status == CLAIMED and claimed.claimed_by == "counsellor-1"
    assert queue.position(ticket.id) is None
    assert queue.end(ticket.id, minutes(20))
    ended = queue.get(ticket.id)
    assert ended.status == CLOSED and ended.close_reason == ENDED and ended.closed_at == minutes(20)


def test_second_claim_fails(queue):
    ticket = queue.create("a", "rest", CALM, minutes(0))
    assert queue.claim(ticket.id, "counsellor-1", minutes(1))
    assert not queue.claim(ticket.id, "counsellor-2", minutes(1))
    assert queue.get(ticket.id).claimed_by == "counsellor-1"


def test_two_counsellors_at_once_only_one_wins(database_url):
    # On SQLite the file lock serialises the two UPDATEs. On PostgreSQL the two threads,
    # each with its own engine and connection, really claim at the same moment: the second
    # UPDATE waits for the first's row lock, then re-checks `status = 'waiting'` and changes
    # nothing, so exactly one counsellor wins there too.
    url = database_url
    setup = HandoffQueue.from_url(url)
    ticket = setup.create("a", "rest", CALM, minutes(0))
    barrier = threading.Barrier(2)
    results = {}

    def claim(name: str) -> None:
        own = HandoffQueue.from_url(url)  # each counsellor on its own connection pool
        barrier.wait()
        results[name] = own.claim(ticket.id, name, minutes(1))

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("c1", "c2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == [False, True]
    winner = next(name for name, won in results.items() if won)
    assert setup.get(ticket.id).claimed_by == winner


def test_withdraw_only_while_waiting(queue):
    waiting = queue.create("a", "rest", CALM, minutes(0))
    assert queue.withdraw(waiting.id, minutes(3))
    assert queue.get(waiting.id).close_reason == WITHDRAWN
    claimed = queue.create("b", "rest", CALM, minutes(0))
    queue.claim(claimed.id, "c1", minutes(1))
    assert not queue.withdraw(claimed.id, minutes(2))


def test_stop_closes_a_waiting_or_a_live_conversation_once(queue):
    waiting = queue.create("a", "whatsapp", CALM, minutes(0))
    live = queue.create("b", "telegram", CALM, minutes(0))
    queue.claim(live.id, "c1", minutes(1))
    assert queue.stop(waiting.id, minutes(2)) and queue.stop(live.id, minutes(2))
    for ticket in (queue.get(waiting.id), queue.get(live.id)):
        assert (ticket.status, ticket.close_reason, ticket.closed_at) == (CLOSED, STOPPED, minutes(2))
    assert not queue.stop(live.id, minutes(3))  # already closed: nothing changes
    assert queue.get(live.id).closed_at == minutes(2)


def test_expire_closes_only_tickets_that_waited_too_long(queue):
    old = queue.create("a", "rest", CALM, minutes(0))
    fresh = queue.create("b", "rest", CALM, minutes(5))
    claimed = queue.create("c", "rest", CALM, minutes(0))
    queue.claim(claimed.id, "c1", minutes(1))
    expired = queue.expire(minutes(10), timedelta(minutes=10))
    assert [t.id for t in expired] == [old.id]
    assert expired[0].close_reason == NOT_PICKED_UP
    assert queue.get(fresh.id).status == WAITING and queue.get(claimed.id).status == CLAIMED
    assert queue.expire(minutes(10), timedelta(minutes=10)) == []


def test_naive_times_are_refused(queue):
    with pytest.raises(ValueError):
        queue.create("a", "rest", CALM, datetime(2026, 11, 30, 9, 0))
