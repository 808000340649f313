"""Safe turns and a bot that listens (issue: a conversation a counsellor would recognise).

Whole conversations over HTTP against the real Rasa server and action server."""

from __future__ import annotations

import asyncio

import pytest

from bot.retention import describe_for_person
from bot.settings import load_settings
from tests.e2e.servers import Chat, handed_off, relaxed_settings, texts
from tests.e2e.socket_chat import SocketChat

pytestmark = pytest.mark.e2e

DANGER_QUESTION = "Is er op dit moment iemand in gevaar?"


def offers_a_counsellor(reply) -> bool:
    return "Wil je verder praten met een medewerker" in texts(reply)


def test_after_112_nothing_is_offered_until_the_person_is_safe(staffed, base_url):
    chat = Chat(base_url)
    reply = chat.say("mijn vriend slaat me nu, hij is helemaal door het lint")
    assert "112" in texts(reply) and not offers_a_counsellor(reply)
    reply = chat.say("oké")
    assert "112" in texts(reply) and "veilig" in texts(reply) and not offers_a_counsellor(reply)
    reply = chat.say("ik wil met iemand praten")
    assert not offers_a_counsellor(reply)  # 112 first, still
    reply = chat.say("ik heb 112 gebeld, de politie is er nu")
    assert chat.slots()["acute_danger"] is False
    assert "veiliger" in texts(reply)
    assert "Sorry" not in texts(reply) and "Bel dan meteen 112" not in texts(reply)
    # The conversation goes on where it was: she is asked whether she can chat safely.
    assert "veilig chatten" in texts(reply)
    reply = chat.say("ja")
    reply = chat.say("nee") if "kinderen" in texts(reply) else reply
    assert "Wat je nu kunt doen" in texts(reply) and offers_a_counsellor(reply)


@pytest.mark.parametrize("unsure", ["ik weet het niet", "??", "weet je het zeker?"])
def test_while_waiting_for_safety_every_reply_is_112_first(closed, base_url, unsure):
    # Closed hours: "oké" after the way on otherwise gets "Wil je nog iets vragen?".
    chat = Chat(base_url)
    assert "112" in texts(chat.say("hij staat nu voor de deur te bonken en schreeuwt dat hij binnenkomt"))
    for message in ("oké", unsure, "ok"):
        reply = chat.say(message)
        assert "112" in texts(reply), message
        assert "Sorry" not in texts(reply) and "Wil je nog iets vragen" not in texts(reply)
    assert chat.slots()["acute_danger"] is True


def test_cannot_call_while_in_danger_gets_another_way_to_112(closed, base_url):
    # "Typing is fine" would be untrue here: the chat cannot send help.
    chat = Chat(base_url)
    assert "112" in texts(chat.say("help hij heeft een mes gepakt, ik zit opgesloten in de badkamer"))
    reply = texts(chat.say("ik kan niet bellen, hij hoort me"))
    assert "iemand anders om 112 te bellen" in reply and "typen" not in reply
    assert chat.slots()["acute_danger"] is True


def test_a_victim_who_cannot_chat_safely_is_told_how_to_leave(staffed, base_url):
    chat = Chat(base_url)
    chat.say("mijn man slaat me als hij gedronken heeft")
    reply = chat.say("nee")
    assert "veilig chatten" in texts(reply)
    reply = chat.say("nee")
    assert "terugkomen" in texts(reply) and "112" in texts(reply)
    assert "kinderen" not in texts(reply) and not offers_a_counsellor(reply)
    assert not (chat.tracker().get("active_loop") or {}).get("name")
    assert chat.slots()["safety_can_chat"] == "nee"


@pytest.mark.parametrize("first, stop", [
    ("mijn vriend controleert mijn telefoon en scheldt me steeds uit", "ik moet stoppen, hij komt eraan"),
    ("mijn man scheldt me uit en duwt me soms", "ik moet stoppen, hij staat voor de deur"),
])
def test_having_to_stop_ends_the_questions_without_an_offer(staffed, base_url, first, stop):
    # Danger now too, but the answer is how to leave, with 112 in it (not the 112 text alone).
    chat = Chat(base_url)
    chat.say(first)
    reply = chat.say(stop)
    assert "terugkomen" in texts(reply) and "112" in texts(reply)
    assert not offers_a_counsellor(reply) and DANGER_QUESTION not in texts(reply)


def test_back_after_having_to_stop_the_questions_go_on(staffed, base_url):
    # Before, the "nee" of having to stop stayed: every later message got how to leave again.
    chat = Chat(base_url)
    chat.say("mijn man scheldt me uit en duwt me soms")
    chat.say("nee")  # no danger now
    chat.say("nee, hij komt net binnen ik moet stoppen")
    reply = chat.say("ze zijn weg, hij is naar de supermarkt")
    assert "Snel weg" not in texts(reply) and chat.slots()["safety_can_chat"] == "ja"
    reply = chat.say("nee") if "kinderen" in texts(reply) else reply
    assert "Wat je nu kunt doen" in texts(reply) and offers_a_counsellor(reply)


def test_no_danger_now_after_the_112_text_goes_on_a_bare_no_waits(staffed, base_url):
    chat = Chat(base_url)
    assert "112" in texts(chat.say("mijn ex staat voor de deur te schreeuwen dat hij me pakt"))
    reply = chat.say("nee")
    assert "Laat het me weten als je veilig bent" in texts(reply)
    reply = chat.say("nee nu niet meer, hij is weggereden")
    assert chat.slots()["acute_danger"] is False
    assert "veilig chatten" in texts(reply) and not offers_a_counsellor(reply)


def test_the_website_is_told_about_snel_weg(staffed, base_url):
    # The channel decides the words: on the website the Snel weg button and Esc.
    async def run() -> str:
        person = SocketChat(base_url)
        await person.connect()
        try:
            return await person.say_and_wait("ik moet stoppen", lambda text: "terugkomen" in text)
        finally:
            await person.disconnect()

    said = asyncio.run(run())
    assert "Snel weg" in said and "Esc" in said and "112" in said


def test_a_question_is_asked_again_briefly(staffed, base_url):
    chat = Chat(base_url)
    first = chat.say("mijn buurjongen van acht loopt altijd in vieze kleren en heeft honger")
    assert DANGER_QUESTION in texts(first)
    reply = chat.say("kan ik anoniem blijven?")
    assert "anoniem" in texts(reply)
    assert reply[-1]["text"] == DANGER_QUESTION  # the question again, without a preamble


def test_two_misunderstandings_during_the_questions_offer_a_person(staffed, base_url):
    chat = Chat(base_url)
    chat.say("mijn buurvrouw wordt volgens mij door haar zoon geslagen")
    first = chat.say("qwpoe zxmnv")
    assert "begreep ik niet" in texts(first) and DANGER_QUESTION in texts(first)
    second = chat.say("lkjhg asdfg")
    assert offers_a_counsellor(second) and "112" in texts(second)


def test_asking_for_a_person_in_the_first_message_gets_the_offer(staffed, base_url):
    reply = Chat(base_url).say("kan ik met een van jullie praten? het gaat om mijn zus")
    assert offers_a_counsellor(reply)


def test_a_vague_opening_is_invited_to_tell_more(staffed, base_url):
    reply = Chat(base_url).say("ik wil iets vragen over mijn buurvrouw")
    assert "Vertel gerust" in texts(reply) and "Sorry" not in texts(reply)


@pytest.mark.parametrize("text", ["misschien overdrijf ik", "is dit wel ernstig genoeg?",
                                  "moet ik bewijs hebben?"])
def test_doubt_is_answered_with_reassurance(staffed, base_url, text):
    chat = Chat(base_url)
    reply = chat.say(text)
    assert "bewijs" in texts(reply) and "geen melding" in texts(reply)
    assert chat.slots()["reporter_role"] != "pleger"


def test_afraid_to_call_when_closed_gets_the_opening_not_the_number(closed, base_url):
    reply = Chat(base_url).say("ik durf niet te bellen")
    assert "typen" in texts(reply) and "weer open" in texts(reply)
    assert "0800-2000" not in texts(reply)


def test_afraid_to_call_when_staffed_gets_a_counsellor_here(staffed, base_url):
    assert offers_a_counsellor(Chat(base_url).say("ik durf niet te bellen"))


def test_what_is_stored_comes_from_settings(staffed, base_url):
    # The settings file the action server in these tests reads (VT_SETTINGS).
    words = describe_for_person(load_settings(relaxed_settings()).retention)
    reply = Chat(base_url).say("wordt dit gesprek opgeslagen?")
    assert words["bot_only"] in texts(reply) and words["transcript"] in texts(reply)


def test_device_safety_is_understood(staffed, base_url):
    reply = Chat(base_url).say("kan hij zien dat ik hier chat?")
    assert "privévenster" in texts(reply) or "Snel weg" in texts(reply)


def test_short_replies_after_the_signposting(closed, base_url):
    chat = Chat(base_url)
    chat.say("qwpoe zxmnv")
    assert "weer open" in texts(chat.say("lkjhg asdfg"))
    reply = chat.say("oké")
    assert "Sorry" not in texts(reply) and "Wil je nog iets vragen" in texts(reply)
    assert "Dag" in texts(chat.say("nee"))


def test_an_aunt_is_a_bystander(staffed, base_url):
    chat = Chat(base_url)
    chat.say("er wordt een kind mishandeld")
    reply = chat.say("nee")
    if "Gaat het om jezelf" in texts(reply):
        chat.say("ik ben haar tante")
    assert chat.slots()["reporter_role"] == "omstander"


@pytest.mark.parametrize("first, answers", [
    ("mijn man slaat me als hij gedronken heeft", ["nee", "ja", "nee"]),  # victim
    ("ik hoor elke avond gegil bij de buren", ["nee", "nee"]),  # bystander
    ("ik ben bang dat ik mijn vrouw iets aandoe als ik boos word", ["nee", "nee"]),  # pleger
])
def test_advice_and_the_offer_within_four_messages(staffed, base_url, first, answers):
    chat = Chat(base_url)
    reply = chat.say(first)
    for answer in answers:
        if offers_a_counsellor(reply):
            break
        reply = chat.say(answer)
    assert offers_a_counsellor(reply), chat.replies
    assert len(chat.replies) <= 4
    assert not handed_off(reply)


def test_a_professional_gets_the_phone_as_the_way_in_and_a_counsellor_on_request(staffed, base_url):
    # Right after "a report or a longer consultation is done by phone" no chat offer competes
    # with that advice; asking for a person still gets one.
    chat = Chat(base_url)
    reply = chat.say("ik ben leerkracht en een leerling heeft steeds blauwe plekken")
    for answer in ["nee", "nee"]:
        if "meldcode" in texts(reply) and "0800-2000" in texts(reply):  # the advice
            break
        reply = chat.say(answer)
    assert "meldcode" in texts(reply) and "0800-2000" in texts(reply), chat.replies
    assert len(chat.replies) <= 4
    assert not offers_a_counsellor(reply)
    assert offers_a_counsellor(chat.say("kan ik toch even met een medewerker chatten?"))


def test_answers_in_own_words_move_the_questions_on(closed, base_url):
    # The yes or no at the start answers the open question; the rest is kept, not asked again.
    chat = Chat(base_url)
    reply = chat.say("mijn broer beheert het geld van onze moeder van 81 en ze heeft nooit meer iets")
    assert DANGER_QUESTION in texts(reply)
    reply = chat.say("nee ze woont alleen, hij komt elke dag langs")
    assert chat.slots()["acute_danger"] is False
    assert DANGER_QUESTION not in texts(reply) and "Sorry" not in texts(reply)
    reply = chat.say("nee geen kinderen") if "kinderen" in texts(reply) else reply
    assert "Wat je nu kunt doen" in texts(reply) and "bank" in texts(reply)


def test_no_said_to_the_danger_question_is_not_danger(staffed, base_url):
    chat = Chat(base_url)
    chat.say("het jongetje van de overburen staat vaak 's avonds alleen buiten en zegt dat hij honger heeft")
    reply = chat.say("nee niet nu, hij is net binnen geroepen")
    assert chat.slots()["acute_danger"] is False
    assert "Bel dan meteen 112" not in texts(reply)


def test_asking_what_to_do_in_the_middle_of_the_questions_gets_the_advice(closed, base_url):
    chat = Chat(base_url)
    chat.say("een jongen die ik online ken dreigt mn naaktfotos te delen als ik niet meer stuur")
    reply = chat.say("wtf wat moet ik doen ik durf het niet aan mn ouders te zeggen")
    assert "Wat je nu kunt doen" in texts(reply)
    assert "Centrum Seksueel Geweld" in texts(reply) and "0800-2000" in texts(reply)
    assert DANGER_QUESTION not in texts(reply)


def test_a_person_named_alone_is_invited_to_tell_more(staffed, base_url):
    reply = Chat(base_url).say("mijn zus")
    assert "Sorry" not in texts(reply) and "Vertel gerust" in texts(reply)
