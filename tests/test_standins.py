"""The Telegram and Twilio stand-ins answer the real clients (aiogram 2.15, twilio 8.2.2)
the way the real APIs do, and the webhook builders produce what the platforms send."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import pytest
import requests
from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update
from aiogram.utils import exceptions as tg_errors
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from tests.e2e.standins import (
    TelegramStandIn,
    TwilioStandIn,
    post_twilio_webhook,
    telegram_callback_update,
    telegram_photo_update,
    telegram_update,
    twilio_signature,
    twilio_whatsapp_image_params,
    twilio_whatsapp_params,
)

TOKEN = "123456789:AAH" + "xY_z-0123456789abcdefghijKLMNOPQR"[:32]
OTHER_TOKEN = "123456789:AAH" + "Q" * 32
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
BOT_NUMBER = "whatsapp:+14155238886"
USER_NUMBER = "whatsapp:+31612345678"


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def telegram() -> Iterator[TelegramStandIn]:
    with TelegramStandIn(TOKEN) as standin:
        yield standin


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as standin:
        yield standin


class RewritingHttpClient(TwilioHttpClient):
    """Sends the twilio client's requests to the stand-in instead of api.twilio.com."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10)
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        return super().request(method, url.replace("https://api.twilio.com", self.base_url),
                               *args, **kwargs)


def twilio_client(standin: TwilioStandIn, auth_token: str = AUTH_TOKEN) -> Client:
    return Client(ACCOUNT_SID, auth_token, http_client=RewritingHttpClient(standin.base_url))


class Receiver:
    """A tiny webhook endpoint that records what it was sent."""

    def __init__(self) -> None:
        received: List[Dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"success")

            def log_message(self, *args: Any) -> None:
                pass

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/telegram/webhook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


def raw_post(url: str, body: bytes, content_type: str) -> tuple:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# ---------------------------------------------------------------------------- Telegram


async def test_aiogram_get_me_and_send_message_with_inline_keyboard(telegram):
    bot = Bot(TOKEN, server=TelegramAPIServer.from_base(telegram.base_url))
    try:
        me = await bot.get_me()
        assert me.is_bot and me.username == "VeiligThuisTestBot" and me.id == 123456789

        keyboard = InlineKeyboardMarkup().row(
            InlineKeyboardButton("Ja", callback_data="/affirm"),
            InlineKeyboardButton("Nee", callback_data="/deny"),
        )
        message = await bot.send_message("4242", "hoi", reply_markup=keyboard)
        second = await bot.send_message(4242, "Gaat het?")
    finally:
        await bot.session.close()

    assert message.text == "hoi" and message.chat.id == 4242 and message.chat.type == "private"
    assert message.from_user.id == me.id and message.from_user.is_bot
    assert message.reply_markup.inline_keyboard[0][1].callback_data == "/deny"
    assert second.message_id == message.message_id + 1

    call = telegram.calls("sendMessage")[0]
    assert call.encoding == "urlencoded"  # aiogram 2.15 posts form data, objects as JSON strings
    assert isinstance(call.raw["reply_markup"], str)
    assert call.params["reply_markup"] == {"inline_keyboard": [[
        {"text": "Ja", "callback_data": "/affirm"}, {"text": "Nee", "callback_data": "/deny"}]]}
    assert call.params["chat_id"] == 4242 and call.chat_id == 4242
    assert call.result["message_id"] == message.message_id
    assert [m["text"] for m in telegram.sent_messages(chat_id="4242")] == ["hoi", "Gaat het?"]
    assert telegram.texts(4242) == ["hoi", "Gaat het?"] and telegram.sent_messages(1) == []
    assert [c.method for c in telegram.calls()] == ["getme", "sendmessage", "sendmessage"]


async def test_aiogram_webhook_chat_action_and_callback_answer(telegram):
    bot = Bot(TOKEN, server=TelegramAPIServer.from_base(telegram.base_url))
    try:
        assert telegram.webhook is None
        assert await bot.set_webhook("https://bot.example/webhooks/telegram/webhook",
                                     allowed_updates=["message", "callback_query"])
        info = await bot.get_webhook_info()
        assert info.url == "https://bot.example/webhooks/telegram/webhook"
        assert info.allowed_updates == ["message", "callback_query"]
        assert info.pending_update_count == 0 and info.has_custom_certificate is False
        assert await bot.send_chat_action(4242, "typing")
        assert await bot.answer_callback_query("4382913093", text="Ok")
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await bot.session.close()
    assert telegram.webhook["url"] == "https://bot.example/webhooks/telegram/webhook"
    assert telegram.webhook["allowed_updates"] == ["message", "callback_query"]
    assert telegram.calls("answercallbackquery")[0].params["callback_query_id"] == "4382913093"


async def test_aiogram_errors_like_telegram(telegram):
    wrong = Bot(OTHER_TOKEN, server=TelegramAPIServer.from_base(telegram.base_url))
    bot = Bot(TOKEN, server=TelegramAPIServer.from_base(telegram.base_url))
    try:
        with pytest.raises(tg_errors.Unauthorized):
            await wrong.get_me()
        with pytest.raises(tg_errors.MessageTextIsEmpty):
            await bot.send_message(4242, "")
        with pytest.raises(tg_errors.MessageIsTooLong):
            await bot.send_message(4242, "a" * 4097)
        telegram.block(4242)
        with pytest.raises(tg_errors.BotBlocked):
            await bot.send_message("4242", "hoi")
    finally:
        await wrong.session.close()
        await bot.session.close()
    assert [c.status for c in telegram.calls()] == [401, 400, 400, 403]
    assert telegram.sent_messages() == []


def test_raw_requests_json_multipart_unknown_method_and_case(telegram):
    url = f"{telegram.base_url}/bot{TOKEN}"
    status, body = raw_post(f"{url}/SENDMESSAGE", json.dumps({
        "chat_id": 7, "text": "json", "reply_markup": {"keyboard": [[{"text": "Ja"}]]}}).encode(),
        "application/json")
    assert status == 200 and body["ok"] and "reply_markup" not in body["result"]
    response = requests.post(f"{url}/sendMessage", timeout=10, data={"chat_id": "-7", "text": "multi"},
                             files={"reply_markup": (None, json.dumps({"remove_keyboard": True}))})
    assert response.status_code == 200 and response.json()["result"]["chat"]["type"] == "group"
    status, body = raw_post(f"{url}/sendSticker", b"chat_id=7", "application/x-www-form-urlencoded")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = raw_post(f"{telegram.base_url}/botWRONG/getMe", b"", "application/json")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})

    first, second = telegram.calls("sendmessage")
    assert first.encoding == "json" and first.params["reply_markup"] == {"keyboard": [[{"text": "Ja"}]]}
    assert second.encoding == "multipart" and second.params["reply_markup"] == {"remove_keyboard": True}
    assert telegram.sent_messages(chat_id=-7)[0]["text"] == "multi"


def test_set_webhook_secret_and_post_update(telegram, receiver):
    status, body = raw_post(f"{telegram.base_url}/bot{TOKEN}/setWebhook", urllib.parse.urlencode(
        {"url": receiver.url, "secret_token": "s3cr3t_-"}).encode(), "application/x-www-form-urlencoded")
    assert status == 200 and body == {"ok": True, "result": True, "description": "Webhook was set"}
    assert telegram.webhook == {"url": receiver.url, "secret_token": "s3cr3t_-"}

    update = telegram_update(1, 4242, "Hallo")
    assert telegram.post_update(update) == (200, "success")
    sent = receiver.received[0]
    assert sent["path"] == "/webhooks/telegram/webhook"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t_-"
    assert json.loads(sent["body"]) == update


def test_wait_for_returns_first_match_and_reports_on_timeout(telegram):
    mark = telegram.mark()
    threading.Timer(0.1, lambda: requests.post(
        f"{telegram.base_url}/bot{TOKEN}/sendMessage", data={"chat_id": 5, "text": "later"},
        timeout=10)).start()
    call = telegram.wait_for(lambda c: c.method == "sendmessage" and c.chat_id == 5, timeout=5,
                             since=mark)
    assert call.text == "later"
    with pytest.raises(AssertionError, match=r"(?s)no matching Telegram call.*sendmessage \[200\].*later"):
        telegram.wait_for(lambda c: c.text == "never", timeout=0.2)


def test_telegram_update_builders_parse_as_aiogram_updates():
    update = Update(**telegram_update(10, 4242, "/start"))
    assert update.message.text == "/start" and update.message.chat.id == 4242
    assert update.message.from_user.language_code == "nl" and update.message.is_command()

    bot_message = {"message_id": 3, "from": {"id": 1, "is_bot": True, "first_name": "VT"},
                   "chat": {"id": 4242, "first_name": "Sam", "type": "private"}, "date": 1,
                   "text": "Ja of nee?"}
    callback = Update(**telegram_callback_update(11, 4242, "/affirm", bot_message))
    assert callback.callback_query.data == "/affirm"
    assert callback.callback_query.message.chat.id == 4242
    assert isinstance(callback.callback_query.id, str)

    photo = Update(**telegram_photo_update(12, 4242))
    assert photo.message.text is None and photo.message.photo[-1].width == 1280
    assert photo.message.content_type == "photo"


# ---------------------------------------------------------------------------- Twilio


def test_twilio_client_creates_a_message(twilio):
    client = twilio_client(twilio)
    message = client.messages.create(to=USER_NUMBER, from_=BOT_NUMBER, body="Hallo Sam")
    assert isinstance(message, MessageInstance)
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued" and message.direction == "outbound-api"
    assert message.to == USER_NUMBER and message.from_ == BOT_NUMBER and message.body == "Hallo Sam"
    assert message.date_created.year >= 2023 and message.price is None and message.num_media == "0"
    assert message.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"
    assert client.messages(message.sid).fetch().body == "Hallo Sam"

    image = client.messages.create(to=USER_NUMBER, from_=BOT_NUMBER,
                                   media_url=["https://example.invalid/kaart.png"])
    assert image.num_media == "1" and image.sid.startswith("MM")

    assert twilio.sent(to=USER_NUMBER)[0] == {"To": USER_NUMBER, "From": BOT_NUMBER, "Body": "Hallo Sam"}
    assert twilio.sent()[1]["MediaUrl"] == ["https://example.invalid/kaart.png"]
    assert twilio.bodies() == ["Hallo Sam", ""] and twilio.sent(to="whatsapp:+3100000000") == []
    assert twilio.wait_for(lambda m: m.get("Body") == "Hallo Sam", timeout=1)["To"] == USER_NUMBER


def test_twilio_errors_like_twilio(twilio):
    with pytest.raises(TwilioRestException) as bad_auth:
        twilio_client(twilio, auth_token="0" * 32).messages.create(
            to=USER_NUMBER, from_=BOT_NUMBER, body="x")
    assert bad_auth.value.status == 401 and bad_auth.value.code == 20003

    client = twilio_client(twilio)
    twilio.refuse(USER_NUMBER)
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=USER_NUMBER, from_=BOT_NUMBER, body="Hallo")
    assert refused.value.code == 63016 and refused.value.status == 400
    assert "outside the allowed window" in refused.value.msg

    with pytest.raises(TwilioRestException) as no_body:
        client.messages.create(to="whatsapp:+31687654321", from_=BOT_NUMBER)
    assert no_body.value.code == 21602
    with pytest.raises(TwilioRestException) as no_to:
        client.messages.create(to="", from_=BOT_NUMBER, body="x")
    assert no_to.value.code == 21604
    with pytest.raises(TwilioRestException) as mixed:
        client.messages.create(to="+31687654321", from_=BOT_NUMBER, body="x")
    assert mixed.value.code == 21910

    twilio.allow(USER_NUMBER)
    client.messages.create(to=USER_NUMBER, from_=BOT_NUMBER, body="Nu wel")
    assert twilio.bodies(USER_NUMBER) == ["Nu wel"]
    assert [r.status for r in twilio.requests()] == [400, 400, 400, 400, 201]  # bad auth is not recorded

    raw = requests.post(f"{twilio.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
                        data={"To": USER_NUMBER}, auth=("ACwrong", AUTH_TOKEN), timeout=10)
    assert raw.status_code == 401 and raw.json() == {
        "code": 20003, "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}
    with pytest.raises(AssertionError, match="no matching Twilio message"):
        twilio.wait_for(lambda m: m.get("Body") == "Hallo", timeout=0.2)


def test_twilio_inbound_params_and_signature(receiver):
    params = twilio_whatsapp_params(ACCOUNT_SID, USER_NUMBER, BOT_NUMBER, "Ik wil praten")
    assert params["WaId"] == "31612345678" and params["NumMedia"] == "0"
    assert params["MessageType"] == "text" and params["SmsStatus"] == "received"
    assert params["MessageSid"] == params["SmsSid"] == params["SmsMessageSid"]
    assert params["MessageSid"].startswith("SM") and params["AccountSid"] == ACCOUNT_SID
    assert {"ProfileName", "Body", "To", "From", "NumSegments", "ReferralNumMedia",
            "ApiVersion"} <= set(params)

    image = twilio_whatsapp_image_params(ACCOUNT_SID, USER_NUMBER, BOT_NUMBER)
    assert image["NumMedia"] == "1" and image["MessageType"] == "image" and image["Body"] == ""
    assert image["MediaContentType0"] == "image/jpeg" and image["MediaUrl0"].startswith("https://")
    assert twilio_whatsapp_params(ACCOUNT_SID, USER_NUMBER, BOT_NUMBER, "", image=True)["NumMedia"] == "1"

    url = "https://bot.example/webhooks/twilio/webhook"
    signature = twilio_signature(AUTH_TOKEN, url, params)
    validator = RequestValidator(AUTH_TOKEN)
    assert validator.validate(url, params, signature)
    assert not validator.validate(url, {**params, "Body": "iets anders"}, signature)
    assert not RequestValidator("0" * 32).validate(url, params, signature)

    status, _ = post_twilio_webhook(receiver.url, params, AUTH_TOKEN)
    assert status == 200
    sent = receiver.received[0]
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    form = dict(urllib.parse.parse_qsl(sent["body"].decode()))
    assert form == params
    assert validator.validate(receiver.url, form, sent["headers"]["X-Twilio-Signature"])
