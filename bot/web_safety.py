"""Request checks that our two web apps (the console and the website) share.

Both answer bad input with a clear 4xx, never a 500: text that no database or file system
takes (NUL, lone surrogates) is refused at the door, and static files are served only by name
from one flat folder, so a directory, a dot file or `../` is a 404.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Optional

from sanic import Sanic, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
_STATIC_NAME = re.compile(STATIC_NAME)


def client_address(request: Request) -> Optional[str]:
    """The client's address; behind a proxy Sanic's forwarded settings (SANIC_PROXIES_COUNT,
    SANIC_REAL_IP_HEADER) decide whether a forwarded address is believed."""
    return request.remote_addr or request.ip


def is_storable(text: str) -> bool:
    """True when `text` can go into PostgreSQL, SQLite and a file name as it is."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _request_texts(request: Request) -> Iterable[str]:
    yield request.path
    for key, values in request.args.items():
        yield key
        yield from values
    if request.method == "POST" and request.content_type.startswith(
            "application/x-www-form-urlencoded"):
        for key, values in (request.form or {}).items():
            yield key
            yield from values


def refuse_unstorable(request: Request) -> Optional[HTTPResponse]:
    """A 400 for a request whose path, query or form holds text no database takes."""
    if all(is_storable(text) for text in _request_texts(request)):
        return None
    message = "Dit verzoek bevat tekens die niet kunnen (zoals een nul-teken)."
    if request.path.startswith("/api/") or "json" in (request.headers.get("accept") or ""):
        return response.json({"error": message}, status=400)
    return response.text(message, status=400)


def add_static_folder(app: Sanic, uri: str, folder: Path, name: str) -> None:
    """Serve the files of one flat `folder` under `uri` (e.g. /static/console.css)."""
    folder = folder.resolve()

    async def serve(request: Request, filename: str) -> HTTPResponse:
        path = folder / filename
        if not _STATIC_NAME.fullmatch(filename) or not path.is_file():
            raise NotFound("no such file")
        return await response.file(path)

    app.add_route(serve, f"{uri.rstrip('/')}/<filename:{STATIC_NAME}>", methods=["GET"],
                  name=name)
