"""Which conversation ids the bot accepts, checked at every door.

A conversation id travels far: into Rasa's tracker store (a 255-character column), into the URL
path of every Rasa HTTP API call the console makes, and into the handoff queue. Ids such as
`a/b`, `../x`, `.`, `sp ace`, `%41`, NUL or non-ASCII letters break one of those (Rasa does not
decode a percent-encoded path, so the console would write into another conversation). So every
door (REST, socket.io, the website, the messaging channels' pseudonyms) admits only ids that
need no encoding at all, and the Rasa client refuses anything else.
"""

from __future__ import annotations

import re

MAX_CHARS = 128  # well within Rasa's sender_id column (255) and any URL
# ASCII letters and digits, then also '-' and '_': the same in a URL path, a log and SQL.
_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,%d}" % (MAX_CHARS - 1))
RULE = (f"1 to {MAX_CHARS} characters: letters a-z, A-Z, digits, '-' and '_', starting with "
        "a letter or digit")


class InvalidConversationId(ValueError):
    """A conversation id outside what the doors accept. The message never quotes the id."""


def is_valid(value: object) -> bool:
    return isinstance(value, str) and _PATTERN.fullmatch(value) is not None


def require(value: object) -> str:
    """The id itself if it is acceptable, else InvalidConversationId."""
    if not is_valid(value):
        raise InvalidConversationId(f"invalid conversation id: {RULE}")
    return value  # type: ignore[return-value]
