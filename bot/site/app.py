"""A plain Veilig Thuis information page with the chat widget, and the two things the widget
asks this server: is the human chat open (from the same schedule as the bot), and "the person
left" (quick exit). No cookies, no logs of what anyone wrote."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.channels import session_token
from bot.channels.flood_guard import FloodGuard
from bot.clock import Clock
from bot.handoff.queue import CLAIMED, WAITING, HandoffQueue
from bot.handoff.rasa_api import RasaClient, RasaUnavailable
from bot.schedule import ChatSchedule, describe_opening
from bot.web_safety import add_static_folder, client_address, refuse_unstorable

logger = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parents[2] / "web"
SOCKET_IO_CLIENT = WEB / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
MAX_REQUEST_BYTES = 4 * 1024
PERSON_LEFT = "De persoon heeft de chat verlaten (snel weg)."


@dataclass
class Site:
    schedule: ChatSchedule
    clock: Clock
    queue: HandoffQueue
    rasa: RasaClient
    socket_url: str
    quick_exit_url: str
    session_key: bytes  # VT_SOCKET_KEY, shared with Rasa's socket.io channel
    guard: FloodGuard  # new conversations per address (settings.yml `limits:`)


def security_headers(socket_url: str) -> Dict[str, str]:
    websocket = socket_url.replace("http", "ws", 1)
    return {
        "Content-Security-Policy": f"default-src 'self'; script-src 'self'; style-src 'self'; "
                                   f"connect-src 'self' {socket_url} {websocket}; "
                                   "img-src 'self'; object-src 'none'; base-uri 'none'; "
                                   "frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def chat_status(site: Site) -> Dict[str, Any]:
    now = site.clock()
    open_now = site.schedule.is_open(now)
    return {
        "open": open_now,
        "accepts_handoff": site.schedule.accepts_handoff(now),
        "next_opening": None if open_now else describe_opening(site.schedule.next_opening(now), now),
        "phone": "0800-2000", "emergency": "112", "socket_url": site.socket_url,
        "quick_exit_url": site.quick_exit_url,
    }


async def person_left(site: Site, session_id: str) -> str:
    """Withdraw a waiting handoff, or tell the counsellor of a live one; what happened."""
    ticket = site.queue.active_for(session_id)
    if ticket is None:
        return "nothing"
    if ticket.status == WAITING and site.queue.withdraw(ticket.id, site.clock()):
        return "withdrawn"
    if ticket.status == CLAIMED:
        # Into the transcript only: the person is gone, nothing is sent to their channel.
        await site.rasa.append(session_id, [{"event": "bot", "text": PERSON_LEFT,
                                             "metadata": {"author": "system"}}],
                               side_effects=False)
        return "counsellor_told"
    return "nothing"


def _proven_session(key: bytes, body: bytes) -> Optional[str]:
    """The conversation a request body's token proves (the widget sends {"token": ...})."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return session_token.session_of(key, data.get("token") if isinstance(data, dict) else None)


def create_app(site: Site, name: str = "vt_site") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.config.MOTD = False
    headers = security_headers(site.socket_url)

    @app.on_response
    async def add_headers(request: Request, resp: HTTPResponse) -> None:
        for header, value in headers.items():
            resp.headers.setdefault(header, value)

    @app.get("/")
    async def index(request: Request) -> HTTPResponse:
        return await response.file(WEB / "index.html")

    @app.get("/vendor/socket.io.min.js")
    async def socket_io_client(request: Request) -> HTTPResponse:
        if not SOCKET_IO_CLIENT.exists():
            return response.text("socket.io-client missing: run `make setup`", status=503)
        return await response.file(SOCKET_IO_CLIENT, mime_type="text/javascript")

    add_static_folder(app, "/widget", WEB / "widget", name="widget")
    app.on_request(refuse_unstorable)

    @app.get("/api/chat-status")
    async def status(request: Request) -> HTTPResponse:
        return response.json(chat_status(site))

    @app.post("/api/session")
    async def new_session(request: Request) -> HTTPResponse:
        """A conversation id made here, with the token that proves it to Rasa."""
        source = site.guard.source(client_address(request))
        if not site.guard.allow_new_conversation(source):
            return response.json({"error": "Te veel nieuwe gesprekken. Probeer het zo opnieuw. "
                                           "Bel bij direct gevaar 112, of 0800-2000."},
                                 status=429)
        # The real time, not the schedule's clock (VT_FAKE_NOW): Rasa checks the token with it.
        session_id, token = session_token.new_session(site.session_key,
                                                      datetime.now(timezone.utc))
        return response.json({"session_id": session_id, "token": token})

    @app.post("/api/left")
    async def left(request: Request) -> HTTPResponse:
        session_id = _proven_session(site.session_key, request.body)
        if session_id is None:
            return response.json({"error": "token missing or invalid"}, status=400)
        try:
            outcome = await person_left(site, session_id)
        except RasaUnavailable as exc:
            logger.warning("Could not note that a person left: %s", exc)
            outcome = "not_noted"
        return response.json({"ok": True, "outcome": outcome})

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return response.text("ok")

    @app.exception(SQLAlchemyError)
    async def database_down(request: Request, exc: Exception) -> HTTPResponse:
        logger.error("Website database error on %s: %s", request.path, type(exc).__name__)
        return response.json({"error": "Er is nu een storing. Bel bij direct gevaar 112, of "
                                       "gratis 0800-2000."}, status=503)

    return app
