"""The bounds on what the NLU reads (bot/nlu_text.py), and the conversation ids the doors take."""

from __future__ import annotations

import pytest

from bot import conversation_ids
from bot.nlu_text import (MAX_RUN_CHARS, NLU_MAX_CHARS, bounded_for_nlu, known_replies, reply_key,
                          text_for_nlu)


def test_ordinary_messages_are_unchanged():
    text = "mijn buurvrouw wordt door haar man geslagen, kindermishandelingsonderzoek?"
    assert bounded_for_nlu(text) == text


def test_long_runs_are_cut_and_the_length_is_capped():
    bounded = bounded_for_nlu("\U0001F600" * 20_000)
    assert len(bounded) <= NLU_MAX_CHARS + NLU_MAX_CHARS // MAX_RUN_CHARS
    assert max(len(word) for word in bounded.split()) == MAX_RUN_CHARS
    assert bounded_for_nlu("a " * 5000) == ("a " * 5000)[:NLU_MAX_CHARS]


@pytest.mark.parametrize("value", ["demo", "e2e-0123abcd", "w-AbC_dE-9", "tg-" + "a" * 125])
def test_accepted_ids(value):
    assert conversation_ids.require(value) == value


@pytest.mark.parametrize("value", ["", ".", "..", "-x", "_x", "a/b", "a b", "a%20b", "a\x00",
                                   "é", "a@b.nl", "x" * 129, None, 5, ["a"]])
def test_refused_ids(value):
    assert not conversation_ids.is_valid(value)
    with pytest.raises(conversation_ids.InvalidConversationId) as raised:
        conversation_ids.require(value)
    assert str(value) not in str(raised.value) or value in ("", None, 5)


def test_the_name_veilig_thuis_is_one_word_but_safely_home_is_not():
    assert text_for_nlu("wat doet Veilig Thuis eigenlijk?") == "wat doet VeiligThuis eigenlijk?"
    assert text_for_nlu("bel ik veilig thuis of de politie") == "bel ik VeiligThuis of de politie"
    assert text_for_nlu("ik ben weer veilig thuis") == "ik ben weer veilig thuis"
    assert text_for_nlu("ze is veilig thuis bij haar moeder") == "ze is veilig thuis bij haar moeder"


def test_short_replies_are_known_by_their_words_not_their_punctuation():
    replies = known_replies([("Oké!", "affirm"), ("nee", "deny"),
                             ("wat is veilig thuis?", "ask_what_is_vt")])
    assert replies[reply_key("oké")] == "affirm"
    assert replies[reply_key("Wat is Veilig Thuis")] == "ask_what_is_vt"
    assert reply_key("nee.") == reply_key("Nee!") == "nee"


def test_a_text_under_two_intents_or_a_long_one_is_not_known():
    replies = known_replies([("ok ik moet gaan", "must_stop"), ("ok ik moet gaan", "affirm"),
                             ("ik weet niet of dit wel ernstig genoeg is eigenlijk", "express_doubt")])
    assert replies == {}
