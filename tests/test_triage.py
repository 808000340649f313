"""The triage decision: acute signals, concern/role entities, intent overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.acute_cues import (now_sentences, signals_acute_danger, signals_all_clear,
                            signals_danger_over, signals_habitual)
from bot.language import REPLY_LANGUAGES, detect_language, is_english, reply_language
from bot.triage import (
    NO_CONCERN,
    TriageExample,
    TriageModel,
    TriagePrediction,
    TriageThresholds,
    decide,
    find_duration,
    mentions_children,
)

ROOT = Path(__file__).resolve().parents[1]


def prediction(concern="partnergeweld", concern_conf=0.9, role="omstander", role_conf=0.9,
               acute=0.05) -> TriagePrediction:
    return TriagePrediction(concern, concern_conf, role, role_conf, acute)


@pytest.mark.parametrize("text", [
    "help hij slaat haar nu",
    "op dit moment wordt er gegild bij de buren",
    "broers zitten achter me aan, ik zit verstopt in een winkel",
    "hij staat voor mijn deur en bonkt",
    "shit ik hoor de sleutel",
    "ze ligt op de grond en beweegt niet meer",
    "he is hitting her right now",
    "er doet niemand open en de baby huilt al uren",
    "het houdt niet op, ze gilt nog steeds",
    "ze schreeuwen al een kwartier en er wordt geslagen",
    "hij blijft me aanraken en ik wil het niet",
    "mijn ex is onderweg hierheen",
    "hij komt haar over een kwartier van school halen",
    "vanavond nemen ze haar mee naar het buitenland",
    "ik zit nu in de badkamer en hij wil dat ik open doe",
    "ik heb mezelf opgesloten",
    "mijn zwager staat met een broodmes te zwaaien",
    "hij zwaait met een mes",
    "ik sta nu voor haar deur en ik weet niet wat ik ga doen",
    "ik heb een mes bij me",
    "terwijl ik hier ben gooit hij een stoel naar haar",
    "de vader slaat zijn zoontje van een jaar of 4 nu steeds tegen zijn hoofd",
    "ze zegt dat we vannacht samen doodgaan",
    "mijn zus appt dat onze broer haar nu bedreigt met een mes",
    "hij slaat zijn dochter in haar gezicht en hij houdt niet op",
    "er wordt gevochten en iemand schreeuwt ik steek je neer",
    "he's literally screaming rn en hij gooit met dingen naar me",
    "Vanochtend zei hij dat hij me vermoordt als ik vanavond niet thuis ben",
    "ik wil hem iets aandoen, hou me alsjeblieft tegen",
])
def test_plain_now_signals_are_acute(text):
    assert signals_acute_danger(text)


@pytest.mark.parametrize("text", [
    "ik hoor elke avond gegil bij de buren",
    "hij slaat haar nu al jaren",
    "vorige week had hij een mes",
    "ik ben bang dat hij haar ooit iets aandoet",
    "wat moet ik nu doen",
    "help in english please",
    "hij heeft haar geduwd en nu dreigt hij dat hij foto's online zet",
    "mijn ex houdt niet op met appen",
])
def test_worries_and_the_past_are_not_acute_signals(text):
    assert not signals_acute_danger(text)


@pytest.mark.parametrize("text,expected", [
    ("ik hoor elke avond gegil", True),
    ("laatst hoorde ik een klap", True),
    ("hij slaat haar", False),
])
def test_habitual_markers(text, expected):
    assert signals_habitual(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("het is nu rustig, hij is weg", True),
    ("ik ben nu veilig bij mijn zus", True),
    ("ik heb de politie gebeld", True),
    # where the person is, not that the danger is over
    ("ik ben bij mijn ex thuis en hij laat me niet gaan", False),
    ("ik ben bij mijn schoonmoeder, mijn zwager staat hier met een mes", False),
    ("hij is weg maar hij komt zo terug", False),
    # safe somewhere else, or the other one gone: "right after", not "right now"
    ("ben net weg bij hem, zit nu bij mn moeder op de bank", True),
    ("hij slaapt vannacht bij zn broer", True),
    ("ze zijn nu weggereden", True),
    ("hij is nu op zijn werk en ik zit hier maar", True),
    ("mn moeder belde net dat hij weg is", True),
    ("hij is nu naar de kroeg", True),
    ("ze is met hem weg", True),
    ("hier is ze nu veilig", True),
    ("ik ben weggereden", True),
    ("ze is nu hier bij mij", True),
    ("mijn vrouw is nu bij hem", True),
    ("ik ben nu bij het centrum seksueel geweld", True),
    # ... unless the danger follows, stays or is shut in with the person
    ("ik ben bij mn oma op bezoek en mn oom staat nu in haar gezicht te schreeuwen", False),
    ("ben gevlucht, maar hij rijdt rond om me te zoeken", False),
    ("ik zit nu bij een vriend en mijn vader staat bij hem voor de deur", False),
    ("hij heeft me in de kruipruimte opgesloten, hij is naar zijn werk", False),
    ("ze is bij mij maar haar broers staan buiten", False),
    ("ze zit nu bij mij met een bloedende lip en hij komt haar om drie uur ophalen", False),
    ("ze zit bij mij, maar ze weten waar ik woon en ze kunnen hier elk moment zijn", False),
    ("hij zit bij mij boven en zijn broers staan voor mijn huis", False),
    ("hij is weggegaan en ik kan niet opstaan", False),
    ("ik heb 112 gebeld en ik hoor haar gillen", False),
    ("hij is naar de kroeg en ik voel de baby niet meer", False),
    # silence after a fight is no all-clear
    ("eerst een klap en nu is het stil", False),
    # nothing is happening now, in so many words; the other one is not there or asleep
    ("Nu gebeurt er niks, hij zit in die kliniek.", True),
    ("Er speelt op dit moment niks, dat wil ik duidelijk zeggen.", True),
    ("Op dit moment is het redelijk rustig, hij heeft het druk.", True),
    ("hij is nu niet thuis, ik zit op mijn kamer", True),
    ("ze slaapt nu op de bank", True),
    ("politie komen. man weg nu", True),
    ("the police came, I am ok now", True),
    ("hij slaapt niet en loopt met een mes rond", False),
])
def test_danger_over(text, expected):
    assert signals_danger_over(text) is expected


@pytest.mark.parametrize("text,all_clear", [
    # help at the door or on the way is not the violent one at the door or on the way
    ("de politie staat bij ons voor de deur, hij is binnen met ze aan het praten", True),
    ("de politie staat nu voor de deur", True),
    ("wij zitten bij de buren, de politie is onderweg", True),
    ("de politie is er maar hij staat nog voor de deur", False),
    ("hij is weg, maar hij is onderweg naar mijn moeder", False),
    # quiet now, the violent one named, no danger said in so many words
    ("het is nu wel rustig", True),
    ("de buurman is net vertrokken", True),
    ("mijn moeder is op dit moment niet in gevaar", True),
    ("is zij nu niet in gevaar?", False),
    # a short answer after the 112 text
    ("ok gebeld", True),
    ("heb ze net gebeld!", True),
    ("oke ze zijn er", True),
    ("ze zijn er weer", False),
    ("gebeld?", False),
    ("ik heb niet gebeld", False),
])
def test_help_at_hand_and_quiet_now_release(text, all_clear):
    assert signals_all_clear(text) is all_clear


@pytest.mark.parametrize("text,acute", [
    ("op dit moment is er geen gevaar, hij slaapt", False),
    ("op dit moment slaat hij haar", True),
    ("oh nee hij is weer begonnen, ik hoor haar gillen", True),
    ("sinds januari is hij weer begonnen met drinken", False),
    ("de politie staat voor de deur", False),
    ("hij staat voor de deur", True),
    # locked in (but not "... tot hij weg was": over), and on the way
    ("ik heb me in de wc opgesloten, hij bonkt", True),
    ("ik heb me in de badkamer opgesloten tot hij weg was", False),
    ("hij appte dat hij eraan komt", True),
    ("hij heeft de deur op slot gedaan en is weggegaan. ik zit hier nog steeds", True),
])
def test_now_signals_read_the_rest_of_the_sentence(text, acute):
    assert signals_acute_danger(text) is acute


def test_a_baby_laid_in_bed_is_over_but_one_lying_still_is_not():
    assert signals_danger_over("hij ligt nu in zijn wieg en ik zit in de keuken")
    assert not signals_danger_over("ze ligt in haar bedje en ademt niet goed")


@pytest.mark.parametrize("text,over,all_clear", [
    ("ik heb 112 gebeld", True, True),
    ("het is nu rustig, hij is weg", True, True),
    # told right after: not acute as a first message, but in a conversation what was said
    # before may still hold, so these alone do not release acute danger
    ("ze zit nu bij mij", True, False),
    ("hij is naar de kroeg", True, False),
    ("ze slaapt nu op de bank", True, False),
    ("ik moet weg nu, hij komt", False, False),
])
def test_only_a_plain_all_clear_releases_a_conversation(text, over, all_clear):
    # (also: "ze slaapt nu" is over for a first message, but the other one is still there)
    assert signals_danger_over(text) is over
    assert signals_all_clear(text) is all_clear


def test_now_sentences_are_the_long_sentences_about_now():
    text = ("Mijn moeder heeft al heel lang psychische problemen. Ik ben 17. "
            "Maar sinds vanmiddag heeft ze alle deuren op slot gedaan en de sleutels verstopt. "
            "Wat moet ik nu doen?")
    assert now_sentences(text) == [
        "Maar sinds vanmiddag heeft ze alle deuren op slot gedaan en de sleutels verstopt."]
    assert now_sentences("hij slaat haar nu met een riem en ze gilt heel hard") == []


def test_one_sentence_about_now_is_enough_when_the_classifier_is_sure_of_it():
    text = "Hij sloeg haar vaak. Vanavond staat hij met een riem in de gang te schreeuwen."
    assert decide("describe_concern", text, prediction(acute=0.2), False).intent is None
    sure = TriagePrediction("partnergeweld", 0.9, "omstander", 0.9, 0.2, now_sentence_acute=0.75)
    assert decide("describe_concern", text, sure, False).intent == "acute_danger"
    over = "Hij sloeg haar vaak. Vanavond was het erg. Het is nu rustig, hij is weg."
    assert decide("describe_concern", over, sure, False).intent is None


def test_a_sentence_about_now_needs_a_whole_message_that_leans_that_way():
    text = ("Gisteravond sloeg hij haar. Ze ligt nu in haar kamer met de deur op slot. "
            "Hoe kan ik haar helpen?")
    sure_sentence = dict(concern_type="partnergeweld", concern_confidence=0.9, reporter_role="omstander",
                         role_confidence=0.9, now_sentence_acute=0.95)
    leaning = TriagePrediction(acute_probability=0.15, **sure_sentence)
    not_at_all = TriagePrediction(acute_probability=0.05, **sure_sentence)
    assert decide("describe_concern", text, leaning, False).intent == "acute_danger"
    assert decide("describe_concern", text, not_at_all, False).intent is None


def test_classifier_probability_over_threshold_makes_the_message_acute():
    decision = decide("describe_concern", "hij doet haar pijn", prediction(acute=0.5), False)
    assert decision.intent == "acute_danger"
    assert decision.entities["acute_danger"] is True
    assert decision.entities["concern_type"] == "partnergeweld"


def test_habitual_message_needs_a_surer_classifier():
    text = "ik hoor elke avond gegil bij de buren"
    assert decide("describe_concern", text, prediction(acute=0.5), False).intent is None
    assert decide("describe_concern", text, prediction(acute=0.9), False).intent == "acute_danger"


def test_diet_acute_intent_alone_does_not_make_a_message_acute():
    calm = decide("acute_danger", "ik hoor elke avond gegil", prediction(acute=0.1), False)
    assert calm.intent == "describe_concern" and "acute_danger" not in calm.entities
    unsure = decide("acute_danger", "hij doet haar pijn", prediction(acute=0.1), False)
    assert unsure.intent == "describe_concern"
    sure = decide("acute_danger", "hij doet haar pijn", prediction(acute=0.45), False)
    assert sure.intent == "acute_danger"


def test_confident_role_sets_role_and_skips_the_chat_safety_question_for_non_victims():
    entities = decide("describe_concern", "mijn buurvrouw", prediction(), False).entities
    assert entities["reporter_role"] == "omstander"
    assert entities["safety_can_chat"] == "niet_van_toepassing"


def test_victim_gets_the_chat_safety_question():
    entities = decide("describe_concern", "hij slaat mij", prediction(role="slachtoffer"), False).entities
    assert entities["reporter_role"] == "slachtoffer"
    assert "safety_can_chat" not in entities


def test_unsure_role_is_left_for_the_bot_to_ask():
    entities = decide("describe_concern", "er is iets mis", prediction(role_conf=0.3), False).entities
    assert "reporter_role" not in entities and "safety_can_chat" not in entities


def test_children_and_duration_are_taken_from_the_message():
    entities = decide("describe_concern", "al maanden slaat hij zijn zoontje",
                      prediction(concern="kindermishandeling"), False).entities
    assert entities["children_involved"] == "ja"
    assert entities["concern_duration"] == "al maanden"


def test_questions_get_no_concern_entities():
    decision = decide("ask_phone_number", "wat is jullie nummer", prediction(concern=NO_CONCERN), False)
    assert decision == decision.__class__(intent=None, entities={})


def test_unsure_diet_and_no_concern_in_triage_means_fallback():
    decision = decide("describe_concern", "<b>test</b>", prediction(concern=NO_CONCERN), False,
                      intent_confidence=0.6)
    assert decision.intent == "nlu_fallback" and decision.entities == {}


def test_confident_triage_rescues_a_fallback_as_a_concern():
    decision = decide("nlu_fallback", "long rambling message", prediction(concern_conf=0.8), False)
    assert decision.intent == "describe_concern"
    assert decision.entities["concern_type"] == "partnergeweld"


def test_english_concern_keeps_its_labels_and_switches_to_english():
    decision = decide("describe_concern", "my neighbour hits his wife", prediction(), True)
    assert decision.intent == "speak_english"
    assert decision.entities["concern_type"] == "partnergeweld"


def test_english_acute_message_gets_the_english_answer_and_stays_acute():
    decision = decide("describe_concern", "he is hitting her right now", prediction(), True)
    assert decision.intent == "speak_english"  # whose answer puts 112 in its first sentence
    assert decision.entities["acute_danger"] is True


def test_role_answer_sets_the_role():
    decision = decide("inform_role", "om mijn zus", prediction(concern=NO_CONCERN, role_conf=0.3), False)
    assert decision.entities == {"reporter_role": "omstander", "safety_can_chat": "niet_van_toepassing"}


@pytest.mark.parametrize("text,expected", [
    ("hello, my neighbour is hitting his kids", True),
    ("Hi, I am worried about my neighbour", True),
    ("hi", False),
    ("ok", False),
    ("ik hoor de buren", False),
    ("mijn man hij slaan mij", False),
])
def test_english_detection(text, expected):
    assert is_english(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("het zoontje van de buren", True), ("de baby huilt", True), ("mijn man slaat me", False),
    # the writer is a child themself; not an adult's age or years of marriage
    ("ik ben 14 en mijn stiefvader slaat me", True), ("ik ben 15 jaar getrouwd", False),
    ("ik ben 45 en mijn man slaat me", False),
])
def test_children_words(text, expected):
    assert mentions_children(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("dit gaat al jaren zo", "al jaren"), ("elke avond hoor ik het", "elke avond"),
    ("sinds de zomer", "sinds de zomer"), ("hij slaat haar", None),
])
def test_duration_phrases(text, expected):
    assert find_duration(text) == expected


def test_model_trains_and_predicts_all_three_labels():
    examples = [
        TriageExample("mijn man slaat me", "partnergeweld", "slachtoffer", False),
        TriageExample("hij slaat me nu", "partnergeweld", "slachtoffer", True),
        TriageExample("de buurman slaat zijn vrouw", "partnergeweld", "omstander", False),
        TriageExample("het kind van de buren loopt op slippers in de kou", "kindermishandeling", "omstander", False),
        TriageExample("een leerling heeft blauwe plekken", "kindermishandeling", "professional", False),
        TriageExample("wat is jullie nummer", NO_CONCERN, None, False),
    ]
    model = TriageModel.train(examples)
    [result] = model.predict(["de buurjongen loopt in de kou op slippers"])
    assert result.concern_type == "kindermishandeling"
    assert 0.0 <= result.acute_probability <= 1.0
    assert result.reporter_role in {"omstander", "slachtoffer", "professional"}
    assert result.now_sentence_acute == 0.0  # one sentence: nothing to score apart
    [long] = model.predict(["Mijn man slaat me al jaren en ik durf niks te zeggen tegen wie dan ook. "
                            "Hij slaat me nu weer met zijn vuist op mijn hoofd en rug."])
    assert 0.0 < long.now_sentence_acute <= 1.0


def test_model_refuses_training_data_with_one_label_value():
    examples = [TriageExample("a", "partnergeweld", "omstander", False),
                TriageExample("b", "partnergeweld", "omstander", False)]
    with pytest.raises(ValueError, match="two different values"):
        TriageModel.train(examples)


def test_thresholds_default_to_recall_first():
    assert TriageThresholds().acute < 0.5


@pytest.mark.parametrize("text,expected", [
    ("kocam beni dövüyor yardım edin lütfen", "other"),  # Turkish
    ("mój mąż mnie bije, pomóż mi", "other"),  # Polish
    ("زوجي يضربني ساعدوني", "other"),  # Arabic script
    ("my husband hits me, I am scared", "en"),
    ("mijn man hij slaan mij", "nl"),  # broken Dutch stays Dutch
    ("buurvrouw kind altijd huilen", "nl"),
    ("ok", "nl"),  # too short to switch languages
])
def test_language_detection(text, expected):
    vocabulary = frozenset({"altijd", "huilen", "slaan"})
    assert detect_language(text, vocabulary) == expected


def test_message_in_another_language_gets_the_english_answer():
    decision = decide("nlu_fallback", "kocam beni dövüyor", prediction(concern=NO_CONCERN), True)
    assert decision.intent == "speak_english" and decision.entities == {}


def test_a_message_in_another_language_never_falls_back():
    # DIET half-thinks "mój mąż mnie bije" is a concern, the triage model sees none: still the
    # short answer in English (with 112 and 0800-2000), not "I did not understand".
    decision = decide("describe_concern", "mój mąż mnie bije, pomóż mi",
                      prediction(concern=NO_CONCERN), True, intent_confidence=0.7)
    assert decision.intent == "speak_english"


@pytest.mark.parametrize("text,expected", [
    ("kocam beni dövüyor, yardım edin lütfen", "tr"),
    ("mój mąż mnie bije, pomóż mi", "pl"),
    ("чоловік б'є мене, допоможіть", "uk"),
    ("زوجي يضربني ساعدوني", "ar"),
    ("شوهرم مرا کتک می زند", "fa"),  # Persian: told apart from Arabic by its letters
    ("soțul meu mă bate zilnic", "ro"),
    ("ninkaygu wuu i garaacaa", "en"),  # Somali: no answer of its own, so English
    ("my husband hits me every day", "en"),
])
def test_the_short_answer_is_in_the_language_of_the_message(text, expected):
    assert reply_language(text) == expected


def test_the_reply_languages_all_have_an_answer_in_the_domain():
    answers = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]["utter_english"]
    conditioned = {c["value"] for answer in answers for c in answer.get("condition", [])}
    assert conditioned == set(REPLY_LANGUAGES) - {"en"}
    assert all("112" in answer["text"] and "0800-2000" in answer["text"] for answer in answers)


def test_having_to_stop_keeps_its_intent_when_it_is_also_acute():
    # "Hij komt nu thuis, ik moet stoppen": the leave-at-once answer carries 112 itself.
    decision = decide("must_stop", "hij komt nu thuis, ik moet stoppen", prediction(acute=0.9), False)
    assert decision.intent is None and decision.entities["acute_danger"] is True


def test_a_doubt_that_tells_a_concern_is_read_as_the_concern():
    decision = decide("express_doubt", "misschien overdrijf ik, maar mijn buurman slaat zijn kinderen",
                      prediction(concern_conf=0.8), False)
    assert decision.intent == "describe_concern"


@pytest.mark.parametrize("sentence", [
    "Hij zit nu in de woonkamer met een mes op tafel en zei dat ik het huis vannacht niet levend verlaat.",
    "Gisteren zei zijn vader dat hij hem vandaag doodmaakt als hij weer een brief van school meeneemt.",
    "Terwijl ze bij mij in de spreekkamer zit, staat haar partner in de wachtkamer te schreeuwen.",
])
def test_a_sentence_about_tonight_or_today_is_judged_on_its_own(sentence):
    text = "Ik woon al zes jaar samen met mijn man. In het begin was hij lief. " + sentence
    assert now_sentences(text) == [sentence]


def test_a_sentence_about_a_pattern_is_not_judged_as_now():
    text = "Ik woon al zes jaar met hem samen. Hij slaat me elke avond als hij nu en dan gedronken heeft."
    assert now_sentences(text) == []


@pytest.mark.parametrize("intent", ["nlu_fallback", "afraid_to_call"])
def test_a_plain_all_clear_is_never_a_misunderstanding(intent):
    decision = decide(intent, "ik heb 112 gebeld", prediction(concern=NO_CONCERN), False)
    assert decision.intent == "danger_over"


def test_saying_the_danger_is_over_answers_the_danger_question():
    decision = decide("describe_concern", "ze zit nu bij mij en hij is weg",
                      prediction(acute=0.1), False)
    assert decision.entities["acute_danger"] is False


def test_a_message_that_asks_what_to_do_and_tells_a_concern_is_the_concern():
    decision = decide("ask_what_to_do", "wat moet ik doen, mijn buurman slaat zijn vrouw",
                      prediction(concern_conf=0.8), False)
    assert decision.intent == "describe_concern"


@pytest.mark.parametrize("text", [
    "wat is de volgende stap voor mij?",
    "moet ik douchen? ik voel me zo vies",
    "ga je me nu aangeven?",
    "en wat kunnen wij als familie doen",
])
def test_a_question_the_bot_cannot_place_gets_the_advice(text):
    assert decide("nlu_fallback", text, prediction(concern=NO_CONCERN), False).intent == "ask_what_to_do"


@pytest.mark.parametrize("text", ["hhhh?", "???", "wat bedoel je?", "ik snap het niet", "pfff"])
def test_mashing_and_asking_what_the_bot_meant_are_no_request_for_advice(text):
    assert decide("nlu_fallback", text, prediction(concern=NO_CONCERN), False).intent is None


def test_a_hesitant_start_that_diet_half_reads_as_a_concern_is_invited_to_tell_more():
    unsure = dict(intent_confidence=0.5)
    start = decide("describe_concern", "ik wil iets vragen over mijn buurvrouw",
                   prediction(concern=NO_CONCERN), False, **unsure)
    mashing = decide("describe_concern", "asdf qwer zxcv", prediction(concern=NO_CONCERN), False,
                     **unsure)
    assert start.intent == "vague_opening"
    assert mashing.intent == "nlu_fallback"


def test_a_question_gets_diets_best_guess_when_that_is_a_question_the_bot_answers():
    vt = decide("nlu_fallback", "wat is veilig thuis?", prediction(concern=NO_CONCERN), False,
                best_guesses=["ask_what_is_vt"])
    other = decide("nlu_fallback", "wat is de volgende stap?", prediction(concern=NO_CONCERN),
                   False, best_guesses=["describe_concern"])
    assert vt.intent == "ask_what_is_vt"
    assert other.intent == "ask_what_to_do"


def test_an_off_topic_question_is_not_answered_with_the_advice():
    decision = decide("nlu_fallback", "wat is de hoofdstad van peru", prediction(concern=NO_CONCERN),
                      False, best_guesses=["out_of_scope"])
    assert decision.intent is None


def test_a_hesitant_start_under_the_threshold_is_invited_when_diet_half_hears_it():
    text = "ik wil iets vragen over mijn buurvrouw"
    near = decide("nlu_fallback", text, prediction(concern=NO_CONCERN), False,
                  best_guesses=["inform_role", "vague_opening"])
    mashing = decide("nlu_fallback", "qwpoe zxmnv", prediction(concern=NO_CONCERN), False,
                     best_guesses=["express_doubt", "vague_opening"])
    assert near.intent == "vague_opening"
    assert mashing.intent is None


def test_an_oke_before_the_story_is_the_story():
    story = prediction("partnergeweld", 0.8, "slachtoffer", 0.8)
    told = decide("affirm", "oké. mijn vriend duwt me tegen de muur als hij boos is", story, False)
    assert told.intent == "describe_concern" and told.entities["concern_type"] == "partnergeweld"
    # "oké dank je wel" thanks; it is no yes to "is er nu iemand in gevaar?"
    assert decide("affirm", "oké dank je wel", story, False).intent == "thanks"
    assert decide("affirm", "oké", story, False).intent is None
    assert decide("affirm", "ja, er zijn twee kinderen van 5 en 8", story, False).intent is None


def test_someone_else_having_called_112_is_an_all_clear():
    assert signals_all_clear("mijn buurman heeft de politie gebeld")
    assert signals_all_clear("ik heb mijn zus geappt, zij heeft 112 gebeld")


def test_help_on_its_way_is_an_all_clear_not_a_new_danger():
    # "ze komen eraan" after "112 gebeld" is the police coming, not the violent one
    for text in ("ik heb 112 gebeld, ze komen eraan", "gebeld. de politie staat nu bij ze voor de deur"):
        assert not signals_acute_danger(text) and signals_all_clear(text)
        decision = decide("acute_danger", text, prediction(acute=0.9), False)
        assert decision.entities.get("acute_danger") is False
    assert signals_acute_danger("hij komt eraan")
    assert signals_acute_danger("ik heb gebeld maar hij komt eraan met een mes")


def test_a_story_or_an_addition_says_whether_it_asks_a_question():
    story = prediction("partnergeweld", 0.9, "omstander", 0.9)
    asked = decide("describe_concern", "Hoe kan ik haar helpen zonder dat ze boos op me wordt? "
                   "Ze sluit zich af als ik erover begin.", story, False)
    told = decide("describe_concern", "Hij slaat haar al jaren, ze hebben geen kinderen.", story, False)
    assert asked.entities["asks_question"] is True and told.entities["asks_question"] is False
    added = decide("add_detail", "ik heb er nog met niemand over gepraat. moet ik gewoon eens aanbellen?",
                   prediction(concern=NO_CONCERN), False)
    assert added.intent in (None, "add_detail") and added.entities["asks_question"] is True
    # an answer to a question is neither: nothing is set
    assert "asks_question" not in decide("ask_anonymity", "blijf ik anoniem?", story, False).entities


def test_dutch_sentences_diet_cannot_place_are_an_addition_not_a_misunderstanding():
    none = prediction(concern=NO_CONCERN)
    assert decide("nlu_fallback", "Ze is nu bij haar ouders. Ze wil niet dat ik haar bel.", none,
                  False, best_guesses=["add_detail"]).intent == "add_detail"
    # a question, keyboard mashing, "wat bedoel je" and an off-topic guess are not
    assert decide("nlu_fallback", "qwpoe zxmnv asdf jkl", none, False).intent is None
    assert decide("nlu_fallback", "ik snap het niet, wat bedoel je", none, False).intent != "add_detail"
    assert decide("nlu_fallback", "wat is de hoofdstad van peru", none, False,
                  best_guesses=["out_of_scope"]).intent is None


def test_a_question_anywhere_in_a_message_diet_cannot_place_gets_the_advice():
    decision = decide("nlu_fallback", "Komt er dan politie? Ik wil niet dat zij op straat komt te staan.",
                      prediction(concern=NO_CONCERN), False, best_guesses=["ask_after_report"])
    assert decision.intent == "ask_after_report"
    asked = decide("inform_role", "Moet ik mezelf aangeven?", prediction(concern=NO_CONCERN), False,
                   best_guesses=["inform_role"])
    assert asked.intent == "ask_what_to_do"


def test_a_perpetrator_asking_how_to_stop_is_not_leaving_the_chat():
    text = "ik ben geen slecht mens maar ik weet niet hoe ik moet stoppen als het eenmaal opkomt"
    assert decide("must_stop", text, prediction(concern=NO_CONCERN), False).intent == "ask_perpetrator_help"
    assert decide("must_stop", "ik moet stoppen, hij komt eraan", prediction(), False).intent != \
        "ask_perpetrator_help"


def test_a_child_about_their_own_home_is_the_victim():
    seen_as_bystander = prediction("kindermishandeling", 0.9, "omstander", 0.9)
    text = "hoi ik ben 15. de vriend van mijn moeder schreeuwt elke avond tegen haar"
    decision = decide("describe_concern", text, seen_as_bystander, False)
    assert decision.entities["reporter_role"] == "slachtoffer"
    assert "safety_can_chat" not in decision.entities  # a victim is asked whether chatting is safe
    # an adult's age, or a child named by someone else, does not make a victim
    assert decide("describe_concern", "ik ben 16 jaar getrouwd en mijn moeder slaat mijn zusje",
                  seen_as_bystander, False).entities["reporter_role"] == "omstander"


def test_the_police_having_taken_him_along_or_called_with_more_words_is_an_all_clear():
    assert signals_all_clear("De buurman heeft mij door het raam horen roepen en de politie gebeld. "
                             "Zij zijn er nu, en mijn kleinzoon is mee naar het bureau.")
    assert signals_all_clear("hij is aangehouden")
    assert not signals_all_clear("ik heb nog niet de politie gebeld")


def test_they_drove_off_after_a_call_is_the_threat_gone():
    from bot.acute_cues import signals_taken_along
    assert signals_taken_along("Ze zijn weggereden, ik heb het kenteken")
    assert not signals_taken_along("mijn vriend heeft gebeld. ze zijn weggereden voordat de politie er was")


def test_a_later_day_or_a_death_in_the_past_needs_a_surer_classifier():
    for text in ("mijn ex appt dat hij morgen zijn spullen komt halen en dat ik dan wel zal zien",
                 "Mijn man is overleden, ik sta er alleen voor."):
        assert not decide("describe_concern", text, prediction(acute=0.6), False).entities.get("acute_danger")
        assert decide("describe_concern", text, prediction(acute=0.85), False).entities.get("acute_danger")


def test_fear_of_what_one_may_do_to_someone_makes_the_writer_the_pleger():
    from bot.triage import says_own_role
    seen_as_bystander = prediction("kindermishandeling", 0.9, "omstander", 0.9)
    text = "gisteren heb ik haar te hard neergelegd. ik ben bang dat ik haar ooit iets aandoe"
    decision = decide("describe_concern", text, seen_as_bystander, False)
    assert decision.entities["reporter_role"] == "pleger"
    assert decision.entities["safety_can_chat"] == "niet_van_toepassing"
    assert says_own_role("ik denk soms echt dat ik mijn broer iets ga aandoen") == "pleger"
    # fear of what someone else does, or of harming oneself, is not
    assert says_own_role("ik ben bang dat hij haar iets aandoet") is None
    assert says_own_role("ik ben bang dat ik mezelf iets aandoe") is None


def test_a_no_to_the_danger_question_needs_a_plain_signal_or_a_very_sure_classifier():
    text = "Nee, op dit moment zit mijn vrouw naast mij in de woonkamer."
    assert not decide("describe_concern", text, prediction(acute=0.84), False).entities.get("acute_danger")
    assert decide("describe_concern", text, prediction(acute=0.97), False).entities.get("acute_danger")
    at_the_door = "nee eigenlijk niet, hij staat nu beneden voor mijn flat en belt steeds aan"
    assert decide("describe_concern", at_the_door, prediction(), False).entities.get("acute_danger")


def test_the_weapon_taken_away_is_no_danger_now():
    text = "papa heeft het mes afgepakt. de politie is er nu en heeft mijn broer meegenomen"
    assert signals_danger_over(text)
    assert not decide("describe_concern", text, prediction(acute=0.5), False).entities.get("acute_danger")


def test_being_alone_is_no_all_clear():
    # "Ik sta op het punt mijn baby iets aan te doen. ... Ik ben alleen thuis.": alone with the
    # one in danger (development set dev_d); so "ik ben thuis alleen op mn kamer" is not one either.
    assert not signals_danger_over("Ik heb hem net te hard in zijn bedje gegooid. Ik ben alleen thuis.")


def test_a_weapon_or_a_wound_keeps_the_danger():
    assert not signals_all_clear("hij is weg maar hij heeft een mes")
    assert not signals_all_clear("hij is weg, ze is gewond")
    assert signals_all_clear("hij is weg, niemand is gewond")
    assert not signals_all_clear("toen heeft hij me in mijn kamer op slot gedaan en daarna is hij weggegaan")
    assert signals_all_clear("we hebben de deur op slot gedaan en hij is weg")


def test_a_story_that_opens_with_a_greeting_is_the_story():
    text = ("Goeiedag. Mijn schoonzoon roept en tiert tegen mijn dochter, en de kleinkinderen "
            "zien dat allemaal.")
    decision = decide("greet", text, prediction("kindermishandeling", 0.8), False)
    assert decision.intent == "describe_concern"
    assert decision.entities["concern_type"] == "kindermishandeling"
    assert decide("greet", "hoi", prediction(NO_CONCERN, 0.9), False).intent is None


def test_a_feeling_diet_half_reads_as_who_is_writing_is_an_addition_without_a_role():
    text = "ik ben bang dat het weer gebeurt"
    decision = decide("inform_role", text, prediction(role="pleger", concern=NO_CONCERN), False,
                      intent_confidence=0.34)
    assert decision.intent == "add_detail" and "reporter_role" not in decision.entities
    sure = decide("inform_role", "ik ben haar tante", prediction(concern=NO_CONCERN), False,
                  intent_confidence=0.9)
    assert sure.entities["reporter_role"] == "omstander"


@pytest.mark.parametrize("text, intent", [
    ("Ze heeft me gevraagd het niet door te vertellen", "add_detail"),
    ("Wat zeg ik tegen haar? Ik heb beloofd het geheim te houden", "ask_anonymity"),
    ("moet ik t geheim houden? wat moet ik doen", "ask_what_to_do"),
    ("ik wil geen politie denk ik", "vague_opening"),
])
def test_keeping_it_secret_or_no_police_gets_the_advice(text, intent):
    decision = decide(intent, text, prediction(concern=NO_CONCERN), False)
    assert decision.intent == "ask_what_to_do"


def test_anonymity_without_a_secret_stays_the_anonymity_question():
    assert decide("ask_anonymity", "hoort hij dat ik het was?", prediction(concern=NO_CONCERN),
                  False).intent in (None, "ask_anonymity")


@pytest.mark.parametrize("text", [
    "Zij is op dit moment op school.",
    "Hij is nu thuis. Ik denk niet dat hij op dit moment in gevaar is.",
    "Ze zit nu gewoon naast me op kantoor.",
    "De buurman kwam kijken en toen is mijn zoon weggegaan. De deur zit op slot.",
    "ik heb het mes weggelegd en ben naar buiten gegaan. ik zit in de auto, zij is binnen",
    "ze appt terug! ze gaat naar haar moeder in plaats van naar huis",
])
def test_an_answer_that_echoes_now_or_says_someone_is_safe_is_no_danger(text):
    assert not decide("describe_concern", text, prediction(acute=0.5), False).entities.get("acute_danger")


def test_a_plain_signal_beyond_the_bare_now_still_wins_over_an_all_clear():
    text = "hij is weg maar hij komt zo terug, hij staat nu voor de deur"
    assert decide("describe_concern", text, prediction(), False).entities.get("acute_danger")
    assert decide("describe_concern", "op dit moment slaat hij haar", prediction(),
                  False).entities.get("acute_danger")
