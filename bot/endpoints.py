"""Rasa's endpoints.yml from one database URL, so Rasa's tracker store and our tables share it.

    python -m bot.endpoints OUT_FILE

writes OUT_FILE (mode 0600: it may hold the database password) for the database in
settings.yml's handoff.database_url (VT_DATABASE_URL overrides it) and the action server at
VT_ACTION_URL (default http://localhost:5055/webhook).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ACTION_URL_ENV_VAR = "VT_ACTION_URL"
DEFAULT_ACTION_URL = "http://127.0.0.1:5055/webhook"
DEFAULT_POSTGRES_PORT = 5432
# Our SQL tracker store: Rasa's, but it never forgets silently (bot/tracker_store.py).
TRACKER_STORE_TYPE = "bot.tracker_store.GuardedSQLTrackerStore"
# Rasa reads ${...} from its environment when it loads endpoints.yml, so the action server's
# secret is never written into the file.
ACTION_AUTHORIZATION = "Bearer ${VT_ACTION_TOKEN}"

_HEADER = ("# Written by `python -m bot.endpoints` from the database URL "
           "(settings.yml / VT_DATABASE_URL); do not edit.\n")


def tracker_store_config(database_url: str) -> Dict[str, Any]:
    """The `tracker_store:` section of endpoints.yml for an SQLAlchemy database URL."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("an SQLite tracker store needs a file, e.g. sqlite:///var/tracker.db")
        # The whole URL (relative paths are relative to Rasa's working folder): the store
        # opens it only while the file exists.
        return {"type": TRACKER_STORE_TYPE, "dialect": "sqlite", "url": database_url}
    if backend == "postgresql":
        if not url.database:
            raise ValueError(f"no database name in {url!r}")
        config: Dict[str, Any] = {"type": TRACKER_STORE_TYPE, "dialect": url.drivername}
        if url.host:
            config["url"] = url.host  # Rasa passes endpoints' `url` on as the host
        config["port"] = url.port or DEFAULT_POSTGRES_PORT
        config["db"] = url.database
        if url.username is not None:
            config["username"] = url.username
        if url.password is not None:
            config["password"] = str(url.password)
        if url.query:  # e.g. sslmode=require
            config["query"] = {key: value if isinstance(value, str) else list(value)
                               for key, value in url.query.items()}
        return config
    raise ValueError(f"unsupported database for Rasa's tracker store: {backend} "
                     "(use sqlite:/// or postgresql://)")


def render_endpoints(database_url: str, action_url: str) -> str:
    """Rasa endpoints YAML: the action server (with its secret from the environment) and the
    SQL tracker store."""
    config = {
        "action_endpoint": {"url": action_url,
                            "headers": {"Authorization": ACTION_AUTHORIZATION}},
        "tracker_store": tracker_store_config(database_url),
    }
    return _HEADER + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (replaced atomically)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m bot.endpoints OUT_FILE", file=sys.stderr)
        return 2
    from bot.settings import SettingsError, load_settings

    try:
        database_url = load_settings().handoff.database_url
        text = render_endpoints(database_url,
                                os.environ.get(ACTION_URL_ENV_VAR) or DEFAULT_ACTION_URL)
    except (SettingsError, ValueError, ArgumentError) as exc:
        print(f"bot.endpoints: {exc}", file=sys.stderr)
        return 1
    write_private(Path(args[0]), text)
    print(f"wrote {args[0]} ({make_url(database_url).get_backend_name()} tracker store)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
