"""Answers in the person's own words (bot/answers.py) and what decide() makes of them."""

from __future__ import annotations

import pytest

from bot.answers import asks_what_to_do, closes_conversation, denies_now, leading_answer
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
    ("nee, ik denk het eigenlijk niet", "deny"),
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
    # ... and not the question that is open: to "kun je veilig chatten?" it is no "nee".
    decision = decide("deny", "nee geen kinderen", prediction(concern=NO_CONCERN), False)
    assert decision.entities["children_involved"] == "nee"
    assert decision.intent == "add_detail"
    assert "answer" not in decision.entities and "danger_answer" not in decision.entities
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


def test_no_to_the_danger_question_still_counts_a_plain_signal_or_a_very_sure_classifier():
    # Recall first: the answer raises the bar (acute_after_no); a plain signal still counts.
    ongoing = "nee, maar hij loopt te schreeuwen en te gooien met spullen"
    assert decide("deny", ongoing, prediction(acute=0.05), False).intent == "acute_danger"
    text = "nee, maar ik weet niet wat hij gaat doen"
    assert decide("deny", text, prediction(acute=0.97), False).intent == "acute_danger"
    assert decide("deny", text, prediction(acute=0.85), False).intent != "acute_danger"


def test_yes_that_says_the_other_one_is_away_is_not_a_yes_to_danger():
    decision = decide("affirm", "ja ze is aan het werk", prediction(concern=NO_CONCERN), False)
    assert decision.entities["acute_danger"] is False and "danger_answer" not in decision.entities


@pytest.mark.parametrize("intent, text", [
    ("deny", "nee, ik heb het nog aan niemand verteld, ook niet aan mijn moeder"),
    ("deny", "nee, alleen mijn moeder weet het want zij is er zelf bij"),
    ("vague_opening", "mijn zus weet een beetje, maar niet alles"),
    ("nlu_fallback", "nee nog niemand, ik schaam me kapot"),
])
def test_who_knows_of_it_is_an_addition_not_an_answer_to_the_open_question(intent, text):
    decision = decide(intent, text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "add_detail"
    assert "answer" not in decision.entities and "danger_answer" not in decision.entities


@pytest.mark.parametrize("intent, text, duration", [
    ("nlu_fallback", "sinds de zomer ongeveer, dus een maand of vier", "sinds de zomer ongeveer"),
    ("nlu_fallback", "ongeveer 8 maanden, sinds we samenwonen", "ongeveer 8 maanden"),
    ("vague_opening", "het is begonnen toen we gingen samenwonen, twee jaar geleden",
     "twee jaar geleden"),
])
def test_how_long_said_in_passing_is_kept_and_noted(intent, text, duration):
    decision = decide(intent, text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "add_detail"
    assert decision.entities["concern_duration"] == duration


@pytest.mark.parametrize("intent, text", [
    ("must_stop", "ik zit nu in de mediatheek op school, hier kan ik veilig chatten"),
    ("must_stop", "hij is nu niet thuis, ik zit op mijn kamer dus ik kan wel chatten"),
    ("affirm", "ja ik kan veilig chatten, hij is dit weekend bij zijn vrienden"),
])
def test_saying_chatting_is_safe_answers_that_question_whichever_is_open(intent, text):
    decision = decide(intent, text, prediction(concern=NO_CONCERN), False)
    assert decision.entities["safety_can_chat"] == "ja"
    assert decision.intent == "add_detail"  # not "ik moet stoppen", not a yes to danger now
    assert "danger_answer" not in decision.entities


@pytest.mark.parametrize("intent", ["nlu_fallback", "must_stop", "add_detail", "deny"])
def test_saying_chatting_is_not_safe_is_how_to_leave_whatever_diet_heard(intent):
    decision = decide(intent, "kan eigenlijk niet veilig chatten, hij zit naast me op de bank",
                      prediction(concern=NO_CONCERN), False)
    assert decision.entities["safety_can_chat"] == "nee"
    assert decision.intent == "must_stop"


@pytest.mark.parametrize("intent, text", [
    ("affirm", "ja graag, ik wil wel even met iemand praten"),
    ("describe_concern", "Mijn zoon van 25 bedreigt mij als hij zijn zin niet krijgt. Kan ik "
                         "met een echt mens praten in plaats van een computer?"),
    ("nlu_fallback", "ik wil dit eigenlijk met iemand bespreken, is er iemand die ik kan spreken?"),
])
def test_asking_for_a_person_in_any_words_is_heard(intent, text):
    decision = decide(intent, text, prediction(), False)
    assert decision.intent == "ask_for_human"


def test_not_wanting_a_person_is_no_request_for_one():
    decision = decide("deny", "nee, ik wil nu niet met iemand praten", prediction(), False)
    assert decision.intent != "ask_for_human"


def test_a_story_with_a_request_for_a_person_keeps_its_concern():
    decision = decide("describe_concern", "Mijn man slaat me. Kan ik met een medewerker praten?",
                      prediction(), False)
    assert decision.intent == "ask_for_human"
    assert decision.entities["concern_type"] == "partnergeweld"


def test_an_answer_on_how_long_needs_the_surer_acute_reading():
    # "sinds een half jaar, sinds zijn vrouw is overleden": an answer about the past.
    unsure = prediction(concern=NO_CONCERN, acute=0.55)
    decision = decide("acute_danger", "sinds ongeveer een half jaar, sinds zijn vrouw is overleden",
                      unsure, False)
    assert decision.entities.get("acute_danger") is not True


def test_back_after_having_to_stop_goes_on_and_a_leaving_oke_is_a_goodbye():
    back = decide("nlu_fallback", "ik ben terug, hij is naar de sportschool",
                  prediction(concern=NO_CONCERN), False)
    assert back.intent == "danger_over" and back.entities["safety_can_chat"] == "ja"
    assert decide("nlu_fallback", "ik ben er weer", prediction(concern=NO_CONCERN),
                  False).intent == "continue_chat"
    assert decide("nlu_fallback", "oké, dan bel ik straks", prediction(concern=NO_CONCERN),
                  False).intent == "goodbye"


def test_diets_request_for_a_person_that_says_not_now_is_a_no():
    decision = decide("ask_for_human", "nee ik wil nog even niet met iemand van jullie praten",
                      prediction(concern=NO_CONCERN), False)
    assert decision.intent == "deny"


@pytest.mark.parametrize("intent, text, expected", [
    ("nlu_fallback", "Oké, ik ga er nog even over nadenken.", "goodbye"),
    ("afraid_to_call", "Duidelijk, dan bel ik donderdag met mijn teamleider erbij. Dank u.",
     "thanks"),
    ("out_of_scope", "Een fijne avond nog", "goodbye"),
    ("nlu_fallback", "oke top dank je", "thanks"),
])
def test_a_goodbye_or_thanks_in_own_words_is_heard(intent, text, expected):
    decision = decide(intent, text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == expected


@pytest.mark.parametrize("intent, text", [
    ("affirm", "ja graag, dank je"),  # a yes to the offer stays a yes
    ("nlu_fallback", "dank je, maar wat moet ik nu doen?"),  # a question
])
def test_a_yes_or_a_question_with_thanks_is_not_a_goodbye(intent, text):
    decision = decide(intent, text, prediction(concern=NO_CONCERN), False)
    assert decision.intent not in ("goodbye", "thanks")


@pytest.mark.parametrize("text", ["ik schrok me echt rot hiervan", "pff ik ben wel geschrokken",
                                  "over drie weken gaan we naar haar familie"])
def test_a_feeling_or_a_moment_to_come_is_an_addition(text):
    decision = decide("nlu_fallback", text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "add_detail"


@pytest.mark.parametrize("text, duration", [
    ("vorige zaterdag, dus vijf dagen geleden", "vijf dagen geleden"),
    ("het gaat het afgelopen jaar steeds slechter", "het afgelopen jaar"),
    ("het was de tweede keer deze week", "de tweede keer deze week"),
])
def test_more_ways_of_saying_how_long(text, duration):
    decision = decide("nlu_fallback", text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "add_detail"
    assert decision.entities["concern_duration"] == duration


def test_no_danger_now_with_its_reason_releases_the_danger_a_bare_no_does_not():
    reason = decide("deny", "nee nu niet, hij is bij zijn moeder", prediction(concern=NO_CONCERN),
                    False)
    assert reason.entities["acute_danger"] is False
    bare = decide("deny", "nee", prediction(concern=NO_CONCERN), False)
    assert "acute_danger" not in bare.entities


def test_back_after_having_to_stop_can_chat_again():
    decision = decide("nlu_fallback", "ben er weer, sorry", prediction(concern=NO_CONCERN), False)
    assert decision.intent == "continue_chat"
    assert decision.entities["safety_can_chat"] == "ja"


def test_a_childs_age_said_alone_answers_the_children_question():
    decision = decide("nlu_fallback", "hij is pas 4 maanden", prediction(concern=NO_CONCERN), False)
    assert decision.entities["children_involved"] == "ja"


def test_who_is_writing_said_with_the_story_keeps_the_story():
    decision = decide("inform_role", "het gaat om mezelf. ik word zo boos op mijn vader dat ik "
                      "hem heb geslagen", prediction(concern="huiselijk_geweld"), False)
    assert decision.intent == "describe_concern"
    assert decision.entities["concern_type"] == "huiselijk_geweld"


def test_having_talked_it_over_once_is_an_addition():
    decision = decide("nlu_fallback", "ik heb het er wel eens met hem over gehad, maar hij "
                      "ontkent alles", prediction(concern=NO_CONCERN), False)
    assert decision.intent == "add_detail"


def test_cannot_chat_with_a_story_keeps_the_story_for_the_queue():
    decision = decide("must_stop", "hij zit hiernaast, ik kan niet lang typen. vannacht heeft hij "
                      "me geslagen", prediction(concern="partnergeweld", concern_conf=0.7), False)
    assert decision.intent == "must_stop"
    assert decision.entities["concern_type"] == "partnergeweld"
    assert decision.entities["safety_can_chat"] == "nee"


@pytest.mark.parametrize("text", ["ik ben 16", "ze is 17", "oma is 84", "ik ben 15 zij is 7"])
def test_an_age_said_alone_is_an_addition_not_a_misunderstanding(text):
    decision = decide("nlu_fallback", text, prediction(concern=NO_CONCERN, concern_conf=0.3), False)
    assert decision.intent == "add_detail"


@pytest.mark.parametrize("text", ["Ja toch wel. Verbind me maar door",
                                  "Mag ik even met een adviseur overleggen?",
                                  "kun je me doorverbinden?"])
def test_more_ways_to_ask_for_a_person(text):
    decision = decide("affirm", text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "ask_for_human"


@pytest.mark.parametrize("text", ["Ik kan nu praten, ik ben op mijn werk",
                                  "ja kan praten zit op school in de pauze"])
def test_saying_one_can_chat_is_not_a_request_for_a_person_or_a_yes_to_danger(text):
    decision = decide("ask_for_human", text, prediction(concern=NO_CONCERN), False)
    assert decision.intent != "ask_for_human"
    assert decision.entities["safety_can_chat"] == "ja"
    assert "danger_answer" not in decision.entities


@pytest.mark.parametrize("text", ["hoort mn oom dat ik het was?",
                                  "Kan dat zonder dat haar familie weet dat ik het ben?"])
def test_whether_the_family_hears_who_told_is_the_anonymity_question(text):
    decision = decide("nlu_fallback", text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "ask_anonymity"


def test_a_hedged_story_heard_as_a_yes_is_an_addition():
    text = "Ik sla ze niet hoor. Nou ja, één keer een tik"
    decision = decide("affirm", text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "add_detail" and "danger_answer" not in decision.entities


@pytest.mark.parametrize("text", ["ja, graag", "oké, doe maar", "Dat wil ik wel, maar niet lang",
                                  "ik denk het wel, hij is niet rustig"])
def test_a_yes_in_other_words_stays_a_yes(text):
    assert decide("affirm", text, prediction(concern=NO_CONCERN), False).intent in (None, "affirm")


def test_thinking_it_over_in_one_word_is_a_goodbye():
    assert closes_conversation("Oké. Ik denk erover na")


@pytest.mark.parametrize("text, intent", [("kan ik vannacht ook bellen?", "ask_phone_number"),
                                          ("Kan ik 's avonds bellen om te overleggen?",
                                           "ask_phone_number"),
                                          ("wie kan ik bellen", "ask_what_to_do")])
def test_a_question_about_when_or_whom_to_call_is_not_the_fear_of_calling(text, intent):
    assert decide("afraid_to_call", text, prediction(concern=NO_CONCERN), False).intent == intent


@pytest.mark.parametrize("text", ["ik durf niet te bellen", "ik kan vannacht niet bellen",
                                  "als ik bel hoort mijn moeder het"])
def test_the_fear_of_calling_stays(text):
    assert decide("afraid_to_call", text, prediction(concern=NO_CONCERN), False).intent in (
        None, "afraid_to_call")


def test_safe_inside_at_a_friends_is_the_danger_over():
    decision = decide("acute_danger", "ben nu binnen bij een vriendin, deur op slot",
                      prediction(concern="seksueel_geweld", acute=0.9), False)
    assert decision.entities["acute_danger"] is False


def test_they_drove_off_together_is_not_the_all_clear():
    decision = decide("danger_over", "Ze zijn weggereden, ik heb het kenteken wel",
                      prediction(concern=NO_CONCERN), False)
    assert decision.intent == "continue_chat" and "acute_danger" not in decision.entities
    released = decide("danger_over", "ze zijn weg, ik heb 112 gebeld", prediction(), False)
    assert released.entities["acute_danger"] is False


def test_having_to_stop_comes_before_the_anonymity_question():
    for intent in ("must_stop", "nlu_fallback"):
        decision = decide(intent, "ze kijkt mee, weet ze dat ik het heb gemeld?",
                          prediction(concern=NO_CONCERN), False)
        assert decision.intent == "must_stop"


@pytest.mark.parametrize("text", ["Ik wil er wel even met iemand over sparren.",
                                  "Kan ik dit even met iemand van jullie doornemen?"])
def test_sparring_with_someone_is_asking_for_a_person(text):
    assert decide("nlu_fallback", text, prediction(NO_CONCERN), False).intent == "ask_for_human"


def test_still_being_afraid_is_a_feeling_not_a_misunderstanding():
    from bot.answers import tells_feeling
    assert tells_feeling("ik ben nog steeds bang") and tells_feeling("ik ben echt heel bang")
    assert not tells_feeling("ben ik nog steeds bang?")


@pytest.mark.parametrize("text", ["Ze wil er niet over praten. Hoe kan ik er voor haar zijn?",
                                  "Hoe kan ik hem steunen zonder dat hij dichtklapt?",
                                  "De oudste zei 'niet aan mama zeggen'. Wat moet ik hem zeggen?"])
def test_how_to_help_someone_is_asking_what_to_do(text):
    assert asks_what_to_do(text)
    assert decide("ask_for_human", text, prediction(NO_CONCERN), False).intent == "ask_what_to_do"
    # a request for a person stays one
    assert decide("ask_for_human", "Kan ik met iemand praten? Hoe kan ik haar helpen?",
                  prediction(NO_CONCERN), False).intent == "ask_for_human"


@pytest.mark.parametrize("text", ["ja kan nu, ik zit op school in de pauze",
                                  "ik ben op mijn kamer, kan gewoon typen"])
def test_can_chat_said_without_the_verb_or_the_ik(text):
    from bot.details import chat_safety
    assert chat_safety(text) == "ja"


def test_cannot_chat_is_not_read_as_can():
    from bot.details import chat_safety
    assert chat_safety("kan nu niet") is None
    assert chat_safety("ik kan niet gewoon praten") != "ja"
