"""Answers in the person's own words (bot/answers.py) and what decide() makes of them."""

from __future__ import annotations

import pytest

from bot.answers import asks_what_to_do, denies_now, leading_answer
from bot.triage import NO_CONCERN, TriagePrediction, decide, names_a_person_only


def prediction(concern="partnergeweld", concern_conf=0.9, acute=0.05) -> TriagePrediction:
    return TriagePrediction(concern, concern_conf, "omstander", 0.9, acute)


@pytest.mark.parametrize("text, expected", [
    ("nee ze woont alleen, hij komt elke dag langs", "nee"),
    ("Neen, nu is 't rustig denk ik.", "nee"),
    ("eh nee, niet dat ik weet", "nee"),
    ("niet nu", "nee"),
    ("ja, twee jongens van 6 en 9", "ja"),
    ("klopt", "ja"),
    ("weet ik niet, ze zegt er niks over", "onbekend"),
    ("geen idee", "onbekend"),
    # Not an answer at its start: left to DIET.
    ("ja maar nu niet meer", None),
    ("nergens", None),
    ("neem contact met haar op?", None),
    ("jarenlang al", None),
    ("nee! hij slaat haar", None),  # a cry, not an answer
    ("nee nee nee hij is weer bezig", None),
    ("Oké. Welke stappen moet ik zetten?", None),
])
def test_the_answer_a_message_starts_with(text, expected):
    assert leading_answer(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("wtf wat moet ik doen ik durf het niet aan mn ouders te zeggen", True),
    ("en wat kan ik morgen doen", True),
    ("wat raden jullie aan?", True),
    ("wie kan mij hier helpen?", True),
    ("waar kan ik terecht?", True),
    ("ik wil dit nooit meer. hoe kom ik hier vanaf", True),
    ("wat doet hij dan precies", False),
    ("ik moet steeds aan haar denken", False),
])
def test_a_request_for_advice_in_so_many_words(text, expected):
    assert asks_what_to_do(text) is expected


def test_an_answer_that_says_nothing_happens_now_is_not_acute_even_when_the_model_is_sure():
    text = "nee niet nu, hij is net binnen geroepen"
    assert denies_now(text)
    decision = decide("describe_concern", text, prediction(acute=0.98), False)
    assert decision.intent != "acute_danger"  # it says "niet nu" in so many words
    assert decision.entities["danger_answer"] is False
    # A plain now-signal still counts, whatever the first word.
    loud = decide("deny", "nee! hij slaat haar nu, help", prediction(acute=0.98), False)
    assert loud.intent == "acute_danger" and "answer" not in loud.entities


def test_an_answer_with_a_story_keeps_the_story_and_carries_the_answer():
    decision = decide("describe_concern", "nee ze woont alleen, hij komt elke dag langs",
                      prediction(), False)
    assert decision.intent is None  # DIET's describe_concern stays
    assert decision.entities["answer"] == "nee"
    assert decision.entities["danger_answer"] is False
    assert decision.entities["concern_type"] == "partnergeweld"


@pytest.mark.parametrize("text, intent", [
    ("nee ik heb het nog aan niemand verteld", "deny"),
    ("ja, al een paar keer", "affirm"),
    ("weet ik niet precies, misschien", "dont_know"),
])
def test_an_answer_diet_could_not_place_becomes_that_answer(text, intent):
    decision = decide("nlu_fallback", text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == intent


def test_a_dont_know_is_no_answer_to_the_danger_question():
    decision = decide("nlu_fallback", "weet ik niet", prediction(concern=NO_CONCERN), False)
    assert decision.entities["answer"] == "onbekend"
    assert "danger_answer" not in decision.entities


def test_asking_what_to_do_without_a_new_story_is_a_request_for_advice():
    text = "wtf wat moet ik doen ik durf het niet aan mn ouders te zeggen"
    decision = decide("describe_concern", text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "ask_what_to_do"
    assert "concern_type" not in decision.entities and "reporter_role" not in decision.entities


def test_a_first_message_with_a_story_and_a_question_keeps_its_questions():
    text = "mijn buurman slaat zijn vrouw, wat moet ik doen?"
    assert decide("describe_concern", text, prediction(), False).intent is None
    assert decide("ask_what_to_do", text, prediction(), False).intent == "describe_concern"


def test_a_question_after_oke_is_not_a_yes():
    text = "Oké. Welke stappen moet ik volgens de meldcode zetten?"
    decision = decide("affirm", text, prediction(concern=NO_CONCERN), False,
                      best_guesses=["affirm", "ask_what_to_do", "ask_professional"])
    assert decision.intent == "ask_what_to_do"
    # Off-topic as the next guess: "not understood", never the yes that would set danger.
    unsure = decide("affirm", text, prediction(concern=NO_CONCERN), False,
                    best_guesses=["affirm", "out_of_scope"])
    assert unsure.intent == "nlu_fallback"


@pytest.mark.parametrize("text, expected", [
    ("mijn zus", True),
    ("over mijn buurvrouw", True),
    ("het gaat om mn kleine broertje", True),
    ("mijn zus wordt geslagen", False),
    ("mijn", False),
])
def test_a_person_named_alone(text, expected):
    assert names_a_person_only(text) is expected


def test_a_person_named_alone_is_invited_to_tell_more():
    decision = decide("nlu_fallback", "mijn buurvrouw", prediction(concern=NO_CONCERN), False)
    assert decision.intent == "vague_opening"
    role = decide("inform_role", "mijn zus", prediction(concern=NO_CONCERN), False)
    assert role.intent == "vague_opening" and role.entities["reporter_role"] == "omstander"


def test_no_children_said_before_the_question_answers_it():
    decision = decide("deny", "nee geen kinderen", prediction(concern=NO_CONCERN), False)
    assert decision.entities["children_involved"] == "nee"
    assert decision.entities["danger_answer"] is False
    story = decide("describe_concern", "ze hebben geen kinderen, maar hij slaat haar",
                   prediction(), False)
    assert story.entities["children_involved"] == "nee"


def test_a_question_diet_half_reads_as_a_concern_gets_the_advice():
    text = "Moet ik eerst eens met hem klappen?"
    decision = decide("describe_concern", text, prediction(concern=NO_CONCERN), False,
                      intent_confidence=0.31, best_guesses=["describe_concern", "ask_what_to_do"])
    assert decision.intent == "ask_what_to_do"


@pytest.mark.parametrize("text", [
    "Nee, op dit moment zit mijn vrouw naast mij in de woonkamer.",
    "nee hij is naar zijn werk",
])
def test_no_to_the_danger_question_is_no_danger(text):
    decision = decide("deny", text, prediction(acute=0.6), False)
    assert decision.intent != "acute_danger" and decision.entities["danger_answer"] is False


def test_no_to_the_danger_question_still_counts_a_sure_classifier():
    # Recall first: the answer raises the bar to that of a pattern or the past, no higher.
    text = "nee, maar hij loopt te schreeuwen en te gooien met spullen"
    assert decide("deny", text, prediction(acute=0.85), False).intent == "acute_danger"
    assert decide("deny", text, prediction(acute=0.6), False).intent != "acute_danger"


def test_yes_that_says_the_other_one_is_away_is_not_a_yes_to_danger():
    decision = decide("affirm", "ja ze is aan het werk", prediction(concern=NO_CONCERN), False)
    assert decision.entities["acute_danger"] is False and "danger_answer" not in decision.entities
