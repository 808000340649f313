"""`python -m bot.console`: start the counsellor console and its handoff worker.

Reads settings.yml (VT_SETTINGS), the database URL (VT_DATABASE_URL overrides) and the Rasa
API token from VT_RASA_TOKEN (`make run` makes one per machine under var/)."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from bot.clock import clock_from_env
from bot.console.app import Console, create_app, templates
from bot.console.auth import Accounts, Sessions
from bot.console.login_guard import CSRF_KEY_NAME, LoginGuard, shared_key
from bot.console.records import AuditLog, Reviews
from bot.db import prepare_database
from bot.handoff.queue import HandoffQueue
from bot.handoff.rasa_api import RasaClient
from bot.handoff.service import HandoffService
from bot.schedule import ChatSchedule
from bot.settings import Settings, settings_or_exit

RASA_TOKEN_ENV_VAR = "VT_RASA_TOKEN"


def build_console(settings: Settings) -> Console:
    engine = prepare_database(settings.handoff.database_url)
    clock = clock_from_env()
    schedule = ChatSchedule(settings.chat)
    queue = HandoffQueue(engine)
    cfg = settings.console
    accounts = Accounts(engine, clock, cfg.lockout_after_failures,
                        timedelta(minutes=cfg.lockout_minutes))
    service = HandoffService(
        queue=queue, engine=engine, rasa=RasaClient(cfg.rasa_url, os.environ.get(RASA_TOKEN_ENV_VAR)),
        schedule=schedule, clock=clock,
        max_wait=timedelta(minutes=settings.handoff.max_wait_minutes))
    return Console(
        queue=queue, service=service, accounts=accounts,
        sessions=Sessions(engine, accounts, clock, timedelta(minutes=cfg.session_idle_minutes),
                          timedelta(hours=cfg.session_max_hours)),
        audit=AuditLog(engine, clock), reviews=Reviews(engine, clock), schedule=schedule,
        timezone=settings.chat.timezone, clock=clock, secure_cookies=cfg.secure_cookies,
        templates=templates(), login_key=shared_key(engine, CSRF_KEY_NAME),
        login_guard=LoginGuard(cfg.login_failures_per_source_per_minute,
                               cfg.login_failures_per_minute),
        retention=settings.retention)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = settings_or_exit()
    port = int(os.environ.get("VT_CONSOLE_PORT") or settings.console.port)
    app = create_app(build_console(settings))
    print(f"Counsellor console: http://{settings.console.host}:{port}/", flush=True)
    app.run(host=settings.console.host, port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
