"""Counsellor accounts and console sessions, on SQLite and PostgreSQL, with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.console.auth import AccountError, Accounts, Sessions
from bot.console.records import AuditLog, Reviews
from bot.console.store import TEAM_LEAD, counsellors, sessions
from bot.db import create_engine, create_tables

START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def setup(database_url):
    engine = create_engine(database_url)
    create_tables(engine)
    clock = Clock()
    accounts = Accounts(engine, clock, lock_after=3, lock_for=timedelta(minutes=15))
    yield engine, clock, accounts
    engine.dispose()


def test_password_is_stored_as_a_salted_argon2id_hash(setup):
    engine, clock, accounts = setup
    accounts.add("anna", "Anna", PASSWORD)
    accounts.add("bram", "Bram", PASSWORD)
    with engine.connect() as connection:
        hashes = [row.password_hash for row in connection.execute(sa.select(counsellors))]
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    assert hashes[0] != hashes[1]  # same password, different salt


def test_right_password_logs_in_wrong_one_does_not(setup):
    engine, clock, accounts = setup
    accounts.add("lea", "Lea", PASSWORD, role=TEAM_LEAD)
    result = accounts.authenticate("lea", PASSWORD)
    assert result.counsellor.username == "lea" and result.counsellor.is_team_lead
    assert accounts.authenticate("lea", PASSWORD + "x").counsellor is None
    assert accounts.authenticate("nobody", PASSWORD).counsellor is None


def test_repeated_failures_lock_the_account_for_a_while(setup):
    engine, clock, accounts = setup
    accounts.add("anna", "Anna", PASSWORD)
    assert [accounts.authenticate("anna", "wrong").locked for _ in range(3)] == [False, False, True]
    assert accounts.authenticate("anna", PASSWORD).locked  # even the right password waits
    clock.now += timedelta(minutes=15, seconds=1)
    assert accounts.authenticate("anna", PASSWORD).counsellor is not None


def test_a_success_resets_the_failure_count(setup):
    engine, clock, accounts = setup
    accounts.add("anna", "Anna", PASSWORD)
    accounts.authenticate("anna", "wrong")
    accounts.authenticate("anna", "wrong")
    accounts.authenticate("anna", PASSWORD)
    assert not accounts.authenticate("anna", "wrong").locked


@pytest.mark.parametrize("username,name,password,role", [
    ("Anna", "Anna", PASSWORD, "counsellor"), ("a", "Anna", PASSWORD, "counsellor"),
    ("anna", " ", PASSWORD, "counsellor"), ("anna", "Anna", "short", "counsellor"),
    ("anna", "Anna", PASSWORD, "admin"),
])
def test_bad_accounts_are_refused(setup, username, name, password, role):
    with pytest.raises(AccountError):
        setup[2].add(username, name, password, role)


def test_duplicate_and_deactivated_accounts(setup):
    engine, clock, accounts = setup
    accounts.add("anna", "Anna", PASSWORD)
    with pytest.raises(AccountError):
        accounts.add("anna", "Anna 2", PASSWORD)
    accounts.deactivate("anna")
    assert accounts.authenticate("anna", PASSWORD).counsellor is None


def test_sessions_end_when_idle_too_long_or_too_old_or_logged_out(setup):
    engine, clock, accounts = setup
    anna = accounts.add("anna", "Anna", PASSWORD)
    store = Sessions(engine, accounts, clock, idle=timedelta(minutes=60), max_age=timedelta(hours=2))
    token = store.start(anna)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(sessions.c.token_hash)).scalar_one()
    assert token not in stored  # only a hash of the cookie value is kept
    for _ in range(2):  # used every 50 minutes: stays alive until it is two hours old
        clock.now += timedelta(minutes=50)
        assert store.find(token).counsellor.username == "anna"
    clock.now += timedelta(minutes=30)
    assert store.find(token) is None  # 2 h 10 min old, though used 30 minutes ago
    idle = store.start(anna)
    clock.now += timedelta(minutes=61)
    assert store.find(idle) is None
    ended = store.start(anna)
    store.end(ended)
    assert store.find(ended) is None
    assert store.find("not-a-token") is None and store.find(None) is None


def test_csrf_token_must_match(setup):
    engine, clock, accounts = setup
    anna = accounts.add("anna", "Anna", PASSWORD)
    store = Sessions(engine, accounts, clock, idle=timedelta(minutes=60), max_age=timedelta(hours=2))
    session = store.find(store.start(anna))
    assert session.csrf_ok(session.csrf_token)
    assert not session.csrf_ok(None) and not session.csrf_ok("") and not session.csrf_ok("x")


def test_audit_log_and_reviews(setup):
    engine, clock, accounts = setup
    audit, reviews = AuditLog(engine, clock), Reviews(engine, clock)
    audit.record("anna", "open_transcript", 7)
    clock.now += timedelta(minutes=1)
    audit.record("bram", "export_transcript", 7)
    assert [(e.actor, e.action) for e in audit.entries(ticket_id=7)] == [
        ("bram", "export_transcript"), ("anna", "open_transcript")]
    assert [e.actor for e in audit.entries(actor="anna")] == ["anna"]
    reviews.mark(7, "anna", "eerste")
    reviews.mark(7, "lea", "tweede")  # a later review replaces the first
    review = reviews.for_tickets([7, 8])[7]
    assert (review.reviewed_by, review.note) == ("lea", "tweede")
    assert reviews.for_tickets([]) == {}
