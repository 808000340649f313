"""Judging the whole conversation (bot/conversation_triage.py): overwrite, refinement, release."""

from __future__ import annotations

import dataclasses

from bot.conversation_triage import TurnReading, read_conversation, turn_reading

ROLE_THRESHOLD = 0.4


def story(concern: dict, role: dict, danger_over: bool = False) -> TurnReading:
    return TurnReading(True, concern, role, None, danger_over)


def answer(danger_over: bool = False, explicit_role=None) -> TurnReading:
    return TurnReading(False, {"partnergeweld": 0.1}, {"omstander": 0.9}, explicit_role,
                       danger_over)


BEATEN_WIFE = story({"partnergeweld": 0.80, "seksueel_geweld": 0.10, "huiselijk_geweld": 0.10},
                    {"slachtoffer": 0.90, "omstander": 0.10})
HE_COMES_HOME = story({"partnergeweld": 0.25, "seksueel_geweld": 0.45, "huiselijk_geweld": 0.30},
                      {"slachtoffer": 0.60, "omstander": 0.40})


def test_a_later_unclear_message_does_not_overwrite_the_concern():
    reading = read_conversation([BEATEN_WIFE, answer(), HE_COMES_HOME], ROLE_THRESHOLD)
    assert reading.concern_type == "partnergeweld"
    assert reading.reporter_role == "slachtoffer"


def test_a_later_message_clearly_about_another_concern_changes_it():
    raped = story({"seksueel_geweld": 0.97, "partnergeweld": 0.03}, {"slachtoffer": 0.95})
    assert read_conversation([BEATEN_WIFE, raped], ROLE_THRESHOLD).concern_type == "seksueel_geweld"


def test_a_story_told_in_an_answer_counts_half():
    # "we hebben een dochter van 4, ze slaapt meestal als het gebeurt", to a question.
    daughter = story({"kindermishandeling": 0.95, "partnergeweld": 0.05}, {"slachtoffer": 0.9})
    as_answer = dataclasses.replace(daughter, answers_question=True)
    assert read_conversation([BEATEN_WIFE, as_answer], ROLE_THRESHOLD).concern_type == "partnergeweld"
    assert read_conversation([BEATEN_WIFE, daughter], ROLE_THRESHOLD).concern_type == "kindermishandeling"


def test_a_vague_start_is_refined_by_what_follows():
    vague = TurnReading(False, {}, {}, None, False)  # "ik wil iets vragen over mijn buurvrouw"
    neighbour = story({"partnergeweld": 0.7, "huiselijk_geweld": 0.3}, {"omstander": 0.8})
    assert read_conversation([vague], ROLE_THRESHOLD).concern_type is None
    reading = read_conversation([vague, neighbour], ROLE_THRESHOLD)
    assert (reading.concern_type, reading.reporter_role) == ("partnergeweld", "omstander")


def test_the_role_needs_evidence_and_words_win():
    unsure = story({"kindermishandeling": 0.9}, {"omstander": 0.35, "professional": 0.35,
                                                 "slachtoffer": 0.3})
    assert read_conversation([unsure], ROLE_THRESHOLD).reporter_role is None  # the bot asks
    said = answer(explicit_role="professional")
    assert read_conversation([unsure, said], ROLE_THRESHOLD).reporter_role == "professional"
    # ... and a later story message does not undo what the person said about themselves
    assert read_conversation([said, BEATEN_WIFE], ROLE_THRESHOLD).reporter_role == "professional"


def test_danger_over_is_read_from_the_latest_message_only():
    assert read_conversation([BEATEN_WIFE, answer(danger_over=True)], ROLE_THRESHOLD).danger_over
    assert not read_conversation([answer(danger_over=True), BEATEN_WIFE],
                                 ROLE_THRESHOLD).danger_over


def test_readings_come_from_the_parse_data_the_nlu_stored():
    parse = {"intent": {"name": "describe_concern"},
             "triage": {"tells_story": True, "concern": {"_none": 0.5, "partnergeweld": 0.5},
                        "role": {"slachtoffer": 1.0}, "danger_over": False}}
    reading = turn_reading(parse)
    assert reading.tells_story and reading.concern == {"partnergeweld": 0.5}
    button = {"intent": {"name": "inform_role"},
              "entities": [{"entity": "reporter_role", "value": "omstander"}]}
    assert turn_reading(button).explicit_role == "omstander"
    assert turn_reading({"intent": {"name": "affirm"}}) is None


def test_the_policy_marks_the_messages_sent_while_a_question_was_open():
    from rasa.shared.core.events import ActiveLoop, SlotSet, UserUttered

    from components.conversation_triage import _readings

    parse = {"intent": {"name": "describe_concern"},
             "triage": {"tells_story": True, "concern": {"partnergeweld": 0.9}, "role": {}}}
    events = [UserUttered("eerste", parse_data=parse), ActiveLoop("danger_form"),
              SlotSet("requested_slot", "acute_danger"), UserUttered("antwoord", parse_data=parse),
              ActiveLoop(None), SlotSet("requested_slot", None), UserUttered("later", parse_data=parse)]
    assert [r.answers_question for r in _readings(events)] == [False, True, False]


def test_danger_now_is_read_from_the_latest_message():
    parse = {"intent": {"name": "must_stop"}, "entities": [{"entity": "acute_danger", "value": True}],
             "triage": {"tells_story": True, "concern": {}, "role": {}}}
    calm = {"intent": {"name": "affirm"}, "entities": [], "triage": {"concern": {}, "role": {}}}
    assert read_conversation([turn_reading(calm), turn_reading(parse)], ROLE_THRESHOLD).danger_now
    assert not read_conversation([turn_reading(parse), turn_reading(calm)],
                                 ROLE_THRESHOLD).danger_now


def test_back_after_having_to_stop_chatting_is_safe_again():
    from types import SimpleNamespace

    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    from components.conversation_triage import ConversationTriagePolicy

    over = {"intent": {"name": "danger_over"}, "entities": [],
            "triage": {"concern": {}, "role": {}, "danger_over": True}}
    events = [SlotSet("safety_can_chat", "nee"), ActionExecuted("utter_leave_now"),
              ActionExecuted("action_listen"), UserUttered("ze is weg", parse_data=over)]
    tracker = DialogueStateTracker.from_events(
        "s", events, slots=[TextSlot("safety_can_chat", mappings=[])])
    policy = SimpleNamespace(config={"role_threshold": ROLE_THRESHOLD})
    corrections = ConversationTriagePolicy._corrections(policy, tracker)
    assert SlotSet("safety_can_chat", "ja") in corrections


def test_a_role_a_rule_decided_counts_as_sure_for_the_whole_conversation():
    # "ik ben 15. de vriend van mijn moeder slaat haar": the classifier leans bystander, the
    # rule for a child about their own home says victim (bot/triage.py); the conversation
    # reading must not take the classifier's guess back.
    from bot.triage import TriagePrediction
    from components.triage import _role_reading
    leaning = TriagePrediction("kindermishandeling", 0.9, "omstander", 0.7, 0.05,
                               role_probabilities={"omstander": 0.7, "slachtoffer": 0.3})
    assert _role_reading({"reporter_role": "slachtoffer"}, leaning) == {"slachtoffer": 1.0}
    assert _role_reading({"reporter_role": "omstander"}, leaning) == {"omstander": 0.7,
                                                                       "slachtoffer": 0.3}
    assert _role_reading({}, leaning) == {"omstander": 0.7, "slachtoffer": 0.3}


def test_fear_of_what_one_may_do_named_in_an_answer_outweighs_the_first_guess():
    # "mn dochtertje huilt de hele nacht" (read as a bystander), then, to the danger question,
    # "ik ben bang dat ik haar ooit iets aandoe": the writer says who they are.
    crying_baby = story({"kindermishandeling": 0.9}, {"omstander": 0.9, "pleger": 0.1})
    parse = {"intent": {"name": "describe_concern"},
             "triage": {"tells_story": True, "concern": {"kindermishandeling": 0.6},
                        "role": {"pleger": 0.6, "omstander": 0.4}, "danger_over": False,
                        "said_role": "pleger"}}
    fear = dataclasses.replace(turn_reading(parse), answers_question=True)
    assert fear.explicit_role == "pleger"
    assert read_conversation([crying_baby, fear], ROLE_THRESHOLD).reporter_role == "pleger"
    unsaid = dataclasses.replace(fear, explicit_role=None)
    assert read_conversation([crying_baby, unsaid], ROLE_THRESHOLD).reporter_role == "omstander"
