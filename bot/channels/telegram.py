"""Telegram through Rasa's own connector (aiogram), with the helpline's door in front.

Rasa 3.6's `TelegramInput` is subclassed rather than used as is: its webhook does not check
that a request comes from Telegram, it asks Telegram `getMe` on every message, it hands the
chat id (an account id) to the bot as the conversation id, and its `get_output_channel` runs
`asyncio.run(set_webhook)`, which fails inside a running server, so a counsellor's message
(sent through Rasa's HTTP API with `output_channel=latest`) could never reach Telegram.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from typing import Any, Dict, List, Optional, Text, Tuple

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update
from aiogram.utils.payload import prepare_arg
from rasa.core.channels.channel import InputChannel
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import choices, pseudonym
from bot.channels.config import TELEGRAM_VARS, TelegramConfig, telegram_from_env, require
from bot.channels.door import Door, NewMessage

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What we ask Telegram to send us: messages and presses on our choice buttons.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# Telegram opens every new chat with "/start" (also from a deep link: "/start <code>").
MAX_MESSAGE_CHARS = 4096  # Telegram's limit per message
START_COMMAND = "/start"
GREETING_PAYLOAD = "/greet"
REGISTER_RETRY_S = 60


class TelegramOutputChannel(TelegramOutput):
    """Rasa's Telegram output, addressed by pseudonym, with choices as a numbered list plus
    one tap-able button per choice (its data is the choice's number, answered like a typed
    number)."""

    def __init__(self, config: TelegramConfig, key: bytes) -> None:
        # Not TelegramOutput.__init__: aiogram must be pointed at the configured API server.
        Bot.__init__(self, config.access_token, server=TelegramAPIServer.from_base(config.api_url))
        self._key = key
        logging.getLogger("aiogram").setLevel(logging.WARNING)  # its debug lines hold chat ids

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def chat_id(self, recipient_id: Text) -> int:
        return int(pseudonym.address(self._key, CHANNEL, recipient_id))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        chat = self.chat_id(recipient_id)
        for part in choices.paragraphs(text, MAX_MESSAGE_CHARS):
            await self.send_message(chat, part)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        keyboard = InlineKeyboardMarkup()
        for number, button in enumerate(buttons, 1):
            keyboard.row(InlineKeyboardButton(f"{number}. {button.get('title', '')}",
                                              callback_data=str(number)))
        *before, last = choices.paragraphs(choices.numbered(text, buttons), MAX_MESSAGE_CHARS)
        chat = self.chat_id(recipient_id)
        for part in before:
            await self.send_message(chat, part)
        await self.send_message(chat, last, reply_markup=keyboard)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_photo(self.chat_id(recipient_id), image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        # Never a chat_id from a payload: only the conversation's own chat.
        message = {k: v for k, v in json_message.items() if k != "chat_id"}
        await super().send_custom_json(str(self.chat_id(recipient_id)), message)

    async def register_webhook(self, config: TelegramConfig) -> None:
        """Tell Telegram where to post, with the secret it must send back (Bot API 6.1;
        aiogram 2.15's set_webhook predates `secret_token`, hence the plain request)."""
        await self.request("setWebhook", {
            "url": config.webhook_url, "secret_token": config.webhook_secret,
            "allowed_updates": prepare_arg(ALLOWED_UPDATES)})


def incoming(update: Update) -> Optional[Tuple[int, Optional[str], Optional[str]]]:
    """(chat id, text or None for a photo/voice/location, callback id) of a private chat's
    update; None for what the bot does not answer (groups, channels, other update kinds)."""
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is None or message.chat.type != "private":
            return None
        return message.chat.id, query.data, query.id
    message = update.message or update.edited_message
    if message is None or message.chat.type != "private":
        return None  # a helpline chat in a group would show everything to everyone
    text = message.text
    if text is not None and text.split(maxsplit=1)[:1] == [START_COMMAND]:
        text = GREETING_PAYLOAD
    return message.chat.id, text, None


class TelegramChannel(TelegramInput):
    """credentials.yml: `bot.channels.telegram.TelegramChannel:` (settings from TELEGRAM_*)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        config = require(telegram_from_env(os.environ), TELEGRAM_VARS, "Telegram")
        return cls(config, pseudonym.load_key(os.environ))

    def __init__(self, config: TelegramConfig, key: bytes) -> None:
        super().__init__(config.access_token, None, config.webhook_url, debug_mode=False)
        self.config = config
        self._output = TelegramOutputChannel(config, key)
        self.door = Door(CHANNEL, key, self._output)

    def get_output_channel(self) -> TelegramOutputChannel:
        return self._output

    def blueprint(self, on_new_message: NewMessage) -> Blueprint:
        hook = Blueprint("telegram_webhook", __name__)

        @hook.listener("after_server_start")
        async def register(app: Any, loop: Any) -> None:
            # In the background, until Telegram takes it: Rasa must start even when Telegram
            # cannot be reached. (No route to trigger it: anyone could call that.)
            app.add_task(self._register_until_done())

        @hook.listener("before_server_stop")
        async def close(app: Any, loop: Any) -> None:
            await self._output.close()

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return hook

    async def _receive(self, request: Request, on_new_message: NewMessage) -> HTTPResponse:
        sent = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(sent.encode(), self.config.webhook_secret.encode()):
            return response.json({"error": "not from Telegram"}, status=403)
        try:
            found = incoming(Update(**request.json))
        except Exception:  # noqa: BLE001 - not an Update: say so, never a 500
            return response.json({"error": "not a Telegram update"}, status=400)
        if found is not None:
            chat_id, text, callback_id = found
            if callback_id is not None:
                await self._answer_press(callback_id)
            await self.door.receive(request.app.ctx.agent, on_new_message, str(chat_id), text)
        # 200 in every other case too: Telegram would resend an update it sees fail.
        return response.text("success")

    async def _register_until_done(self) -> None:
        """Register the webhook (with its secret); retry every REGISTER_RETRY_S on failure."""
        while True:
            try:
                await self._output.register_webhook(self.config)
                return
            except Exception as exc:  # noqa: BLE001 - keep trying; the type says what failed
                logger.warning("Telegram webhook not registered yet (%s); trying again in %d s",
                               type(exc).__name__, REGISTER_RETRY_S)
            await asyncio.sleep(REGISTER_RETRY_S)

    async def _answer_press(self, callback_id: str) -> None:
        """Stop the spinner on the pressed button."""
        try:
            await self._output.answer_callback_query(callback_id)
        except Exception as exc:  # noqa: BLE001 - cosmetic; the answer still goes to the bot
            logger.warning("Telegram button press not acknowledged: %s", type(exc).__name__)
