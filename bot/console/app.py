"""The counsellor console: a small Sanic web app on its own port (settings.yml `console:`).

Pages are rendered by Jinja2 with autoescaping, so everything a person typed shows as text;
the browser code (static/console.js) only ever sets textContent. Every POST needs the
session's CSRF token; cookies are HttpOnly, SameSite=Strict and (by default) Secure.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.exceptions import NotFound, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.console import views
from bot.console.auth import Accounts, Sessions
from bot.console.login_guard import LoginGuard
from bot.console.records import AuditLog, Reviews
from bot.db import create_tables
from bot.handoff.queue import HandoffQueue
from bot.handoff.service import HandoffService
from bot.retention import run_purge_forever
from bot.schedule import ChatSchedule
from bot.settings import RetentionSettings
from bot.web_safety import add_static_folder, refuse_unstorable

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
WORKER_INTERVAL_S = 3.0
MAX_REQUEST_BYTES = 64 * 1024
SECURITY_HEADERS = {
    # No inline script or style anywhere: what a person typed can never run as code.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self'; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Transcripts are special-category data: never in a browser or proxy cache.
    "Cache-Control": "no-store",
}


@dataclass
class Console:
    """Everything the console's pages and worker need, made once at start-up."""
    queue: HandoffQueue
    service: HandoffService
    accounts: Accounts
    sessions: Sessions
    audit: AuditLog
    reviews: Reviews
    schedule: ChatSchedule
    timezone: ZoneInfo  # times are shown in Dutch time
    clock: Clock
    secure_cookies: bool
    templates: Environment
    login_key: bytes  # signs the login form's CSRF token (shared through the database)
    login_guard: LoginGuard
    # With the worker, the console also purges what settings.yml `retention:` no longer allows.
    retention: Optional[RetentionSettings] = None


def templates() -> Environment:
    return Environment(loader=FileSystemLoader(str(HERE / "templates")),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def create_app(console: Console, name: str = "vt_console", run_worker: bool = True) -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.config.MOTD = False
    app.ctx.console = console
    add_static_folder(app, "/static", HERE / "static", name="static")
    views.register(app)
    app.on_request(refuse_unstorable)

    @app.on_response
    async def add_security_headers(request: Request, resp: HTTPResponse) -> None:
        for header, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(header, value)

    @app.exception(NotFound)
    async def not_found(request: Request, exc: Exception) -> HTTPResponse:
        return views.error_page(request, 404, "Deze pagina bestaat niet (meer).")

    @app.exception(SanicException)
    async def client_error(request: Request, exc: SanicException) -> HTTPResponse:
        status = getattr(exc, "status_code", 400) or 400
        return views.error_page(request, status, "Dit verzoek kan de console niet verwerken.")

    @app.exception(SQLAlchemyError)
    async def database_down(request: Request, exc: Exception) -> HTTPResponse:
        logger.error("Console database error on %s %s: %s", request.method, request.path,
                     type(exc).__name__)
        return views.error_page(request, 503, "De database is nu niet bereikbaar. Probeer het zo "
                                              "opnieuw; er is niets verloren gegaan.")

    @app.exception(Exception)
    async def server_error(request: Request, exc: Exception) -> HTTPResponse:
        # The class only: an exception's message may quote what a person wrote.
        logger.error("Console error on %s %s: %s", request.method, request.path,
                     type(exc).__name__)
        return views.error_page(request, 500, "Er ging iets mis in de console. Probeer het "
                                               "opnieuw; er is niets verloren gegaan.")

    if run_worker:
        @app.after_server_start
        async def start_worker(app: Sanic, loop: Any) -> None:
            app.add_task(run_worker_forever(console.service))
            if console.retention is not None:
                holder = f"{socket.gethostname()}:{os.getpid()}"
                app.add_task(run_purge_forever(console.service.engine, console.retention,
                                               console.clock, holder))

        @app.before_server_stop
        async def close_client(app: Sanic, loop: Any) -> None:
            await console.service.rasa.close()

    return app


async def run_worker_forever(service: HandoffService,
                             interval_s: float = WORKER_INTERVAL_S) -> None:
    """The handoff worker: timeouts, stop-waiting, queue updates. One failed round is logged
    and the next one tries again."""
    while True:
        try:
            await service.tick()
        except Exception as exc:  # noqa: BLE001 - the worker must outlive a bad round
            logger.error("Handoff worker round failed: %s", type(exc).__name__)
            if isinstance(exc, SQLAlchemyError):
                _remake_tables(service.engine)
        await asyncio.sleep(interval_s)


def _remake_tables(engine: Engine) -> None:
    """After a database error: if the tables went missing (the database was replaced by an
    empty one), make them again, so the console works on without a restart."""
    try:
        create_tables(engine)
    except SQLAlchemyError:
        pass  # the database itself is away; the next round tries again
