"""`python -m bot.action_server`: Rasa SDK's action server, answering the Rasa server only.

`rasa run actions` listens on every address and runs any action for anyone who posts a
made-up conversation to /webhook: a forged "handoff" then put tickets with a first message of
the attacker's choosing in front of counsellors. This server is the same Rasa SDK app with two
differences: it listens on 127.0.0.1 unless told otherwise (`--host`), and every request but
the health check must carry `Authorization: Bearer <VT_ACTION_TOKEN>`, the secret that Rasa
sends from endpoints.yml (`bot/endpoints.py`). Without the secret it does not start.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from typing import List, Optional

from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_ENV_VAR = "VT_ACTION_TOKEN"
MIN_TOKEN_CHARS = 16
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5055
OPEN_PATHS = frozenset({"/health"})


def create_app(token: str, actions_package: str = "actions") -> Sanic:
    if len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"the action server's secret must be at least {MIN_TOKEN_CHARS} characters")
    app = create_sdk_app(actions_package, cors_origins=None)
    expected = f"Bearer {token}".encode()

    @app.on_request
    async def only_the_rasa_server(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        sent = (request.headers.get("authorization") or "").encode("utf-8", "replace")
        if not hmac.compare_digest(sent, expected):
            return response.json({"error": "only the Rasa server may call this server"},
                                 status=401)
        return None

    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV_VAR, "")
    if len(token) < MIN_TOKEN_CHARS:
        print(f"bot.action_server: {TOKEN_ENV_VAR} must be set (at least {MIN_TOKEN_CHARS} "
              "characters); `make run` makes one in var/action_token", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(token)
    app.config.MOTD = False
    print(f"Action server: http://{args.host}:{args.port}/webhook (Rasa only)", flush=True)
    app.run(host=args.host, port=args.port, access_log=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
