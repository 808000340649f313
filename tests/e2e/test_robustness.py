"""Bad input, slash commands, the action server down, and what lands in the logs."""

from __future__ import annotations

import pytest

from tests.e2e.servers import Chat, handed_off, texts

pytestmark = pytest.mark.e2e

BAD_INPUTS = [
    "",
    "   ",
    "ik " + "weet niet wat ik moet doen " * 200,  # about 5,000 characters
    "🙂🙂😢",
    "asdkjh qwe zxcvb",
    "<script>alert('x')</script>",
    "<b>hallo</b> <img src=x onerror=alert(1)>",
    "/restart",
    "/handoff",
    '/affirm{"x":1}',
    "/action_handoff",
    '/inform_role{"reporter_role": "counsellor"}',
    "/",
    "{}",
    "hello??",
]


@pytest.mark.parametrize("text", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_gets_a_sensible_reply_and_no_handoff(staffed, base_url, text):
    chat = Chat(base_url)
    reply = chat.say(text)
    assert reply, "every message gets an answer"
    assert all(m.get("text") or m.get("buttons") for m in reply)
    assert not handed_off(reply)
    assert chat.tracker()["paused"] is False
    # not stuck: a normal message afterwards still works
    assert "in gevaar" in texts(chat.say("mijn buurvrouw wordt door haar man geslagen"))


def test_typed_slash_commands_cannot_fake_a_handoff(staffed, base_url):
    chat = Chat(base_url)
    chat.say("hoi")
    commands = ["/affirm", "/action_handoff", '/affirm{"handoff": true}', "/handoff",
                '/inform_role{"reporter_role": "professional"}', "/affirm"]
    for command in commands:
        assert not handed_off(chat.say(command)), command
    assert chat.tracker()["paused"] is False


def test_typed_request_and_yes_is_a_real_request_for_a_person(staffed, base_url):
    # Typing the button payloads is the same as pressing the buttons: the person asks for a
    # counsellor and says yes to the offer. That is a genuine handoff, with the offer first.
    chat = Chat(base_url)
    offer = chat.say("/ask_for_human")
    assert "medewerker" in texts(offer)
    assert handed_off(chat.say("/affirm"))


def test_accepting_after_the_chat_closed_gives_the_phone(action_server, base_url):
    action_server("2026-11-30T16:40:00+01:00")  # offer made at 16:40 ...
    chat = Chat(base_url)
    reply = chat.say("ik wil met een medewerker praten")
    assert "medewerker" in texts(reply)
    action_server("2026-11-30T16:50:00+01:00")  # ... accepted in the closing margin
    reply = chat.say("ja")
    assert not handed_off(reply)
    assert "0800-2000" in texts(reply) and "morgen om 9.00 uur" in texts(reply)
    assert chat.tracker()["paused"] is False


def test_action_server_down_still_gives_112_and_0800(rasa_server, base_url):
    # No action server is running in this test.
    acute = Chat(base_url).say("help hij heeft een mes en staat nu voor mijn deur")
    assert "112" in texts(acute)
    chat = Chat(base_url)
    reply = chat.say("ik denk dat mijn buurvrouw door haar man geslagen wordt")
    assert "in gevaar" in texts(reply)
    for answer in ["nee", "nee"]:  # danger now, children: then the advice
        reply = chat.say(answer)
    assert "0800-2000" in texts(reply) and "112" in texts(reply)
    assert "0800-2000" in texts(Chat(base_url).say("wanneer is de chat open?"))
    assert texts(Chat(base_url).say("hoi"))


SECRET_TEXT = "mijn buurman Kwartelkoning slaat zijn vrouw"


def test_logs_do_not_contain_message_texts(staffed, base_url, rasa_server):
    chat = Chat(base_url)
    chat.say(SECRET_TEXT)
    chat.say("/affirm{\"Kwartelkoning\": 1}")
    chat.say("/Kwartelkoning")
    logs = rasa_server.log.read_text(errors="replace") + staffed.log.read_text(errors="replace")
    assert "Kwartelkoning" not in logs
