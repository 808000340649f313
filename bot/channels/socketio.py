"""Rasa's socket.io channel for the website widget, with a session token and our intake.

Rasa 3.6's `SocketIOInput` trusts the session id a client names: anyone who knows it could join
the conversation's room, read the chat live and write as the person. Here a client connects
only with the website's token (`bot/channels/session_token.py`), which binds the connection to
one conversation: `session_request` and `user_uttered` for any other conversation are refused.
Browsers are let in only from the website's origins (`site.origins` in settings.yml), a
message is at most 128 kB on the wire, and every message goes through the intake (length,
flood limits, "/restart" during a handoff, answers when something fails).

credentials.yml: `bot.channels.socketio.SocketIOChannel:` (replaces `socketio:`); the token
key comes from VT_SOCKET_KEY, shared with the website.
"""

from __future__ import annotations

import inspect
import logging
import os
from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels import session_token
from bot.channels.intake import Intake, NewMessage
from bot.channels.rest import MAX_REQUEST_BYTES, limit_request_sizes
from bot.web_safety import client_address, is_storable

logger = logging.getLogger(__name__)

CHANNEL = "socketio"


class _BoundedSocketBlueprint(SocketBlueprint):
    def register(self, app: Any, options: Dict[str, Any]) -> None:
        limit_request_sizes(app)
        super().register(app, options)


def _origins() -> list:
    from bot.settings import load_settings

    return list(load_settings().site.origins)


class SocketIOChannel(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(session_token.load_key(os.environ), _origins(),
                   credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"),
                   credentials.get("socketio_path", "/socket.io"))

    def __init__(self, key: bytes, origins: list, user_message_evt: Text = "user_uttered",
                 bot_message_evt: Text = "bot_uttered", socketio_path: Text = "/socket.io"):
        super().__init__(user_message_evt, bot_message_evt, None, True, socketio_path)
        self.key = key
        self.origins = origins
        self.intake = Intake(CHANNEL)

    def blueprint(self, on_new_message: NewMessage) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.origins,
                          max_http_buffer_size=MAX_REQUEST_BYTES)
        hook = _BoundedSocketBlueprint(sio, self.socketio_path, "vt_socketio_webhook", __name__)
        self.sio = sio  # for get_output_channel (counsellor messages)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect")
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            conversation = session_token.session_of(
                self.key, auth.get("token") if isinstance(auth, dict) else None)
            if conversation is None:
                return False  # no valid token: no connection at all
            request = environ.get("sanic.request")
            address = client_address(request) if request is not None else None
            await sio.save_session(sid, {"conversation": conversation,
                                         "source": self.intake.guard.source(address)})
            return True

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any) -> None:
            session = await sio.get_session(sid)
            wanted = data.get("session_id") if isinstance(data, dict) else None
            if wanted not in (None, session["conversation"]):
                await sio.emit("session_refused", {"reason": "not this token's session"},
                               room=sid)
                return
            entered = sio.enter_room(sid, session["conversation"])
            if inspect.isawaitable(entered):  # a coroutine from python-socketio 5.10 on
                await entered
            await sio.emit("session_confirm", session["conversation"], room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any) -> None:
            session = await sio.get_session(sid)
            conversation = session["conversation"]
            text = data.get("message") if isinstance(data, dict) else None
            named = data.get("session_id") if isinstance(data, dict) else None
            if named not in (None, conversation) or not isinstance(text, str) \
                    or not is_storable(text):
                await sio.emit("message_refused", {"reason": "invalid message"}, room=sid)
                return
            # Client metadata is not passed on: nothing the browser says is trusted.
            await self.intake.receive(sio_agent(hook), on_new_message, text,
                                      SocketIOOutput(sio, self.bot_message_evt), conversation,
                                      session["source"], connection=sid)

        return hook


def sio_agent(hook: SocketBlueprint) -> Any:
    """The Rasa agent of the (one) app this blueprint is registered on."""
    return next(iter(hook.apps)).ctx.agent
