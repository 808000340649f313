"""Rasa's REST channel with our intake in front, and a health check that includes the database.

Rasa 3.6's `RestInput` passes any JSON on: a body that is not an object, a `sender` with
slashes or NUL, a `message` that is null, a number or a lone surrogate, and `input_channel` or
`metadata` of the client's choosing. Some of those gave a 500, some were silently ignored, one
took the Rasa server down for everyone. Here each gets a 400 with a clear reason, and what
reaches the bot is a checked conversation id and text.

credentials.yml: `bot.channels.rest.RestChannel:` (replaces `rest:`).
"""

from __future__ import annotations

import gc
import json
from typing import Any, Dict, Optional, Text, Tuple, Union

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import conversation_ids
from bot.channels.intake import Intake, NewMessage
from bot.tracker_store import guarded_store
from bot.web_safety import client_address, is_storable

CHANNEL = "rest"
USAGE = 'a JSON object: {"sender": "<conversation id>", "message": "<text>"}'
# What one request (or websocket frame) to the Rasa server may hold, instead of Sanic's
# 100 MB: room for a message of MAX_MESSAGE_CHARS even when every character is escaped.
MAX_REQUEST_BYTES = 128 * 1024


def limit_request_sizes(app: Any) -> None:
    """Cap request bodies and websocket frames of the whole Rasa server (every route)."""
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.config.WEBSOCKET_MAX_SIZE = MAX_REQUEST_BYTES


class BoundedBlueprint(Blueprint):
    """A channel's blueprint that also caps the server's request sizes when registered."""

    def register(self, app: Any, options: Dict[str, Any]) -> None:
        limit_request_sizes(app)
        super().register(app, options)


def parse_message(body: bytes) -> Union[Tuple[str, str], str]:
    """(sender, text) of a REST request body, or the reason it is refused."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return f"the body is not JSON; send {USAGE}"
    if not isinstance(data, dict):
        return f"the body must be {USAGE}"
    sender, text = data.get("sender"), data.get("message")
    if not conversation_ids.is_valid(sender):
        return f"sender: {conversation_ids.RULE}"
    if not isinstance(text, str):
        return "message must be a string (the person's text)"
    if not is_storable(text):
        return "message holds characters that cannot be stored (NUL or a lone surrogate)"
    return sender, text


class RestChannel(RestInput):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        self.intake = Intake(CHANNEL)

    def blueprint(self, on_new_message: NewMessage) -> Blueprint:
        hook = BoundedBlueprint("vt_rest_webhook", __name__)

        @hook.listener("after_server_start")
        async def freeze_the_loaded_model(app: Any, loop: Any) -> None:
            # The loaded model is some 600,000 long-lived objects. Python's full garbage
            # collection walks them all (about 0.3 s here), blocking every conversation, and
            # any message can set it off. Frozen, they are left out of every collection.
            gc.collect()
            gc.freeze()

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return database_health(request.app.ctx.agent)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            parsed = parse_message(request.body)
            if isinstance(parsed, str):
                return response.json({"error": parsed}, status=400)
            sender, text = parsed
            collector = CollectingOutputChannel()
            await self.intake.receive(request.app.ctx.agent, on_new_message, text, collector,
                                      sender, self.intake.guard.source(client_address(request)))
            return response.json(collector.messages)

        return hook


def database_health(agent: Any) -> HTTPResponse:
    """200 when the bot is loaded and its database takes writes; 503 (with which) otherwise."""
    if agent is None or not getattr(agent, "is_ready", lambda: False)():
        return response.json({"status": "starting", "database": "unknown"}, status=503)
    store = guarded_store(agent)
    if store is None:
        return response.json({"status": "ok", "database": "not checked"})
    if store.probe():
        return response.json({"status": "ok", "database": "ok"})
    return response.json({"status": "degraded", "database": "unavailable"}, status=503)
