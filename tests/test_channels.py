"""The messaging channels' plain parts: pseudonyms, numbered choices, configuration from the
environment, and WhatsApp's reply window. The connectors themselves are tested live against
stand-ins for Telegram and Twilio in tests/e2e/test_channels_live.py."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.channels import choices, config, pseudonym, window
from bot.console import labels

KEY = bytes(range(64))
OTHER_KEY = bytes(range(1, 65))
NUMBER = "whatsapp:+31612345678"
BUTTONS = [{"title": "Ja, nu", "payload": "/acute_danger"},
           {"title": "Nee, nu niet", "payload": "/deny"}]


# --- pseudonyms ----------------------------------------------------------------------------
def test_a_number_becomes_a_stable_pseudonym_that_reads_back():
    first = pseudonym.conversation_id(KEY, "whatsapp", NUMBER)
    assert first == pseudonym.conversation_id(KEY, "whatsapp", NUMBER)  # the person carries on
    assert first.startswith("wa-") and "612345678" not in first and "31" not in first[3:5]
    assert pseudonym.address(KEY, "whatsapp", first) == NUMBER
    assert pseudonym.conversation_id(KEY, "whatsapp", "whatsapp:+31612345679") != first


def test_a_pseudonym_is_useless_with_another_key_or_channel_or_when_changed():
    whatsapp = pseudonym.conversation_id(KEY, "whatsapp", "123456")
    telegram = pseudonym.conversation_id(KEY, "telegram", "123456")
    assert telegram.startswith("tg-") and telegram[3:] != whatsapp[3:]
    with pytest.raises(pseudonym.NotAPseudonym):
        pseudonym.address(OTHER_KEY, "whatsapp", whatsapp)
    with pytest.raises(pseudonym.NotAPseudonym):
        pseudonym.address(KEY, "telegram", "tg-" + whatsapp[3:])  # the channel is sealed in
    tampered = whatsapp[:-2] + ("a" if whatsapp[-2] != "a" else "b") + whatsapp[-1]
    for bad in (tampered, "wa-not-base32!", "socket-session-id"):
        with pytest.raises(pseudonym.NotAPseudonym):
            pseudonym.address(KEY, "whatsapp", bad)


def test_the_key_comes_from_the_environment_and_is_checked():
    made = pseudonym.new_key()
    assert len(pseudonym.load_key({"VT_CHANNEL_KEY": made})) == 64
    assert pseudonym.new_key() != made
    for env, message in (({}, "not set"), ({"VT_CHANNEL_KEY": "@@@"}, "base64"),
                         ({"VT_CHANNEL_KEY": "c2hvcnQ"}, "64 bytes")):
        with pytest.raises(pseudonym.ChannelKeyError, match=message):
            pseudonym.load_key(env)


def test_the_console_shows_a_short_stable_pseudonym_never_the_id():
    conversation = pseudonym.conversation_id(KEY, "whatsapp", NUMBER)
    shown = labels.pseudonym(conversation)
    assert shown == labels.pseudonym(conversation) and len(shown) == 8 and shown.startswith("P-")
    assert shown != labels.pseudonym(pseudonym.conversation_id(KEY, "telegram", "42"))
    assert labels.channel("whatsapp") == "WhatsApp" and labels.channel(None) == "onbekend"


# --- numbered choices ----------------------------------------------------------------------
def test_choices_become_a_numbered_list_in_one_message():
    text = choices.numbered("Is er nu direct gevaar?", BUTTONS)
    assert text.splitlines() == ["Is er nu direct gevaar?", "1. Ja, nu", "2. Nee, nu niet",
                                 choices.HINT]
    assert "\n\n" not in text  # Rasa's outputs would split it into separate messages
    assert "/deny" not in text  # payloads are never shown


@pytest.mark.parametrize("answer,payload", [
    ("1", "/acute_danger"), (" 2 ", "/deny"), ("2.", "/deny"), ("1)", "/acute_danger"),
    ("nee, nu niet", "/deny"), ("Nee, nu niet!", "/deny"), ("JA, NU", "/acute_danger"),
    ("3", None), ("0", None), ("nee", None), ("ik weet het niet", None), ("", None),
])
def test_an_answer_picks_a_choice_by_number_or_words(answer, payload):
    assert choices.resolve(answer, BUTTONS) == payload


def test_only_the_latest_question_since_the_person_wrote_is_open():
    asked = {"event": "bot", "text": "Gevaar?", "data": {"buttons": BUTTONS}}
    after = {"event": "bot", "text": "Je bent nummer 1 in de wachtrij.", "data": {}}
    assert choices.open_choices([asked, after]) == BUTTONS
    assert choices.open_choices([asked, {"event": "user", "text": "1"}]) == ()
    assert choices.open_choices([asked, {"event": "restart"}]) == ()
    assert choices.open_choices([]) == ()


# --- configuration -------------------------------------------------------------------------
TELEGRAM = {"TELEGRAM_ACCESS_TOKEN": "123456789:AAHabcdefghijklmnopqrstuvwxyz0123456",
            "TELEGRAM_WEBHOOK_URL": "https://chat.example.nl/webhooks/telegram/webhook"}
WHATSAPP = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "secret-auth",
            "TWILIO_WHATSAPP_NUMBER": "+3197010200300",
            "TWILIO_WEBHOOK_URL": "https://chat.example.nl/webhooks/whatsapp/webhook"}
WITH_KEY = {"VT_CHANNEL_KEY": pseudonym.new_key()}


def test_channels_are_off_unless_configured():
    base = {"rest": None, "socketio": {"session_persistence": True}}
    assert config.credentials(base, {}) == base
    both = config.credentials(base, {**TELEGRAM, **WHATSAPP, **WITH_KEY})
    assert set(both) == {"rest", "socketio", config.TELEGRAM_CONNECTOR, config.WHATSAPP_CONNECTOR}


def test_half_a_configuration_says_what_is_missing():
    with pytest.raises(config.ChannelConfigError, match="TWILIO_AUTH_TOKEN, TWILIO_WEBHOOK_URL"):
        config.whatsapp_from_env({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_WHATSAPP_NUMBER": "+31"})
    with pytest.raises(config.ChannelConfigError, match="BotFather"):
        config.telegram_from_env({**TELEGRAM, "TELEGRAM_ACCESS_TOKEN": "not a token"})
    with pytest.raises(config.ChannelConfigError, match="http"):
        config.telegram_from_env({**TELEGRAM, "TELEGRAM_WEBHOOK_URL": "chat.example.nl/hook"})
    with pytest.raises(pseudonym.ChannelKeyError):  # a channel without the pseudonym key
        config.credentials({}, TELEGRAM)
    with pytest.raises(config.ChannelConfigError, match="TELEGRAM_ACCESS_TOKEN, TELEGRAM_WEBHOOK_URL"):
        config.require(config.telegram_from_env({}), config.TELEGRAM_VARS, "Telegram")


def test_settings_are_read_as_the_platforms_want_them():
    whatsapp = config.whatsapp_from_env(WHATSAPP)
    assert whatsapp.number == "whatsapp:+3197010200300" and whatsapp.api_url == config.WhatsAppConfig.api_url
    telegram = config.telegram_from_env({**TELEGRAM, "TELEGRAM_API_URL": "http://127.0.0.1:9"})
    assert telegram.api_url == "http://127.0.0.1:9"
    secret = telegram.webhook_secret
    assert secret == config.telegram_from_env(TELEGRAM).webhook_secret  # stable across restarts
    assert len(secret) == 64 and secret.isalnum()  # Telegram allows A-Z a-z 0-9 _ - (1-256)
    assert TELEGRAM["TELEGRAM_ACCESS_TOKEN"] not in secret


def test_the_credentials_file_names_connectors_but_holds_no_secret(tmp_path, monkeypatch):
    base = tmp_path / "credentials.yml"
    base.write_text("rest:\nsocketio:\n  session_persistence: true\n")
    out = tmp_path / "var" / "credentials.yml"
    for name, value in {**TELEGRAM, **WHATSAPP, **WITH_KEY}.items():
        monkeypatch.setenv(name, value)
    assert config.main([str(out), str(base)]) == 0
    written = out.read_text()
    assert config.WHATSAPP_CONNECTOR in yaml.safe_load(written)
    for secret in (*TELEGRAM.values(), *WHATSAPP.values(), *WITH_KEY.values()):
        assert secret not in written
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    assert config.main([str(out), str(base)]) == 1  # half configured: refuse to start


# --- WhatsApp's 24-hour window -------------------------------------------------------------
def test_whatsapp_replies_are_allowed_for_24_hours_after_the_person_wrote():
    wrote = datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc)
    closes = window.closes_at("whatsapp", wrote)
    assert closes == wrote + timedelta(hours=24)
    assert window.closes_at("telegram", wrote) is None and window.closes_at("whatsapp", None) is None
    zone = ZoneInfo("Europe/Amsterdam")
    still = labels.reply_window(zone, closes, closes - timedelta(minutes=1))
    assert still["open"] and still["closes"] == "01-12-2026 10:30"  # Dutch time
    assert not labels.reply_window(zone, closes, closes)["open"]
    assert labels.reply_window(zone, None, wrote) is None


def test_a_text_becomes_one_message_per_paragraph_and_never_an_empty_one():
    assert choices.paragraphs("Hoi.\n\nIs er gevaar?\n1. Ja", 100) == ["Hoi.", "Is er gevaar?\n1. Ja"]
    assert choices.paragraphs("a\n\n\n\n b \n\n", 100) == ["a", "b"]  # platforms refuse ""
    assert choices.paragraphs("  \n\n ", 100) == []


def test_a_paragraph_longer_than_the_platform_takes_is_cut_at_a_space():
    long = " ".join(["woord"] * 700)  # 4,199 characters, e.g. a counsellor's long message
    parts = choices.paragraphs(long, 1600)
    assert [len(p) <= 1600 for p in parts] == [True] * 3 and " ".join(parts) == long
    assert all(part.split() == ["woord"] * len(part.split()) for part in parts)  # no cut words
    assert choices.paragraphs("x" * 3500, 1600) == ["x" * 1600, "x" * 1600, "x" * 300]
