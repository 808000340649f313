"""The bounds on what the NLU reads (bot/nlu_text.py), and the conversation ids the doors take."""

from __future__ import annotations

import pytest

from bot import conversation_ids
from bot.nlu_text import MAX_RUN_CHARS, NLU_MAX_CHARS, bounded_for_nlu


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
