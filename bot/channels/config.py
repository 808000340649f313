"""Which messaging channels are on, from environment variables only (secrets never in a file
of this repository; see .env.example). A channel is off unless all of its variables are set.

    python -m bot.channels.config OUT_FILE [BASE_FILE]

writes Rasa's credentials file: BASE_FILE (default credentials.yml: REST and socket.io) plus
the configured channels. Their secrets stay in the environment; the file only names the
connector classes, which read their settings from the environment when Rasa starts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, TypeVar
from urllib.parse import urlparse

import yaml

from bot.channels.pseudonym import ChannelKeyError, load_key
from bot.endpoints import write_private

TELEGRAM_CONNECTOR = "bot.channels.telegram.TelegramChannel"
WHATSAPP_CONNECTOR = "bot.channels.whatsapp.WhatsAppChannel"
T = TypeVar("T")
_HEADER = ("# Written by `python -m bot.channels.config` from credentials.yml and the "
           "environment; do not edit.\n")


class ChannelConfigError(ValueError):
    """A channel is half configured, or a value is malformed."""


@dataclass(frozen=True)
class TelegramConfig:
    access_token: str  # from @BotFather
    webhook_url: str  # public https URL that reaches Rasa's /webhooks/telegram/webhook
    api_url: str = "https://api.telegram.org"  # a local stand-in in the tests

    @property
    def webhook_secret(self) -> str:
        """Telegram sends this back in X-Telegram-Bot-Api-Secret-Token. Derived from the token,
        so only Telegram (told it at setWebhook) and we know it, and nothing extra to set."""
        return hmac.new(self.access_token.encode(), b"veilig-thuis-webhook",
                        hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WhatsAppConfig:
    account_sid: str
    auth_token: str  # also the key of Twilio's request signatures
    number: str  # the sender, "whatsapp:+31..."
    webhook_url: str  # the exact public URL Twilio posts to (part of the signature)
    api_url: str = "https://api.twilio.com"  # a local stand-in in the tests


TELEGRAM_VARS = {"access_token": "TELEGRAM_ACCESS_TOKEN", "webhook_url": "TELEGRAM_WEBHOOK_URL"}
WHATSAPP_VARS = {"account_sid": "TWILIO_ACCOUNT_SID", "auth_token": "TWILIO_AUTH_TOKEN",
                 "number": "TWILIO_WHATSAPP_NUMBER", "webhook_url": "TWILIO_WEBHOOK_URL"}


def _read(env: Mapping[str, str], names: Mapping[str, str], channel: str) -> Optional[Dict[str, str]]:
    values = {field: env.get(var, "").strip() for field, var in names.items()}
    if not any(values.values()):
        return None
    missing = [names[field] for field, value in values.items() if not value]
    if missing:
        raise ChannelConfigError(f"{channel} is half configured: also set {', '.join(missing)}")
    return values


def require(config: Optional[T], names: Mapping[str, str], channel: str) -> T:
    """For a connector named in the credentials: its settings, or an error naming them."""
    if config is None:
        raise ChannelConfigError(f"{channel} is in the credentials, but {', '.join(names.values())} "
                                 "are not set")
    return config


def _url(value: str, var: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ChannelConfigError(f"{var} must be an http(s) URL, not {value!r}")
    return value


def telegram_from_env(env: Mapping[str, str]) -> Optional[TelegramConfig]:
    values = _read(env, TELEGRAM_VARS, "Telegram")
    if values is None:
        return None
    token = values["access_token"]
    left, _, right = token.partition(":")
    if not (left.isdigit() and right) or any(ch.isspace() for ch in token):
        raise ChannelConfigError("TELEGRAM_ACCESS_TOKEN does not look like a BotFather token")
    return TelegramConfig(token, _url(values["webhook_url"], "TELEGRAM_WEBHOOK_URL"),
                          _url(env.get("TELEGRAM_API_URL") or TelegramConfig.api_url,
                               "TELEGRAM_API_URL"))


def whatsapp_from_env(env: Mapping[str, str]) -> Optional[WhatsAppConfig]:
    values = _read(env, WHATSAPP_VARS, "WhatsApp (Twilio)")
    if values is None:
        return None
    number = values["number"]
    number = number if number.startswith("whatsapp:") else f"whatsapp:{number}"
    if not number[len("whatsapp:"):].lstrip("+").isdigit():
        raise ChannelConfigError("TWILIO_WHATSAPP_NUMBER must be a number like whatsapp:+3197...")
    return WhatsAppConfig(values["account_sid"], values["auth_token"], number,
                          _url(values["webhook_url"], "TWILIO_WEBHOOK_URL"),
                          _url(env.get("TWILIO_API_URL") or WhatsAppConfig.api_url,
                               "TWILIO_API_URL"))


def credentials(base: Dict[str, Any], env: Mapping[str, str]) -> Dict[str, Any]:
    """Rasa's credentials: `base` plus a section for each configured channel."""
    result = dict(base)
    connectors = {TELEGRAM_CONNECTOR: telegram_from_env(env),
                  WHATSAPP_CONNECTOR: whatsapp_from_env(env)}
    enabled = [name for name, config in connectors.items() if config is not None]
    if enabled:
        load_key(env)  # a channel without the pseudonym key cannot start: say so now
    for name in enabled:
        result[name] = {}  # settings come from the environment, see the connector
    return result


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2) or args[0].startswith("-"):
        print("usage: python -m bot.channels.config OUT_FILE [BASE_FILE]", file=sys.stderr)
        return 2
    base_file = Path(args[1] if len(args) == 2 else "credentials.yml")
    try:
        base = yaml.safe_load(base_file.read_text(encoding="utf-8")) or {}
        result = credentials(base, os.environ)
    except (OSError, yaml.YAMLError, ChannelConfigError, ChannelKeyError) as exc:
        print(f"bot.channels.config: {exc}", file=sys.stderr)
        return 1
    write_private(Path(args[0]), _HEADER + yaml.safe_dump(result, sort_keys=False))
    channels = [name.rsplit(".", 1)[-1] for name in result if name not in base]
    print(f"wrote {args[0]} (messaging channels: {', '.join(channels) or 'none configured'})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
