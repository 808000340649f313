"""endpoints.yml from the database URL, and Rasa's own tracker store on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.endpoints import render_endpoints

ACTION_URL = "http://localhost:5055/webhook"
STORE = "bot.tracker_store.GuardedSQLTrackerStore"
REPO = Path(__file__).resolve().parent.parent


def rendered(database_url: str) -> dict:
    return yaml.safe_load(render_endpoints(database_url, ACTION_URL))


def test_sqlite_relative_path():
    config = rendered("sqlite:///var/tracker.db")
    assert config == {
        "action_endpoint": {"url": ACTION_URL,
                            "headers": {"Authorization": "Bearer ${VT_ACTION_TOKEN}"}},
        "tracker_store": {"type": STORE, "dialect": "sqlite", "url": "sqlite:///var/tracker.db"},
    }


def test_sqlite_absolute_path():
    assert rendered("sqlite:////tmp/x.db")["tracker_store"]["url"] == "sqlite:////tmp/x.db"


def test_postgresql_fields_and_an_awkward_password():
    # Percent-encoded in the URL: "p@ss: w0rd#'{no}"
    url = "postgresql://vt_user:p%40ss%3A%20w0rd%23%27%7Bno%7D@db.internal:6543/veilig_thuis"
    store = rendered(url)["tracker_store"]
    assert store == {
        "type": STORE, "dialect": "postgresql", "url": "db.internal", "port": 6543,
        "db": "veilig_thuis", "username": "vt_user", "password": "p@ss: w0rd#'{no}",
    }


def test_postgresql_defaults_and_query():
    store = rendered("postgresql://vt:yes@localhost/vt?sslmode=require")["tracker_store"]
    assert store["port"] == 5432 and store["password"] == "yes"  # a string, not True
    assert store["query"] == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "sqlite://", "postgresql://u:p@h"])
def test_unusable_urls_are_refused(url):
    with pytest.raises(ValueError):
        render_endpoints(url, ACTION_URL)


def test_cli_writes_a_private_file(tmp_path):
    out = tmp_path / "endpoints.yml"
    env = {**os.environ, "VT_DATABASE_URL": "postgresql://vt:secret@127.0.0.1:5439/vt_test",
           "VT_ACTION_URL": "http://actions:5055/webhook"}
    subprocess.run([sys.executable, "-m", "bot.endpoints", str(out)], cwd=REPO, env=env,
                   check=True, capture_output=True, text=True, timeout=60)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    config = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert config["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert config["tracker_store"]["password"] == "secret"


async def test_rasa_tracker_store_saves_and_reads_back(database_url, tmp_path, monkeypatch):
    """Rasa loads the rendered file the way `rasa run --endpoints` does, and its SQL tracker
    store works against that database (the real PostgreSQL server for the postgres case)."""
    from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store

    from bot.db import create_database_file
    from bot.tracker_store import GuardedSQLTrackerStore

    monkeypatch.setenv("VT_ACTION_TOKEN", "a-secret")  # Rasa expands it when reading the file
    create_database_file(database_url)  # make run's start-up does this
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(render_endpoints(database_url, ACTION_URL), encoding="utf-8")
    config = read_endpoint_config(str(endpoints), "tracker_store")
    # create_tracker_store calls SQLTrackerStore(host=<url>, domain=..., **the other keys).
    store = create_tracker_store(config, Domain.empty())
    assert isinstance(store, SQLTrackerStore) and isinstance(store, GuardedSQLTrackerStore)
    try:
        expected_dialect = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        assert store.engine.dialect.name == expected_dialect
        # Rasa 3.6: save and retrieve are coroutines.
        await store.save(DialogueStateTracker.from_events("x", [UserUttered("hallo")]))
        again = await store.retrieve("x")
        assert again is not None
        assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["hallo"]
        assert list(await store.keys()) == ["x"]
    finally:
        store.engine.dispose()
