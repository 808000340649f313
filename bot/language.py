"""A small, predictable guess whether a message is English rather than Dutch."""

from __future__ import annotations

import re

# Function words that are frequent in one language and rare in the other. Words shared by
# both (in, is, we, me, over) are left out on purpose.
_ENGLISH = frozenset(
    "the and you your my he she they his her him them what when where who why how "
    "i i'm im am are was were have has had do does did don't can't cannot with from "
    "this that there please help hello hi thanks thank neighbour neighbor husband wife "
    "boyfriend girlfriend child children kids hitting hits beat beats scared afraid "
    "speak english anyone someone right now will would should could been being".split()
)
_DUTCH = frozenset(
    "de het een en ik je jij jullie mijn zijn haar hij zij ze wij niet wat wanneer waar "
    "wie waarom hoe ben bent heb heeft hebben doe doet kan kun kunnen met van dit dat "
    "daar alsjeblieft hallo hoi dank bedankt buurman buurvrouw buren man vrouw vriend "
    "vriendin kind kinderen slaat bang spreek iemand nu zou moet al ook maar nog".split()
)
_WORD = re.compile(r"[a-zà-ÿ']+")


def is_english(text: str) -> bool:
    """True when the message clearly reads as English; short or mixed messages count as Dutch."""
    words = _WORD.findall(text.lower())
    english = sum(word in _ENGLISH for word in words)
    dutch = sum(word in _DUTCH for word in words)
    # Two English markers at least, and clearly more than Dutch ones: "ok" or "hi" alone
    # should not switch a Dutch conversation to English.
    return english >= 2 and english > 2 * dutch
