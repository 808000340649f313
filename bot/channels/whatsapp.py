"""WhatsApp through Twilio, with Rasa's own Twilio connector and the helpline's door in front.

Rasa 3.6's `TwilioInput` is subclassed rather than used as is: its webhook does not check
Twilio's request signature (anyone could make the bot write to any number), it hands the phone
number to the bot as the conversation id, its output logs Twilio's error texts (which quote
the number) and calls Twilio's blocking client on the server's event loop, and it sends each
button as a separate message with its payload.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Dict, List, Optional, Text
from urllib.parse import parse_qsl

from rasa.core.channels.channel import InputChannel
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels import choices, pseudonym, replay
from bot.channels.config import WHATSAPP_VARS, WhatsAppConfig, whatsapp_from_env, require
from bot.channels.door import Door, NewMessage

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Twilio-Signature"
TWILIO_API = "https://api.twilio.com"
API_TIMEOUT_SECONDS = 15
MAX_MESSAGE_CHARS = 1600  # Twilio's limit for a WhatsApp message body
# An empty TwiML answer: Twilio sends nothing itself, the bot answers through the API.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class _ApiServer(TwilioHttpClient):
    """Twilio's HTTP client, sending to the configured API server (a stand-in in the tests)."""

    def __init__(self, api_url: str) -> None:
        super().__init__(timeout=API_TIMEOUT_SECONDS)
        self._base = api_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(TWILIO_API):
            url = self._base + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


class WhatsAppOutputChannel(TwilioOutput):
    """Rasa's Twilio output, addressed by pseudonym, choices as one numbered message."""

    def __init__(self, config: WhatsAppConfig, key: bytes) -> None:
        # Not TwilioOutput.__init__: Twilio's client must be pointed at the configured server.
        Client.__init__(self, config.account_sid, config.auth_token,
                        http_client=_ApiServer(config.api_url))
        self.twilio_number = config.number
        self._key = key
        # Its INFO lines are request URLs and headers; nothing a person needs in our logs.
        logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def address(self, recipient_id: Text) -> str:
        return pseudonym.address(self._key, CHANNEL, recipient_id)

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        try:
            # Twilio's client blocks: in a worker thread, not on the server's event loop.
            return await asyncio.to_thread(lambda: self.messages.create(**message_data))
        except TwilioRestException as exc:
            # Code and status only: Twilio's message text quotes the phone number.
            logger.error("WhatsApp message not sent: Twilio error %s (HTTP %s)",
                         exc.code, exc.status)
            return None

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        to = self.address(recipient_id)
        for part in choices.paragraphs(text, MAX_MESSAGE_CHARS):
            await self._send_message({"to": to, "from_": self.twilio_number, "body": part})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, choices.numbered(text, buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await super().send_image_url(self.address(recipient_id), image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        # Never a "to" from a payload: only the conversation's own number.
        message = {k: v for k, v in json_message.items() if k != "to"}
        await super().send_custom_json(self.address(recipient_id), message)


def twilio_form(body: bytes) -> Dict[str, str]:
    """Twilio's form fields, empty ones included: a photo comes with `Body=` and the signature
    covers it (Sanic's `request.form` drops blank values)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return {}
    return dict(pairs)


def message_text(form: Dict[str, str]) -> Optional[str]:
    """What the person typed; None for a photo, voice note or location without words."""
    body = form.get("Body", "").strip()
    return body.replace("¡", "@") or None  # some carriers turn @ into ¡ (Rasa does the same)


class WhatsAppChannel(TwilioInput):
    """credentials.yml: `bot.channels.whatsapp.WhatsAppChannel:` (settings from TWILIO_*)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        config = require(whatsapp_from_env(os.environ), WHATSAPP_VARS, "WhatsApp")
        return cls(config, pseudonym.load_key(os.environ))

    def __init__(self, config: WhatsAppConfig, key: bytes) -> None:
        super().__init__(config.account_sid, config.auth_token, config.number, debug_mode=False)
        self.config = config
        self._validator = RequestValidator(config.auth_token)
        self._output = WhatsAppOutputChannel(config, key)
        self.door = Door(CHANNEL, key, self._output)

    def get_output_channel(self) -> WhatsAppOutputChannel:
        return self._output

    def blueprint(self, on_new_message: NewMessage) -> Blueprint:
        hook = Blueprint("whatsapp_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return hook

    async def _receive(self, request: Request, on_new_message: NewMessage) -> HTTPResponse:
        form = twilio_form(request.body)
        # Twilio signs the exact public URL it posted to plus every form field.
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not self._validator.validate(self.config.webhook_url, form, signature):
            return response.json({"error": "not signed by Twilio"}, status=403)
        if form.get("AccountSid") != self.config.account_sid or not form.get("From"):
            return response.json({"error": "not a message for this account"}, status=400)
        if not form.get("MessageSid"):
            return response.json({"error": "no MessageSid"}, status=400)
        if not replay.first_time(self.door.intake.queue.engine, CHANNEL, form["MessageSid"],
                                 self.door.intake.clock()):
            # Already handled: a replay of a captured request, or Twilio's retry. Twilio is
            # told all is well, so it does not try again; the bot does not answer twice.
            return response.text(EMPTY_TWIML, content_type="text/xml")
        await self.door.receive(request.app.ctx.agent, on_new_message, form["From"],
                                message_text(form))
        return response.text(EMPTY_TWIML, content_type="text/xml")
