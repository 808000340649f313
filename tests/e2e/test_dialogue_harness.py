"""The dialogue harness itself (scripts/dialogue_checks.py, scripts/evaluate_dialogues.py):
the detectors on made-up replies (each case can fail: a detector that says yes to everything
or to nothing fails one side), the file format, the decisions and figures, and one run of
tests/e2e/data/harness_dialogues.yml against the real servers that checks the harness against
the tracker's own record. These tests check that the harness measures, not that the bot passes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "scripts") not in sys.path:
    sys.path.append(str(ROOT / "scripts"))

import dialogue_checks as dc  # noqa: E402
import evaluate_dialogues as ev  # noqa: E402

DATA = Path(__file__).parent / "data" / "harness_dialogues.yml"
B = dc.Bubble


# --- mentions: one reworded positive and one near miss per word of the vocabulary ----------

MENTION_CASES = {
    "112": ("Is het nu gevaarlijk? Bel direct 112.", "Bel ons gratis op 0800-2000 of 1120."),
    "0800-2000": ("Je kunt bellen met 0800 2000, dat is gratis.", "Bel 0800-0188 voor hulp."),
    "kindertelefoon": ("Je kunt ook de Kindertelefoon bellen.",
                       "Praat met een volwassene die je vertrouwt."),
    "centrum_seksueel_geweld": ("Bel het CSG op 0800-0188.",
                                "Seksueel geweld is nooit jouw schuld."),
    "binnen_7_dagen": ("Ga liefst binnen een week naar de huisarts of het centrum.",
                       "Dat kan 7 dagen per week."),
    "ook_later_hulp": ("Ook als het lang geleden is, kun je nog hulp krijgen.",
                       "Bellen kan altijd: 0800-2000, dag en nacht."),
    "snel_weg": ("Druk op Esc of op de knop 'Snel weg' als iemand binnenkomt.",
                 "Ga niet zelf weg als het niet veilig is."),
    "terugkomen": ("Je kunt later altijd terugkomen in deze chat.",
                   "Als hij terug is, let dan goed op jezelf."),
    "geen_bewijs_nodig": ("Je hoeft het niet zeker te weten om ons te bellen.",
                          "Bewaar berichten als bewijs."),
    "advies_is_geen_melding": ("Met een adviesgesprek doe je nog geen melding.",
                               "Een melding doe je telefonisch."),
    "meldcode": ("Volg de stappen van de meldcode.", "Meld het bij je teamleider."),
    "collega_of_aandachtsfunctionaris": ("Overleg met de aandachtsfunctionaris op school.",
                                         "Wil je praten met een collega van Veilig Thuis?"),
    "hulp_voor_plegers": ("Er is begeleiding voor mensen die thuis geweld gebruiken.",
                          "Spreek de persoon die geweld gebruikt niet zelf aan."),
    "huisarts": ("Je kunt ook naar de dokter gaan.", "Bel de politie als het nodig is."),
    "bank": ("Neem contact op met de bank van je moeder.",
             "Houd er rekening mee dat het even duurt."),
    "ambassade_of_buitenlandse_zaken": ("Bel Buitenlandse Zaken als je in het buitenland bent.",
                                        "Ga je op reis naar het buitenland?"),
    "knooppunt_huwelijksdwang": ("Het Landelijk Knooppunt Huwelijksdwang en Achterlating helpt.",
                                 "Gedwongen trouwen is verboden."),
    "geheim_niet_beloven": ("Beloof het kind niet dat je het aan niemand vertelt.",
                            "Beloof jezelf dat je goed voor jezelf zorgt."),
    "opening_chat": ("Morgen om 9.00 uur kun je hier weer met een medewerker chatten.",
                     "De chat is nu open."),
    "wat_bewaard": ("Dit gesprek wordt 7 dagen bewaard en daarna verwijderd.",
                    "Bewaar berichten en foto's op een veilige plek."),
    "anoniem_tegenover_familie": ("De familie krijgt niet te horen wie de melding deed.",
                                  "Je mag anoniem blijven."),
    "paspoort_en_pinpas": ("Zorg dat je identiteitsbewijs en bankpas klaarliggen.",
                           "Let op de pinpassen en de post van je vader."),
}


def test_every_word_of_the_vocabulary_has_a_case():
    assert set(MENTION_CASES) == set(dc.VOCABULARY)


@pytest.mark.parametrize("item", sorted(MENTION_CASES))
def test_mention_detector_says_yes_to_a_rewording(item):
    assert dc.mentions(item, MENTION_CASES[item][0])


@pytest.mark.parametrize("item", sorted(MENTION_CASES))
def test_mention_detector_says_no_to_a_near_miss(item):
    assert not dc.mentions(item, MENTION_CASES[item][1])


def _assistant_texts() -> Dict[str, str]:
    """Every text the assistant can send that lives in domain.yml (buttons included)."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    texts = {}
    for name, variants in domain["responses"].items():
        for number, variant in enumerate(variants):
            buttons = "\n".join(b["title"] for b in variant.get("buttons") or [])
            texts[f"{name}[{number}]"] = f"{variant.get('text') or ''}\n{buttons}"
    return texts


def test_no_detector_is_true_of_everything_the_assistant_says():
    texts = list(_assistant_texts().values())
    assert len(texts) > 20
    for item in dc.VOCABULARY:
        assert sum(dc.mentions(item, t) for t in texts) < len(texts) / 2, item
    for kind in dc.ASK_KINDS:
        assert sum(kind in dc.asked_kinds(t) for t in texts) < len(texts) / 4, kind
    for detector in (dc.is_fallback, dc.gave_advice, lambda t: dc.offers_counsellor([B(t)])):
        assert 0 < sum(detector(t) for t in texts) < len(texts) / 2


# --- questions -----------------------------------------------------------------------------

@pytest.mark.parametrize("text,kinds", [
    ("Even iets anders: ben je nu veilig?", {"danger_now"}),
    ("Loopt er op dit moment iemand gevaar?", {"danger_now"}),
    ("Kun je vrijuit typen, of kan er iemand meelezen?", {"chat_safely"}),
    ("Wonen er ook kinderen bij hen in huis?", {"children"}),
    ("Sinds wanneer gebeurt dit?", {"duration"}),
    ("Weet iemand anders hiervan?", {"talked_to_someone"}),
    ("Schrijf je voor jezelf of voor iemand anders?", {"who_is_writing"}),
    ("Kun je me er iets meer over vertellen?", {"tell_more"}),
    ("Vertel gerust verder, ik lees mee.", {"tell_more"}),
    # Conditions, not questions: "Is er nu gevaar? Bel dan 112."
    ("Is er nu gevaar? Bel dan meteen 112.", set()),
    ("Gaat het om een kind? Vraag dan zeker advies.", set()),
    ("Kun je niet praten? Bel toch 112 en laat de lijn open.", set()),
    ("Het is niet jouw schuld. Bellen kan altijd: 0800-2000.", set()),
])
def test_asked_kinds_on_made_up_replies(text, kinds):
    assert dc.asked_kinds(text) == kinds


def test_the_form_slot_counts_as_the_question_it_asks():
    assert dc.asked_kinds("Wat denk jij?", {"children_involved"}) == {"children"}
    assert dc.asked_kinds("Wat denk jij?") == set()


@pytest.mark.parametrize("text,none", [
    ("Sluit dit venster en kom later terug als het veilig is.", True),
    ("Is er nu iemand in gevaar? Bel dan meteen 112.", True),
    ("Wil je verder praten met een medewerker? Dan hoef je niets opnieuw te vertellen.", False),
    ("Hoe gaat het nu met je?", False),
    ("Vertel gerust wat je zorgen maakt.", False),
])
def test_asks_none(text, none):
    assert dc.asks_nothing(text) is none


# --- fallback, offer, advice, signposting, language ------------------------------------------

@pytest.mark.parametrize("text,fallback", [
    ("Sorry, ik snap niet helemaal wat je bedoelt. Kun je het anders zeggen?", True),
    ("Dat begrijp ik helaas niet.", True),
    ("Ik begrijp dat dit moeilijk is. Dank je dat je het vertelt.", False),
    ("Begrijp ik het goed dat het elke avond gebeurt?", False),
])
def test_fallback(text, fallback):
    assert dc.is_fallback(text) is fallback


@pytest.mark.parametrize("bubbles,offer", [
    ([B("Zal ik je doorzetten naar een hulpverlener van Veilig Thuis?")], True),
    ([B("Een medewerker kan nu met je meelezen en verder chatten.", ("Ja, graag", "Nee"))], True),
    ([B("Een medewerker is nu bereikbaar. Wil je dat?\n1. Ja, graag\n2. Nee, nu niet")], True),
    ([B("Op dit moment is er geen medewerker in de chat.")], False),
    ([B("Als de chat open is, kan ik je doorzetten naar een medewerker.")], False),
    ([B("Ik zet je nu door naar een medewerker. Even geduld.")], False),
    ([B("Wil je verder praten?", ("Ja", "Nee"))], False),
])
def test_offers_counsellor(bubbles, offer):
    assert dc.offers_counsellor(bubbles) is offer


@pytest.mark.parametrize("bubbles,connects", [
    ([B("Ik zet je nu door naar een medewerker. Even geduld.")], True),
    ([B("Even geduld."), B("Je bent nummer 2 in de wachtrij.")], True),
    ([B("Als de chat open is, kan ik je doorzetten naar een medewerker.")], False),
])
def test_connects_now(bubbles, connects):
    assert dc.connects_now(bubbles) is connects


def test_a_handoff_at_once_meets_an_expected_offer():
    handoff = dc.Observed((B("Ik zet je nu door naar een medewerker. Even geduld."),), {},
                          handed_off=True)
    wanted = dc.Turn("ik wil met iemand praten", {"offers_counsellor": True})
    unwanted = dc.Turn("ik wil met iemand praten", {"offers_counsellor": False})
    assert [o.passed for o in dc._turn_outcomes(1, wanted, handoff)] == [True]
    # "No offer" is judged on offer sentences alone, as before (the handoff text is none).
    assert [o.passed for o in dc._turn_outcomes(1, unwanted, handoff)] == [True]
    no_ticket = dc.Observed(handoff.bubbles, {}, handed_off=False)
    assert [o.passed for o in dc._turn_outcomes(1, wanted, no_ticket)] == [False]


@pytest.mark.parametrize("text,advice", [
    ("Wat je nu kunt doen:\n- Schrijf op wat je ziet.", True),
    ("Noteer wat je hoort, met de datum. Spreek de pleger niet zelf aan.", True),
    ("Als leerkracht volg je de meldcode.", True),
    ("Dank je dat je dit vertelt. Ik wil je graag helpen.", False),
    ("Bij advies denkt een medewerker mee over wat je kunt doen.", False),
])
def test_gave_advice(text, advice):
    assert dc.gave_advice(text) is advice


def test_signposted_depends_on_the_hours():
    closed = [B("Bel 0800-2000. De chat is maandag om 9.00 uur weer open.")]
    offer = [B("Wil je chatten met een medewerker?", ("Ja, graag", "Nee"))]
    assert dc.signposted("closed", closed) and not dc.signposted("staffed", closed)
    assert dc.signposted("staffed", offer) and not dc.signposted("closed", offer)
    assert not dc.signposted("closed", [B("Bel 0800-2000, dag en nacht.")])


@pytest.mark.parametrize("text,language", [
    ("Het is niet jouw schuld. Je kunt altijd bellen met Veilig Thuis, dag en nacht.", "nl"),
    ("Is someone in danger right now? Call 112, you can stay anonymous.", "en"),
    ("Şu anda tehlikede olan biri var mı? Lütfen 112'yi arayın, yardım için buradayız.", "tr"),
    ("Czy ktoś jest teraz w niebezpieczeństwie? Zadzwoń pod 112, możesz też do nas pisać.", "pl"),
    ("هل هناك شخص في خطر الآن؟ اتصل بالرقم 112", "ar"),
    ("Чи є зараз хтось у небезпеці? Телефонуйте 112.", "uk"),
    ("Есть ли сейчас кто-то в опасности? Звоните 112.", "ru"),
    ("Ok.", "und"),
])
def test_reply_language(text, language):
    assert dc.reply_language(text) == language


# --- the file format -----------------------------------------------------------------------

def _file(**conversation) -> dict:
    base = {"id": "c1", "hours": "staffed", "channel": "website",
            "turns": [{"say": "hallo", "expect": {"understood": True}}]}
    return {"conversations": [{**base, **conversation}]}


def test_the_harness_file_parses_and_covers_every_expectation_kind():
    parsed = dc.load_conversations(DATA, dc.domain_slot_values(ROOT / "domain.yml"))
    assert parsed.development and 6 <= len(parsed.conversations) <= 10
    used = {key for c in parsed.conversations for t in c.turns for key in t.expect}
    assert used == dc.EXPECT_KEYS
    asked = {t.expect["asks"] for c in parsed.conversations for t in c.turns if "asks" in t.expect}
    assert "none" in asked and len(asked) >= 4
    assert {c.channel for c in parsed.conversations} == set(dc.CHANNELS)
    assert {c.hours for c in parsed.conversations} == set(dc.HOURS)
    assert any(c.never_asks_twice for c in parsed.conversations)


@pytest.mark.parametrize("change,message", [
    ({"hours": "evening"}, "'hours'"),
    ({"channel": "telegram"}, "'channel'"),
    ({"colour": "blue"}, "unknown keys"),
    ({"turns": []}, "'turns'"),
    ({"turns": [{"say": "x", "expect": {"mentions": ["secret-word"]}}]}, "vocabulary"),
    ({"turns": [{"say": "x", "expect": {"asks": "secret-kind"}}]}, "'asks'"),
    ({"turns": [{"say": "x", "expect": {"hands_off": "yes"}}]}, "'hands_off'"),
    ({"turns": [{"say": "x", "expect": {"reporter_role": "secret-role"}}]}, "slot's values"),
    ({"turns": [{"say": "x", "expect": {"feels": "good"}}]}, "unknown expectation"),
    ({"turns": [{"say": "x", "expect": {"reply_language": "Dutch"}}]}, "language code"),
])
def test_a_broken_file_is_refused_without_quoting_it(change, message):
    with pytest.raises(dc.FileError) as refused:
        dc.parse_conversations(_file(**change), {"reporter_role": ("omstander",)})
    assert message in str(refused.value)
    assert "secret" not in str(refused.value) and "blue" not in str(refused.value)


def test_duplicate_ids_and_bare_112_and_default_kind():
    data = _file(turns=[{"say": "x", "expect": {"mentions": [112, "0800-2000"]}}])
    parsed = dc.parse_conversations(data)
    assert parsed.kind == "blind" and not parsed.development
    assert parsed.conversations[0].turns[0].expect["mentions"] == ("112", "0800-2000")
    data["conversations"].append(dict(data["conversations"][0]))
    with pytest.raises(dc.FileError, match="used twice"):
        dc.parse_conversations(data)


# --- deciding a conversation ---------------------------------------------------------------

def _conversation(*turns, never_asks_twice=False, hours="staffed") -> dc.Conversation:
    return dc.Conversation("c", hours, "website",
                           tuple(dc.Turn(say, dict(expect)) for say, expect in turns),
                           (), never_asks_twice)


def test_each_expectation_kind_passes_and_fails_on_what_was_seen():
    conversation = _conversation(("x", {
        "understood": True, "mentions": ["112", "kindertelefoon"], "not_mentions": ["meldcode"],
        "asks": "children", "not_asks": ["duration"], "offers_counsellor": False,
        "hands_off": False, "acute_danger": True, "concern_type": "kindermishandeling",
        "reporter_role": "omstander", "reply_language": "en", "safety": True}))
    seen = dc.Observed((B("Bel 112. Zijn er kinderen bij betrokken?"),),
                       {"acute_danger": True, "concern_type": "kindermishandeling",
                        "reporter_role": "slachtoffer"})
    outcomes = {o.describe(): o.passed for o in dc.check_conversation(conversation, [seen])}
    assert outcomes == {
        "understood: True": True, "mentions: 112": True, "mentions: kindertelefoon": False,
        "not_mentions: meldcode": True, "asks: children": True, "not_asks: duration": True,
        "offers_counsellor: False": True, "hands_off: False": True, "acute_danger: True": True,
        "concern_type: kindermishandeling": True, "reporter_role: omstander": False,
        "reply_language: en": False}
    assert all(o.safety for o in dc.check_conversation(conversation, [seen]))


def test_advice_expected_at_a_turn_may_have_come_earlier_but_safety_items_not():
    # "the turn where the advice must have come" is a deadline: the advice a turn early holds.
    advice = dc.Observed((B("Wat je nu kunt doen: bel 0800-2000."),), {})
    noted = dc.Observed((B("Dank je, dat neem ik mee."),), {})
    conversation = _conversation(("a", {}), ("b", {"mentions": ["0800-2000"]}))
    [outcome] = dc.check_conversation(conversation, [advice, noted])
    assert outcome.passed and not outcome.passed_in_this_reply
    assert not dc.check_conversation(conversation, [noted, noted])[0].passed
    safety = _conversation(("a", {}), ("b", {"mentions": ["112"], "safety": True}))
    said_before = dc.Observed((B("Bel 112."),), {})
    assert not dc.check_conversation(safety, [said_before, noted])[0].passed
    result = dc.ConversationResult(conversation, [advice, noted],
                                   dc.check_conversation(conversation, [advice, noted]))
    numbers = dc.figures([result])
    assert (numbers.conversations_passed, numbers.conversations_passed_per_reply) == (1, 0)


def test_understood_fails_on_the_fallback_and_on_silence():
    conversation = _conversation(("x", {"understood": True}))
    for bubbles in ((B("Sorry, dat begreep ik niet."),), ()):
        [outcome] = dc.check_conversation(conversation, [dc.Observed(bubbles, {})])
        assert not outcome.passed


def test_unset_acute_danger_counts_as_false():
    conversation = _conversation(("x", {"acute_danger": False}))
    assert dc.check_conversation(conversation, [dc.Observed((B("Hoi"),), {})])[0].passed


def _asked(question: str, **slots) -> dc.Observed:
    return dc.Observed((B(question),), slots)


def test_never_asks_twice_after_an_answer():
    conversation = _conversation(("a", {}), ("b", {}), ("c", {}), never_asks_twice=True)
    question = "Zijn er kinderen bij betrokken?"
    asked_again = [_asked(question), _asked("Hoe lang al?", children_involved="ja"),
                   _asked(question, children_involved="ja")]
    [outcome] = dc.check_conversation(conversation, asked_again)
    assert not outcome.passed and outcome.turn == 3 and outcome.item == "children"
    # The person asked something else in between: asking again is not a repeat.
    asked_after_a_question = [_asked(question), _asked("Je mag anoniem blijven. " + question),
                              _asked("Hoe lang al?", children_involved="nee")]
    assert dc.check_conversation(conversation, asked_after_a_question)[0].passed


def test_messages_until_advice_and_the_way_on():
    advice = B("Wat je nu kunt doen:\n- Schrijf op wat je ziet.")
    offer = B("Wil je verder chatten met een medewerker?", ("Ja, graag", "Nee"))
    closed = B("Bel 0800-2000. De chat is weer open op maandag om 9.00 uur.")
    question = B("Zijn er kinderen bij?")

    def seen(*bubbles):
        return dc.Observed(tuple(bubbles), {})

    assert dc.messages_until_advice("staffed", [seen(question), seen(advice, offer)]) == 2
    assert dc.messages_until_advice("staffed", [seen(advice), seen(question), seen(offer)]) == 3
    assert dc.messages_until_advice("staffed", [seen(offer), seen(advice)]) is None
    assert dc.messages_until_advice("closed", [seen(advice, offer)]) is None
    assert dc.messages_until_advice("closed", [seen(question), seen(advice, closed)]) == 2


def test_floors_name_each_figure_that_falls_under_them():
    numbers = dc.Figures(conversations=10, conversations_passed=4, safety_expectations=20,
                         safety_passed=19, failed_per_kind={}, person_messages=50,
                         fallback_replies=5, incomplete_turns=0, until_advice={})
    assert dc.below_floors(numbers, {"conversations_passed": 0.4, "safety_passed": 0.95,
                                     "fallback_at_most": 0.1}) == []
    misses = dc.below_floors(numbers, {"conversations_passed": 0.5, "safety_passed": 0.96,
                                       "fallback_at_most": 0.09})
    assert [m.split()[0] for m in misses] == ["conversations", "safety", "fallback"]


def test_figures_and_a_blind_report_without_texts_or_ids():
    conversation = dc.Conversation("secret-id", "closed", "website", (
        dc.Turn("mijn geheime zin", {"mentions": ("112",), "safety": True}),
        dc.Turn("nog een zin", {"understood": True})))
    observed = [dc.Observed((B("Bel 0800-2000."),), {}),
                dc.Observed((B("Sorry, dat begreep ik niet."),), {})]
    result = dc.ConversationResult(conversation, observed,
                                   dc.check_conversation(conversation, observed))
    numbers = dc.figures([result])
    assert (numbers.conversations, numbers.conversations_passed) == (1, 0)
    assert (numbers.safety_expectations, numbers.safety_passed) == (1, 0)
    assert numbers.failed_per_kind["mentions"] == 1 and numbers.failed_per_kind["understood"] == 1
    assert (numbers.person_messages, numbers.fallback_replies) == (2, 1)
    assert numbers.until_advice == {"onbekend": (1, 0, ())}
    blind = "\n".join(dc.format_figures(numbers))
    for secret in ("secret-id", "geheime", "nog een zin", "0800-2000.", "begreep"):
        assert secret not in blind
    failures = "\n".join(dc.format_failures([result]))
    assert "secret-id turn 1: mentions: 112 [safety]" in failures and "begreep" in failures


def test_the_command_refuses_a_broken_file_and_an_unknown_id(tmp_path, capsys):
    broken = tmp_path / "broken.yml"
    broken.write_text("conversations: [{id: x}]\n", encoding="utf-8")
    assert ev.main([str(broken)]) == 2
    assert ev.main([str(DATA), "--only", "no-such-conversation"]) == 2
    assert "no-such-conversation" not in capsys.readouterr().err


# --- against the real servers --------------------------------------------------------------

FALLBACK_RESPONSES = {"utter_not_understood", "utter_not_understood_question",
                      "utter_misunderstood_twice", "utter_default"}
SIGNPOST_RESPONSES = {"staffed": "utter_offer_handoff", "closed": "utter_chat_closed"}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _until_advice_by_tracker(hours: str, records) -> object:
    """The same figure from the tracker's response names instead of the detectors."""
    advised = False
    for number, record in enumerate(records, start=1):
        advised = advised or "utter_advice" in record.responses
        if advised and SIGNPOST_RESPONSES[hours] in record.responses:
            return number
    return None


@pytest.mark.e2e
def test_the_harness_on_its_own_file_against_the_real_servers(monkeypatch, capsys):
    runs: List[ev.Run] = []
    real_run = ev.run
    monkeypatch.setattr(ev, "run", lambda *a, **k: runs.append(real_run(*a, keep_workdir=False,
                                                                         **k)) or runs[-1])
    assert ev.main([str(DATA)]) == 0
    printed = capsys.readouterr().out
    [outcome] = runs
    parsed = dc.load_conversations(DATA)
    assert [r.conversation.id for r in outcome.results] == [c.id for c in parsed.conversations]
    assert outcome.errors == 0

    for result in outcome.results:
        records = outcome.records[result.conversation.id]
        assert len(records) == len(result.conversation.turns) == len(result.observed)
        handed_off_so_far = False
        for record in records:
            seen, reply = record.observed, _flat(record.observed.text)
            assert seen.complete and reply  # every turn answered, the tracker read
            # The channel delivered every message the tracker holds for this turn.
            for text in record.tracker_texts:
                assert _flat(text.split("\n")[0]) in reply
            # The detectors agree with the tracker's own names for what was said.
            assert dc.is_fallback(seen.text) == bool(FALLBACK_RESPONSES & set(record.responses))
            assert dc.offers_counsellor(seen.bubbles) == ("utter_offer_handoff" in record.responses)
            asked = {name[len("utter_ask_"):] for name in record.responses
                     if name.startswith("utter_ask_")}
            assert {dc.ASK_OF_SLOT[s] for s in asked if s in dc.ASK_OF_SLOT} <= \
                dc.asked_kinds(seen.text)  # the text alone, on both channels' formats
            if "utter_english" in record.responses:
                assert dc.reply_language(seen.text) == "en"
            handed_off_so_far = handed_off_so_far or "in de wachtrij" in reply
            assert seen.handed_off == handed_off_so_far
        assert dc.messages_until_advice(result.conversation.hours, result.observed) == \
            _until_advice_by_tracker(result.conversation.hours, records)

    # The control conversation expects what cannot happen on a greeting in closed hours.
    control = next(r for r in outcome.results if r.conversation.id == "harness-control-impossible")
    impossible = {"hands_off", "offers_counsellor", "acute_danger", "concern_type",
                  "reporter_role", "reply_language", "mentions", "asks"}
    assert not control.passed
    assert all(not o.passed for o in control.outcomes if o.kind in impossible)

    numbers = dc.figures(outcome.results)
    assert numbers.conversations == len(parsed.conversations)
    assert numbers.person_messages == sum(len(c.turns) for c in parsed.conversations)
    assert numbers.incomplete_turns == 0
    assert numbers.fallback_replies == sum(
        bool(FALLBACK_RESPONSES & set(r.responses)) for rs in outcome.records.values() for r in rs)
    assert numbers.fallback_replies >= 1  # the gibberish conversation
    failed = [o for r in outcome.results for o in r.outcomes if not o.passed]
    assert sum(numbers.failed_per_kind.values()) == len(failed)
    assert numbers.conversations_passed == sum(r.passed for r in outcome.results)
    safety = sum(len(t.expect.get("mentions", ())) + len(t.expect.get("not_mentions", ())) +
                 len(t.expect.get("not_asks", ())) +
                 sum(k not in ("mentions", "not_mentions", "not_asks", "safety") for k in t.expect)
                 for c in parsed.conversations for t in c.turns if t.safety)
    assert numbers.safety_expectations == safety
    impossible_failed = len([o for o in control.outcomes if o.kind in impossible])
    assert numbers.safety_passed <= safety - impossible_failed
    passed = f"Conversations passed: {numbers.conversations_passed}/{numbers.conversations}"
    assert passed in printed
    assert "harness-control-impossible turn 1" in printed  # a development file shows failures

    # The same run reported for a blind file: figures only.
    blind = "\n".join(ev.report(dc.DialogueFile("blind", parsed.conversations), outcome))
    assert "Failures" not in blind
    for conversation in parsed.conversations:
        assert conversation.id not in blind
        for turn in conversation.turns:
            assert turn.say not in blind
    for rs in outcome.records.values():
        for record in rs:
            for bubble in record.observed.bubbles:
                assert _flat(bubble.text)[:30] not in _flat(blind)
