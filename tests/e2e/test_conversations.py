"""Whole conversations over HTTP against the real Rasa server and action server."""

from __future__ import annotations

import pytest

from tests.e2e.servers import Chat, handed_off, texts

pytestmark = pytest.mark.e2e

BYSTANDER_FIRST = "ik hoor elke avond gegil bij de buren en laatst een harde klap"


def answer_questions_until_advice(chat: Chat, first_reply) -> list:
    """Answer every safety question with a calm 'no' until the advice arrives."""
    reply = first_reply
    for _ in range(8):
        if "Wat je nu kunt doen" in texts(reply) or "meldcode" in texts(reply):
            return reply
        reply = chat.say("nee")
    raise AssertionError(f"no advice after the safety questions: {chat.replies}")


def test_bystander_staffed_full_conversation_ends_in_handoff(staffed, base_url, handoff_queue):
    chat = Chat(base_url)
    reply = chat.say(BYSTANDER_FIRST)
    assert "onrust" in texts(reply) or "geweld" in texts(reply)  # shows it understood
    assert "in gevaar" in texts(reply)  # first safety question: danger now
    assert "112" not in texts(reply)  # not acute: no alarm
    reply = chat.say("nee")
    assert "veilig chatten" not in texts(reply)  # only victims are asked that
    assert "kinderen" in texts(reply)
    reply = chat.say("ja, er wonen twee kleine kinderen")
    # Advice and the offer at the third message (how long: "elke avond" in the first one).
    assert "Wat je nu kunt doen" in texts(reply) and "0800-2000" in texts(reply)
    assert "medewerker" in texts(reply)  # staffed: offers a counsellor
    reply = chat.say("ja graag")
    assert handed_off(reply)
    ticket = handoff_queue.active_for(chat.sender)  # durable, in the tracker store's database
    assert ticket.status == "waiting"
    summary = ticket.summary
    assert summary["concern_type"] == "huiselijk_geweld"
    assert summary["reporter_role"] == "omstander"
    assert summary["acute_danger"] is False
    assert summary["children_involved"] == "ja"
    assert summary["concern_duration"] == "elke avond"
    assert summary["first_message"] == BYSTANDER_FIRST
    assert summary["time"].startswith("2026-11-30T10:00")
    # The summary is for the counsellor only: nothing of it is sent to the person's device.
    assert not any(m.get("custom") for m in reply)
    tracker = chat.tracker()
    assert tracker["paused"] is True
    assert chat.say("hallo? is daar iemand") == []  # the bot is quiet; the human side answers


def test_unstaffed_gives_phone_and_next_opening(closed, base_url):
    chat = Chat(base_url)
    reply = answer_questions_until_advice(chat, chat.say("mijn buurvrouw mag van haar man haar telefoon niet houden"))
    assert "0800-2000" in texts(reply)
    assert "De chat met een medewerker is weer open op maandag 30 november om 9.00 uur" in texts(reply)
    assert not any("buttons" in m for m in reply if "weer open" in (m.get("text") or ""))
    assert chat.slots()["chat_staffed"] is False


def test_acute_first_message_gets_112_first(staffed, base_url):
    chat = Chat(base_url)
    reply = chat.say("help hij slaat haar nu met een stoel, ze gilt")
    assert "112" in (reply[0].get("text") or "")  # the very first thing said
    assert "medewerker" not in texts(reply)  # 112 alone: the chat must not compete with the call
    slots = chat.slots()
    assert slots["acute_danger"] is True
    assert slots["concern_type"] is not None


def test_yes_to_danger_question_gets_112_next(staffed, base_url):
    chat = Chat(base_url)
    chat.say("ik maak me zorgen om mijn zus, haar vriend controleert alles")
    reply = chat.say("ja")
    assert "112" in (reply[0].get("text") or "")
    assert "medewerker" not in texts(reply)
    assert chat.slots()["acute_danger"] is True


def test_acute_during_questions_interrupts_with_112(staffed, base_url):
    chat = Chat(base_url)
    chat.say("de buurman schreeuwt vaak tegen zijn kinderen")
    chat.say("nee")
    reply = chat.say("wacht hij slaat ze nu, ik hoor ze gillen")
    assert "112" in (reply[0].get("text") or "")
    assert chat.tracker()["active_loop"] in ({}, None) or not chat.tracker()["active_loop"].get("name")


def test_victim_is_asked_whether_they_can_chat_safely(staffed, base_url):
    chat = Chat(base_url)
    chat.say("mijn man heeft me gisteren weer geslagen")
    reply = chat.say("nee")
    assert "veilig chatten" in texts(reply)
    assert chat.slots()["reporter_role"] == "slachtoffer"


def test_role_is_asked_when_it_cannot_be_inferred(staffed, base_url):
    chat = Chat(base_url)
    chat.say("er wordt een kind mishandeld")
    reply = chat.say("nee")
    if chat.slots()["reporter_role"] is None:  # the model was unsure, as it should be here
        assert "Gaat het om jezelf" in texts(reply)
        reply = chat.say('/inform_role{"reporter_role": "omstander", "safety_can_chat": "niet_van_toepassing"}')
        assert chat.slots()["reporter_role"] == "omstander"
    assert "veilig chatten" not in texts(reply)


def test_question_during_the_safety_questions_is_answered_then_resumed(staffed, base_url):
    chat = Chat(base_url)
    chat.say("mijn man heeft me gisteren weer geslagen")
    reply = chat.say("nee")
    assert "veilig chatten" in texts(reply)
    reply = chat.say("kan ik anoniem blijven?")
    assert "anoniem" in texts(reply)
    assert "veilig chatten" in reply[-1]["text"]


def test_question_during_the_children_question_is_answered_then_the_advice(staffed, base_url):
    # The children question is the last one and the advice does not depend on it: a question
    # instead of its answer gets its answer, then the advice and the offer, not the question again.
    chat = Chat(base_url)
    chat.say("mijn oom neemt al maanden geld af van opa")
    reply = chat.say("nee")
    assert "kinderen" in texts(reply)
    reply = chat.say("kan ik anoniem blijven?")
    assert "anoniem" in texts(reply)
    assert "Wat je nu kunt doen" in texts(reply)
    assert "Wil je verder praten met een medewerker" in texts(reply)
    assert "kinderen bij betrokken" not in texts(reply)


def test_opening_hours_question_staffed_and_closed(action_server, base_url):
    action_server("2026-11-30T10:00:00+01:00")
    reply = Chat(base_url).say("wanneer is de chat open?")
    assert "9.00 tot 17.00" in texts(reply) and "nu open" in texts(reply)
    action_server("2026-12-24T18:00:00+01:00")
    reply = Chat(base_url).say("wanneer is de chat open?")
    assert "weer open op maandag 28 december om 9.00 uur" in texts(reply)


def test_english_message_gets_english_answer_with_numbers(staffed, base_url):
    reply = Chat(base_url).say("hello, I think my neighbour hits his wife, what should I do?")
    assert "112" in texts(reply) and "0800-2000" in texts(reply)
    assert "call" in texts(reply).casefold()


@pytest.mark.parametrize("text, word", [
    ("kocam beni dövüyor, yardım edin lütfen", "arayın"),  # Turkish
    ("mój mąż mnie bije, pomóż mi", "zadzwoń"),  # Polish
    ("мій чоловік мене б'є, допоможіть", "телефонуйте"),  # Ukrainian
    ("زوجي يضربني كل يوم ساعدوني", "اتصل"),  # Arabic
    ("ninkaygu wuu i garaacaa maalin kasta", "call"),  # Somali: no translation, English
])
def test_other_languages_get_the_numbers_in_their_language(staffed, base_url, text, word):
    chat = Chat(base_url)
    reply = chat.say(text)
    # The word may open a sentence or sit inside one, so the case does not count.
    assert "112" in texts(reply) and "0800-2000" in texts(reply)
    assert word.casefold() in texts(reply).casefold()
    assert reply[0]["text"].find("112") < 120  # 112 comes first


def test_broken_dutch_stays_dutch(staffed, base_url):
    reply = Chat(base_url).say("mijn man hij slaan mij elke dag, ik bang")
    assert "Dank je dat je dit vertelt" in texts(reply)


def test_two_misunderstandings_offer_a_person_when_staffed(staffed, base_url):
    chat = Chat(base_url)
    first = chat.say("qwpoe zxmnv")
    assert "andere manier" in texts(first)
    second = chat.say("wat is de hoofdstad van peru")  # off-topic counts as not understood
    # Staffed: a counsellor in this chat (the website's bar and the closed text carry 0800-2000).
    assert "medewerker" in texts(second) and "112" in texts(second)


def test_two_misunderstandings_give_the_phone_when_closed(closed, base_url):
    chat = Chat(base_url)
    chat.say("qwpoe zxmnv")
    second = chat.say("lkjhg asdfg")
    assert "0800-2000" in texts(second) and "weer open" in texts(second)


def test_frequently_asked_questions(staffed, base_url):
    expectations = {
        "wat is het nummer van veilig thuis": "0800-2000",
        "wat is het verschil tussen advies en een melding": "geen melding",
        "wat gebeurt er na een melding?": "5 werkdagen",
        "wat doet veilig thuis eigenlijk": "advies- en meldpunt",
        "ben jij een robot?": "chatbot",
        "ik ben leerkracht, wat moet ik doen volgens de meldcode": "meldcode",
        "is er ook hulp voor mensen die zelf slaan": "hulp",
        "bedankt": "Graag gedaan",
    }
    for question, expected in expectations.items():
        assert expected in texts(Chat(base_url).say(question)), question


def test_question_after_the_offer_then_yes_still_hands_off(staffed, base_url):
    chat = Chat(base_url)
    assert "medewerker" in texts(chat.say("ik wil met een medewerker praten"))
    assert "anoniem" in texts(chat.say("kan ik anoniem blijven?"))
    assert handed_off(chat.say("ja"))


def test_professional_says_so_and_is_not_asked_again(staffed, base_url):
    chat = Chat(base_url)
    assert "meldcode" in texts(chat.say("ik ben leerkracht, kan ik hier advies vragen?"))
    assert chat.slots()["reporter_role"] == "professional"
    chat.say("een leerling van mij komt vaak met blauwe plekken op school")
    reply = chat.say("nee")
    assert "Gaat het om jezelf" not in texts(reply) and "veilig chatten" not in texts(reply)


# --- triage over the whole conversation (bot/conversation_triage.py) ---------------------------

def test_a_later_message_does_not_overwrite_what_the_first_established(staffed, base_url):
    # Read alone, "hij komt nu thuis, ik moet stoppen" is sexual violence to the NLU.
    chat = Chat(base_url)
    chat.say("mijn man slaat me als hij gedronken heeft")
    assert chat.slots()["concern_type"] == "partnergeweld"
    chat.say("nee")
    reply = chat.say("hij komt nu thuis, ik moet stoppen")
    slots = chat.slots()
    assert (slots["concern_type"], slots["reporter_role"]) == ("partnergeweld", "slachtoffer")
    # She is told how to leave at once, with 112, and offered nothing (docs/dialogue.md).
    assert "terugkomen" in texts(reply) and "112" in texts(reply)
    assert "Wil je verder praten met een medewerker" not in texts(reply)


def test_a_vague_start_is_refined_by_what_follows(staffed, base_url):
    chat = Chat(base_url)
    chat.say("ik wil iets vragen over mijn buurvrouw")
    assert chat.slots()["concern_type"] is None
    chat.say("haar man slaat haar, elke avond hoor ik het door de muur")
    slots = chat.slots()
    assert (slots["concern_type"], slots["reporter_role"]) == ("partnergeweld", "omstander")


def test_acute_danger_is_released_when_the_person_says_it_is_over(staffed, base_url):
    chat = Chat(base_url)
    assert "112" in texts(chat.say("hij slaat haar nu, ik hoor het door de muur"))
    assert chat.slots()["acute_danger"] is True
    chat.say("ik heb 112 gebeld, de politie is er nu")
    slots = chat.slots()
    assert slots["acute_danger"] is False
    assert slots["concern_type"] == "partnergeweld"  # what was established stays
