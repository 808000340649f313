"""Local stand-ins for the Telegram Bot API and the Twilio REST API, plus builders for
the platforms' incoming webhook payloads.

Both stand-ins are plain ``http.server`` servers on 127.0.0.1 (port 0 = a free port)
running in a daemon thread. They speak the platforms' real wire formats closely enough
for the real clients (aiogram 2.15 and twilio 8.2.2) to parse the answers, and they
record every request so tests can assert on what the bot sent.

    with TelegramStandIn(token) as telegram:
        bot = Bot(token, server=TelegramAPIServer.from_base(telegram.base_url))
        ...
        call = telegram.wait_for(lambda c: c.method == "sendmessage" and c.chat_id == 42)

Formats follow https://core.telegram.org/bots/api and
https://www.twilio.com/docs/messaging/api/message-resource (and Twilio's inbound
WhatsApp webhook / X-Twilio-Signature documentation).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import email.utils
import itertools
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message as _MimeHeaders
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

__all__ = [
    "ReceivedFile",
    "TelegramCall",
    "TelegramStandIn",
    "TwilioRequest",
    "TwilioStandIn",
    "telegram_update",
    "telegram_callback_update",
    "telegram_photo_update",
    "twilio_whatsapp_params",
    "twilio_whatsapp_image_params",
    "twilio_signature",
    "post_twilio_webhook",
]


# --------------------------------------------------------------------------------------
# Shared HTTP plumbing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedFile:
    """A file part of a multipart/form-data request."""

    filename: Optional[str]
    content_type: Optional[str]
    data: bytes


@dataclass
class _Body:
    kind: str  # "none" | "urlencoded" | "multipart" | "json" | "other"
    fields: Dict[str, List[str]] = field(default_factory=dict)  # form fields, multi-valued
    files: Dict[str, ReceivedFile] = field(default_factory=dict)
    json: Any = None
    error: Optional[str] = None  # the body could not be parsed


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        chunks = []
        while True:
            size_line = handler.rfile.readline().split(b";", 1)[0].strip()
            size = int(size_line or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()  # CRLF after each chunk
        return b"".join(chunks)
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _header_params(value: str) -> Tuple[str, Dict[str, str]]:
    """Split a header like 'multipart/form-data; boundary=x' into ('multipart/form-data', {...})."""
    if not value.strip():
        return "", {}
    headers = _MimeHeaders()
    headers["Content-Type"] = value
    params = {k.lower(): email.utils.collapse_rfc2231_value(v)
              for k, v in (headers.get_params() or [])[1:]}
    return value.split(";", 1)[0].strip().lower(), params


def _parse_multipart(body: bytes, boundary: str) -> Tuple[Dict[str, List[str]], Dict[str, ReceivedFile]]:
    fields: Dict[str, List[str]] = {}
    files: Dict[str, ReceivedFile] = {}
    delimiter = b"--" + boundary.encode("latin-1")
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break  # closing delimiter
        if part.startswith(b"\r\n"):
            part = part[2:]
        raw_headers, _, data = part.partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers = _MimeHeaders()
        for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip()] = value.strip()
        name = headers.get_param("name", header="content-disposition")
        if name is None:
            continue
        name = email.utils.collapse_rfc2231_value(name)
        filename = headers.get_param("filename", header="content-disposition")
        if filename is not None:
            files[name] = ReceivedFile(
                filename=email.utils.collapse_rfc2231_value(filename),
                content_type=headers.get_content_type() if headers.get("Content-Type") else None,
                data=data,
            )
        else:
            charset = headers.get_content_charset() or "utf-8"
            fields.setdefault(name, []).append(data.decode(charset, "replace"))
    return fields, files


def _parse_body(handler: BaseHTTPRequestHandler) -> _Body:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query, keep_blank_values=True)
    raw = _read_body(handler) if handler.command != "GET" else b""
    content_type, params = _header_params(handler.headers.get("Content-Type") or "")
    result = _Body(kind="none", fields={k: list(v) for k, v in query.items()})
    if not raw:
        return result
    try:
        if content_type == "application/x-www-form-urlencoded":
            result.kind = "urlencoded"
            charset = params.get("charset", "utf-8")
            for key, values in urllib.parse.parse_qs(
                raw.decode("latin-1"), keep_blank_values=True, encoding=charset
            ).items():
                result.fields.setdefault(key, []).extend(values)
        elif content_type == "multipart/form-data":
            result.kind = "multipart"
            if "boundary" not in params:
                raise ValueError("multipart/form-data without a boundary")
            fields, files = _parse_multipart(raw, params["boundary"])
            for key, values in fields.items():
                result.fields.setdefault(key, []).extend(values)
            result.files = files
        elif content_type == "application/json" or content_type.endswith("+json"):
            result.kind = "json"
            result.json = json.loads(raw.decode(params.get("charset", "utf-8")))
        else:
            result.kind = "other"
            result.error = f"unsupported Content-Type {content_type!r}"
    except (ValueError, UnicodeDecodeError) as exc:
        result.error = str(exc)
    return result


class _Handler(BaseHTTPRequestHandler):
    standin: "_StandIn"  # set on the per-server subclass
    server_version = "standin/1.0"

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.standin._handle(self)

    def do_POST(self) -> None:  # noqa: N802
        self.standin._handle(self)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def send_json(self, status: int, payload: Any, content_type: str = "application/json",
                  extra_headers: Optional[Mapping[str, str]] = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class _StandIn:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread; subclasses implement _handle."""

    def __init__(self, port: Optional[int] = None) -> None:
        self._requested_port = port or 0
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    # lifecycle ------------------------------------------------------------------------
    def start(self) -> "_StandIn":
        if self._server is not None:
            return self
        handler = type(f"{type(self).__name__}Handler", (_Handler,), {"standin": self})
        server = ThreadingHTTPServer(("127.0.0.1", self._requested_port), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"{type(self).__name__}:{server.server_address[1]}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # recording ------------------------------------------------------------------------
    def _records(self) -> list:
        raise NotImplementedError

    def _describe(self, record: Any) -> str:
        return repr(record)

    def _notify(self) -> None:
        self._changed.notify_all()

    def mark(self) -> int:
        """The number of requests recorded so far: pass as `since=` to wait only for newer ones."""
        with self._lock:
            return len(self._records())

    def _wait(self, items: Callable[[], list], predicate: Callable[[Any], bool],
              timeout: float, since: int, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                snapshot = list(items())
            for item in snapshot[since:]:
                if predicate(item):  # outside the lock: predicates may call calls()/sent()
                    return item
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with self._changed:
                if len(items()) == len(snapshot):
                    self._changed.wait(min(remaining, 0.05))
        seen = [self._describe(item) for item in snapshot]
        listing = "\n  ".join(seen[since:]) or "(nothing)"
        raise AssertionError(
            f"{type(self).__name__}: no matching {what} within {timeout} s "
            f"({len(seen) - since} received since #{since}):\n  {listing}"
        )

    def _handle(self, handler: _Handler) -> None:
        raise NotImplementedError


def _post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


# --------------------------------------------------------------------------------------
# Telegram Bot API
# --------------------------------------------------------------------------------------

# Parameters Telegram takes as JSON-serialized objects (form clients send JSON strings).
_TG_JSON_PARAMS = {
    "reply_markup", "entities", "caption_entities", "allowed_updates", "media", "commands",
    "scope", "results", "prices", "shipping_options", "options", "explanation_entities",
    "errors", "permissions", "menu_button", "rights", "reply_parameters", "link_preview_options",
}
_TG_INT_PARAMS = {
    "from_chat_id", "message_id", "reply_to_message_id", "max_connections", "cache_time",
    "offset", "limit", "timeout", "user_id", "message_thread_id", "update_id",
}
_TG_BOOL_PARAMS = {
    "disable_web_page_preview", "disable_notification", "allow_sending_without_reply",
    "protect_content", "drop_pending_updates", "show_alert", "is_personal",
    "disable_content_type_detection", "supports_streaming", "has_spoiler",
}
_TG_CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "record_audio", "upload_audio", "upload_document", "choose_sticker", "find_location",
    "record_video_note", "upload_video_note",
}
_TG_TEXT_LIMIT = 4096
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_INT_LIKE = re.compile(r"^-?\d+$")
_TG_PATH = re.compile(r"^/bot([^/]*)/([^/?]+)/?$")


def _chat_key(chat_id: Any) -> Any:
    """123, "123" and " 123 " compare equal; "@channel" stays a string."""
    if isinstance(chat_id, bool):
        return chat_id
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str) and _INT_LIKE.match(chat_id.strip()):
        return int(chat_id.strip())
    return chat_id


def _as_bool(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    return value


class _TelegramError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class TelegramCall:
    """One request to the Telegram stand-in.

    method: lower-cased method name ("sendmessage"); params: the parameters with JSON
    strings decoded into objects (reply_markup, entities, allowed_updates, ...), chat_id
    and other ids as int when numeric and booleans as bool; raw: the fields as received;
    encoding: "urlencoded" | "multipart" | "json" | "none"; status/response: what the
    stand-in answered (HTTP status and the JSON body).
    """

    method: str
    params: Dict[str, Any]
    raw: Dict[str, Any]
    files: Dict[str, ReceivedFile]
    encoding: str
    status: int
    response: Dict[str, Any]
    time: float

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        return _chat_key(self.params.get("chat_id"))

    @property
    def text(self) -> Optional[str]:
        return self.params.get("text")

    @property
    def result(self) -> Any:
        return self.response.get("result")


class TelegramStandIn(_StandIn):
    """The Telegram Bot API on 127.0.0.1: POST/GET /bot<token>/<method>.

    Implements getMe, setWebhook, deleteWebhook, getWebhookInfo, sendMessage,
    answerCallbackQuery and sendChatAction (method names case-insensitive); parameters as
    application/x-www-form-urlencoded, multipart/form-data, JSON or query string.
    Wrong token -> 401 Unauthorized, unknown method -> 404 Not Found, as Telegram does.
    """

    def __init__(self, token: str, bot_username: str = "VeiligThuisTestBot", *,
                 port: Optional[int] = None, bot_first_name: str = "Veilig Thuis (test)",
                 chat_first_name: str = "Sam") -> None:
        super().__init__(port)
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: Dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.chat_first_name = chat_first_name
        self._calls: List[TelegramCall] = []
        self._message_ids = itertools.count(1)
        self._webhook_state: Dict[str, Any] = {}  # current webhook (cleared by deleteWebhook)
        self._last_set_webhook: Optional[Dict[str, Any]] = None
        self._blocked: set = set()
        self._methods: Dict[str, Callable[[Dict[str, Any]], Tuple[Any, Optional[str]]]] = {
            "getme": self._get_me,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
        }

    # public helpers -------------------------------------------------------------------
    def calls(self, method: Optional[str] = None) -> List[TelegramCall]:
        """All recorded calls (also refused ones; see .status), optionally of one method."""
        with self._lock:
            calls = list(self._calls)
        if method is not None:
            calls = [c for c in calls if c.method == method.lower()]
        return calls

    def sent_messages(self, chat_id: Union[int, str, None] = None) -> List[Dict[str, Any]]:
        """The params of each successful sendMessage, optionally to one chat ("123" == 123)."""
        return [
            c.params for c in self.calls("sendmessage")
            if c.ok and (chat_id is None or c.chat_id == _chat_key(chat_id))
        ]

    def texts(self, chat_id: Union[int, str, None] = None) -> List[str]:
        """The texts of sent_messages(chat_id)."""
        return [p.get("text") for p in self.sent_messages(chat_id)]

    def wait_for(self, predicate: Callable[[TelegramCall], bool], timeout: float = 30,
                 since: int = 0) -> TelegramCall:
        """The first recorded call (from index `since`, see mark()) matching predicate;
        waits up to timeout seconds, then raises AssertionError listing what came in."""
        return self._wait(lambda: self._calls, predicate, timeout, since, "Telegram call")

    async def wait_for_async(self, predicate: Callable[[TelegramCall], bool],
                             timeout: float = 30, since: int = 0) -> TelegramCall:
        """wait_for without blocking the running event loop."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.calls()[since:]:
                if predicate(call):
                    return call
            await asyncio.sleep(0.05)
        return self.wait_for(predicate, timeout=0, since=since)

    @property
    def webhook(self) -> Optional[Dict[str, Any]]:
        """The params of the last successful setWebhook call (url, secret_token,
        allowed_updates, ...), or None if there was none."""
        with self._lock:
            return copy.deepcopy(self._last_set_webhook)

    def block(self, chat_id: Union[int, str]) -> None:
        """Behave as if this user blocked the bot: sendMessage/sendChatAction to the chat
        get 403 "Forbidden: bot was blocked by the user" (aiogram: BotBlocked)."""
        with self._lock:
            self._blocked.add(_chat_key(chat_id))

    def unblock(self, chat_id: Union[int, str]) -> None:
        with self._lock:
            self._blocked.discard(_chat_key(chat_id))

    def clear(self) -> None:
        """Forget the recorded calls (the webhook stays)."""
        with self._lock:
            self._calls.clear()

    def post_update(self, update: Mapping[str, Any], url: Optional[str] = None,
                    timeout: float = 30) -> Tuple[int, str]:
        """Deliver an Update the way Telegram does: POST JSON to the webhook url set with
        setWebhook (or `url`), with X-Telegram-Bot-Api-Secret-Token if a secret_token was
        set. Returns (HTTP status, response body)."""
        with self._lock:
            state = dict(self._webhook_state)
        target = url or state.get("url")
        if not target:
            raise AssertionError("TelegramStandIn.post_update: no webhook set and no url given")
        headers = {"Content-Type": "application/json"}
        if state.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = state["secret_token"]
        return _post(target, json.dumps(update).encode("utf-8"), headers, timeout)

    # server side ----------------------------------------------------------------------
    def _records(self) -> list:
        return self._calls

    def _describe(self, call: TelegramCall) -> str:
        shown = {k: v for k, v in call.params.items()}
        return f"{call.method} [{call.status}] {json.dumps(shown, ensure_ascii=False, default=str)}"

    def _handle(self, handler: _Handler) -> None:
        path = urllib.parse.urlsplit(handler.path).path
        match = _TG_PATH.match(path)
        body = _parse_body(handler)
        method = match.group(2).lower() if match else path
        raw: Dict[str, Any]
        if body.kind == "json" and isinstance(body.json, dict):
            raw = {**{k: v[-1] for k, v in body.fields.items()}, **body.json}
        else:
            raw = {k: v[-1] for k, v in body.fields.items()}

        status, payload = 200, None
        params: Dict[str, Any] = dict(raw)
        try:
            if not match:
                raise _TelegramError(404, "Not Found")
            if match.group(1) != self.token:
                raise _TelegramError(401, "Unauthorized")
            if body.error is not None or (body.kind == "json" and not isinstance(body.json, dict)):
                raise _TelegramError(400, "Bad Request: can't parse request body")
            params = self._normalize(raw)
            implementation = self._methods.get(method)
            if implementation is None:
                raise _TelegramError(404, "Not Found")
            with self._lock:
                result, description = implementation(params)
            payload = {"ok": True, "result": result}
            if description:
                payload["description"] = description
        except _TelegramError as error:
            status = error.code
            payload = {"ok": False, "error_code": error.code, "description": error.description}

        call = TelegramCall(method=method, params=params, raw=raw, files=dict(body.files),
                            encoding=body.kind, status=status, response=payload, time=time.time())
        with self._lock:
            self._calls.append(call)
            self._notify()
        handler.send_json(status, payload)

    @staticmethod
    def _normalize(raw: Dict[str, Any]) -> Dict[str, Any]:
        params: Dict[str, Any] = {}
        for key, value in raw.items():
            if key in _TG_JSON_PARAMS and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    what = {"reply_markup": "reply keyboard markup", "entities": "entities"}
                    raise _TelegramError(
                        400, f"Bad Request: can't parse {what.get(key, key)} JSON object")
            elif key == "chat_id":
                value = _chat_key(value)
            elif key in _TG_INT_PARAMS and isinstance(value, str) and _INT_LIKE.match(value.strip()):
                value = int(value.strip())
            elif key in _TG_BOOL_PARAMS:
                value = _as_bool(value)
            params[key] = value
        return params

    def _chat(self, chat_id: Any) -> Dict[str, Any]:
        if chat_id in (None, ""):
            raise _TelegramError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _TelegramError(400, "Bad Request: chat not found")
        if chat_id in self._blocked:
            raise _TelegramError(403, "Forbidden: bot was blocked by the user")
        if chat_id == self.bot_user["id"]:
            raise _TelegramError(403, "Forbidden: bot can't send messages to bots")
        if chat_id > 0:
            return {"id": chat_id, "first_name": self.chat_first_name, "type": "private"}
        return {"id": chat_id, "title": "Test group", "type": "group",
                "all_members_are_administrators": True}

    # methods (called with self._lock held) ----------------------------------------------
    def _get_me(self, params: Dict[str, Any]) -> Tuple[Any, Optional[str]]:
        return {**self.bot_user, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}, None

    def _set_webhook(self, params: Dict[str, Any]) -> Tuple[Any, Optional[str]]:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(str(secret)):
            raise _TelegramError(400, "Bad Request: secret token contains unallowed characters")
        if url and not re.match(r"^https?://[^/]+", url):
            raise _TelegramError(400, "Bad Request: bad webhook: Failed to resolve host: "
                                      "Name or service not known")
        self._last_set_webhook = copy.deepcopy(params)
        if not url:
            existed = bool(self._webhook_state)
            self._webhook_state = {}
            return True, "Webhook was deleted" if existed else "Webhook is already deleted"
        existed = self._webhook_state.get("url") == url
        self._webhook_state = copy.deepcopy(params)
        return True, "Webhook is already set" if existed else "Webhook was set"

    def _delete_webhook(self, params: Dict[str, Any]) -> Tuple[Any, Optional[str]]:
        existed = bool(self._webhook_state)
        self._webhook_state = {}
        return True, "Webhook was deleted" if existed else "Webhook is already deleted"

    def _get_webhook_info(self, params: Dict[str, Any]) -> Tuple[Any, Optional[str]]:
        state = self._webhook_state
        info: Dict[str, Any] = {"url": state.get("url", ""), "has_custom_certificate": False,
                                "pending_update_count": 0}
        if state.get("url"):
            info["max_connections"] = int(state.get("max_connections") or 40)
            info["ip_address"] = state.get("ip_address") or "127.0.0.1"
            if state.get("allowed_updates"):
                info["allowed_updates"] = state["allowed_updates"]
        return info, None

    def _send_message(self, params: Dict[str, Any]) -> Tuple[Any, Optional[str]]:
        chat = self._chat(params.get("chat_id"))
        text = params.get("text")
        if text is None or not str(text).strip():
            raise _TelegramError(400, "Bad Request: message text is empty")
        if len(str(text)) > _TG_TEXT_LIMIT:
            raise _TelegramError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if markup is not None and not isinstance(markup, dict):
            raise _TelegramError(400, "Bad Request: object expected as reply markup")
        message: Dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": dict(self.bot_user),
            "chat": chat,
            "date": int(time.time()),
            "text": str(text),
        }
        if isinstance(params.get("entities"), list):
            message["entities"] = params["entities"]
        # Telegram echoes only inline keyboards in the Message (reply keyboards are not part
        # of a Message); the sent params keep whatever was sent.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        return message, None

    def _answer_callback_query(self, params: Dict[str, Any]) -> Tuple[Any, Optional[str]]:
        if not params.get("callback_query_id"):
            raise _TelegramError(400, "Bad Request: query is too old and response timeout "
                                      "expired or query ID is invalid")
        return True, None

    def _send_chat_action(self, params: Dict[str, Any]) -> Tuple[Any, Optional[str]]:
        self._chat(params.get("chat_id"))
        if params.get("action") not in _TG_CHAT_ACTIONS:
            raise _TelegramError(400, "Bad Request: wrong parameter action in request")
        return True, None


# --------------------------------------------------------------------------------------
# Twilio REST API (Messages)
# --------------------------------------------------------------------------------------

_TWILIO_MESSAGES = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
_TWILIO_MESSAGE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages/([A-Z]{2}[0-9a-f]{32})\.json$")
_ADDRESS = re.compile(r"^(?:(whatsapp|messenger):)?\+[1-9]\d{6,14}$")
_BODY_LIMIT = 1600
WINDOW_CLOSED_MESSAGE = (
    "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template."
)


def _twilio_error(code: int, message: str, status: int) -> Dict[str, Any]:
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def _rfc2822_now() -> str:
    return email.utils.format_datetime(datetime.now(timezone.utc).replace(microsecond=0))


def _channel(address: str) -> str:
    return address.split(":", 1)[0] if ":" in address else "sms"


@dataclass(frozen=True)
class TwilioRequest:
    """One POST to Messages.json: the form fields (str; MediaUrl always a list), what the
    stand-in answered, and the HTTP Basic user it came with."""

    fields: Dict[str, Any]
    status: int
    response: Dict[str, Any]
    username: Optional[str]
    time: float

    @property
    def ok(self) -> bool:
        return self.status == 201


class TwilioStandIn(_StandIn):
    """Twilio's Programmable Messaging API on 127.0.0.1:
    POST /2010-04-01/Accounts/<AccountSid>/Messages.json (and GET .../Messages/<Sid>.json),
    HTTP Basic auth account_sid:auth_token, form-encoded To/From/Body/MediaUrl/
    MessagingServiceSid; answers 201 with Twilio's Message resource or Twilio's error JSON.
    """

    def __init__(self, account_sid: str, auth_token: str, *, port: Optional[int] = None) -> None:
        super().__init__(port)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._requests: List[TwilioRequest] = []
        self._messages: Dict[str, Dict[str, Any]] = {}  # sid -> Message resource
        self._refused: Dict[str, Tuple[int, int, str]] = {}

    # public helpers -------------------------------------------------------------------
    def sent(self, to: Optional[str] = None) -> List[Dict[str, Any]]:
        """Form fields of each accepted message (201), optionally only those To `to`."""
        return [r.fields for r in self.requests() if r.ok and (to is None or r.fields.get("To") == to)]

    def bodies(self, to: Optional[str] = None) -> List[str]:
        return [fields.get("Body", "") for fields in self.sent(to)]

    def requests(self, to: Optional[str] = None) -> List[TwilioRequest]:
        """Every POST to Messages.json, refused ones included (see .status / .response)."""
        with self._lock:
            requests = list(self._requests)
        return [r for r in requests if to is None or r.fields.get("To") == to]

    def messages(self) -> List[Dict[str, Any]]:
        """The Message resources the stand-in created (the 201 response bodies)."""
        with self._lock:
            return [copy.deepcopy(m) for m in self._messages.values()]

    def wait_for(self, predicate: Callable[[Dict[str, Any]], bool], timeout: float = 30,
                 since: int = 0) -> Dict[str, Any]:
        """The first accepted message's form fields (from request index `since`, see mark())
        matching predicate; waits up to timeout s, then raises AssertionError listing all."""
        return self._wait(lambda: self._requests, lambda r: r.ok and predicate(r.fields),
                          timeout, since, "Twilio message").fields

    async def wait_for_async(self, predicate: Callable[[Dict[str, Any]], bool],
                             timeout: float = 30, since: int = 0) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in self.requests()[since:]:
                if request.ok and predicate(request.fields):
                    return request.fields
            await asyncio.sleep(0.05)
        return self.wait_for(predicate, timeout=0, since=since)

    def refuse(self, to: str, code: int = 63016, status: int = 400,
               message: str = WINDOW_CLOSED_MESSAGE) -> None:
        """From now on answer messages To `to` with Twilio's error JSON
        {"code", "message", "more_info", "status"} and HTTP `status`."""
        with self._lock:
            self._refused[to] = (code, status, message)

    def allow(self, to: str) -> None:
        """Undo refuse(to)."""
        with self._lock:
            self._refused.pop(to, None)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._messages.clear()

    # server side ----------------------------------------------------------------------
    def _records(self) -> list:
        return self._requests

    def _describe(self, request: TwilioRequest) -> str:
        outcome = "" if request.ok else f" -> {request.response.get('code')} {request.response.get('message')}"
        return f"[{request.status}] {json.dumps(request.fields, ensure_ascii=False)}{outcome}"

    def _authenticated_user(self, handler: _Handler) -> Tuple[Optional[str], bool]:
        header = handler.headers.get("Authorization") or ""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None, False
        try:
            user, _, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, False
        ok = secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(
            password, self.auth_token)
        return user, ok

    def _handle(self, handler: _Handler) -> None:
        path = urllib.parse.urlsplit(handler.path).path
        body = _parse_body(handler)
        content_type = "application/json; charset=utf-8"
        user, authenticated = self._authenticated_user(handler)
        if not authenticated:
            handler.send_json(401, _twilio_error(20003, "Authenticate", 401), content_type,
                              {"WWW-Authenticate": 'Basic realm="Twilio API"'})
            return

        create = _TWILIO_MESSAGES.match(path) if handler.command == "POST" else None
        fetch = _TWILIO_MESSAGE.match(path) if handler.command == "GET" else None
        account = (create or fetch).group(1) if (create or fetch) else None
        if account is None or account != self.account_sid:
            handler.send_json(404, _twilio_error(
                20404, f"The requested resource {path} was not found", 404), content_type)
            return
        if fetch:
            with self._lock:
                resource = copy.deepcopy(self._messages.get(fetch.group(2)))
            if resource is None:
                handler.send_json(404, _twilio_error(
                    20404, f"The requested resource {path} was not found", 404), content_type)
            else:
                handler.send_json(200, resource, content_type)
            return

        fields: Dict[str, Any] = {k: (v if len(v) > 1 else v[0]) for k, v in body.fields.items()}
        if "MediaUrl" in body.fields:
            fields["MediaUrl"] = list(body.fields["MediaUrl"])
        status, payload = self._create(fields, body)
        with self._lock:
            if status == 201:
                self._messages[payload["sid"]] = payload
            self._requests.append(TwilioRequest(fields=fields, status=status,
                                                response=copy.deepcopy(payload), username=user,
                                                time=time.time()))
            self._notify()
        handler.send_json(status, payload, content_type)

    def _create(self, fields: Dict[str, Any], body: _Body) -> Tuple[int, Dict[str, Any]]:
        if body.error is not None or body.kind not in ("urlencoded", "multipart", "none"):
            return 400, _twilio_error(20001, "Request body must be form-encoded", 400)
        to = fields.get("To") or ""
        sender = fields.get("From") or ""
        service = fields.get("MessagingServiceSid") or ""
        text = fields.get("Body") or ""
        media = [url for url in fields.get("MediaUrl", []) if url]
        if not to:
            return 400, _twilio_error(21604, "A 'To' phone number is required.", 400)
        if not sender and not service:
            return 400, _twilio_error(21603, "A 'From' phone number is required.", 400)
        if not text and not media:
            return 400, _twilio_error(21602, "Message body is required.", 400)
        if len(text) > _BODY_LIMIT:
            return 400, _twilio_error(
                21617, "The concatenated message body exceeds the 1600 character limit.", 400)
        if not _ADDRESS.match(to):
            return 400, _twilio_error(21211, f"The 'To' number {to} is not a valid phone number.", 400)
        if sender and _ADDRESS.match(sender) and _channel(sender) != _channel(to):
            return 400, _twilio_error(
                21910, "Invalid From and To pair. From and To should be of the same channel", 400)
        with self._lock:
            refused = self._refused.get(to)
        if refused is not None:
            code, status, message = refused
            return status, _twilio_error(code, message, status)

        sid = ("MM" if media else "SM") + secrets.token_hex(16)
        now = _rfc2822_now()
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return 201, {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": text,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender or None,
            "messaging_service_sid": service or None,
            "num_media": str(len(media)),
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json",
            },
            "to": to,
            "uri": uri,
        }


# --------------------------------------------------------------------------------------
# Incoming webhook payloads
# --------------------------------------------------------------------------------------

_incoming_message_ids = itertools.count(1001)


def _telegram_user(chat_id: int, first_name: str) -> Dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "nl"}


def _telegram_private_chat(chat_id: int, first_name: str) -> Dict[str, Any]:
    return {"id": chat_id, "first_name": first_name, "type": "private"}


def telegram_update(update_id: int, chat_id: int, text: str, first_name: str = "Sam",
                    message_id: Optional[int] = None) -> Dict[str, Any]:
    """An Update with a private text message from the user `chat_id` (as Telegram POSTs it
    to the webhook). A leading /command gets its bot_command entity, as in Telegram."""
    message: Dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_incoming_message_ids),
        "from": _telegram_user(chat_id, first_name),
        "chat": _telegram_private_chat(chat_id, first_name),
        "date": int(time.time()),
        "text": text,
    }
    command = re.match(r"^/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
    if command:
        message["entities"] = [{"offset": 0, "length": len(command.group(0)), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def telegram_callback_update(update_id: int, chat_id: int, data: str, message: Mapping[str, Any],
                             first_name: str = "Sam") -> Dict[str, Any]:
    """An Update with a callback_query: the user pressed an inline button with callback_data
    `data` under `message` (the bot's Message dict, e.g. TelegramCall.result)."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(secrets.randbelow(9 * 10 ** 18) + 10 ** 18),
            "from": _telegram_user(chat_id, first_name),
            "message": copy.deepcopy(dict(message)),
            "chat_instance": str(-(secrets.randbelow(9 * 10 ** 18) + 10 ** 18)),
            "data": data,
        },
    }


def telegram_photo_update(update_id: int, chat_id: int, first_name: str = "Sam",
                          message_id: Optional[int] = None) -> Dict[str, Any]:
    """An Update with a photo message (a `photo` array of PhotoSize, no text)."""
    file_key = secrets.token_urlsafe(24)
    unique = secrets.token_urlsafe(9)
    sizes = [(90, 67, 1309), (320, 240, 16721), (800, 600, 73054), (1280, 960, 142713)]
    photo = [
        {"file_id": f"AgACAgQAAxkBAAIB{file_key}{suffix}", "file_unique_id": f"AQAD{unique}{suffix}",
         "file_size": size, "width": width, "height": height}
        for suffix, (width, height, size) in zip("mxyw", sizes)
    ]
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id if message_id is not None else next(_incoming_message_ids),
            "from": _telegram_user(chat_id, first_name),
            "chat": _telegram_private_chat(chat_id, first_name),
            "date": int(time.time()),
            "photo": photo,
        },
    }


def twilio_whatsapp_params(account_sid: str, from_number: str, to_number: str, body: str,
                           profile_name: str = "Sam", *, image: bool = False,
                           media_url: Optional[str] = None,
                           media_content_type: str = "image/jpeg") -> Dict[str, str]:
    """The form fields Twilio POSTs to the webhook for an incoming WhatsApp message;
    from_number/to_number like "whatsapp:+31612345678". image=True (or media_url) makes it
    an image message: NumMedia "1", MediaUrl0, MediaContentType0, MessageType "image",
    Body = the caption (pass "" for none) and an MM… message sid, as Twilio does."""
    image = image or media_url is not None
    sid = ("MM" if image else "SM") + secrets.token_hex(16)
    params: Dict[str, str] = {}
    if image:
        params["MediaContentType0"] = media_content_type
        params["MediaUrl0"] = media_url or (
            f"https://api.twilio.com/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
            f"/Media/ME{secrets.token_hex(16)}"
        )
    params.update({
        "SmsMessageSid": sid,
        "NumMedia": "1" if image else "0",
        "ProfileName": profile_name,
        "MessageType": "image" if image else "text",
        "SmsSid": sid,
        "WaId": re.sub(r"^whatsapp:\+?", "", from_number),
        "SmsStatus": "received",
        "Body": body,
        "To": to_number,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_number,
        "ApiVersion": "2010-04-01",
    })
    return params


def twilio_whatsapp_image_params(account_sid: str, from_number: str, to_number: str,
                                 caption: str = "", profile_name: str = "Sam",
                                 media_url: Optional[str] = None,
                                 media_content_type: str = "image/jpeg") -> Dict[str, str]:
    """twilio_whatsapp_params for an image message (Body "" unless a caption is given)."""
    return twilio_whatsapp_params(account_sid, from_number, to_number, caption, profile_name,
                                  image=True, media_url=media_url,
                                  media_content_type=media_content_type)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Any]) -> str:
    """The X-Twilio-Signature header value Twilio sends with a POST of `params` to `url`
    (url exactly as Twilio requested it, scheme/host/port/path/query)."""
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token).compute_signature(url, dict(params))


def post_twilio_webhook(url: str, params: Mapping[str, str], auth_token: Optional[str] = None,
                        timeout: float = 30, signature_url: Optional[str] = None) -> Tuple[int, str]:
    """POST `params` form-encoded to `url` the way Twilio does (X-Twilio-Signature computed
    over signature_url or url when auth_token is given). Returns (HTTP status, body)."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": secrets.token_hex(16),
    }
    if auth_token is not None:
        headers["X-Twilio-Signature"] = twilio_signature(auth_token, signature_url or url, params)
    return _post(url, urllib.parse.urlencode(dict(params)).encode("utf-8"), headers, timeout)
