"""`python -m bot.site`: the information page with the chat widget (settings.yml `site:`)."""

from __future__ import annotations

import logging
import os

from bot.channels import session_token
from bot.channels.flood_guard import FloodGuard
from bot.clock import clock_from_env
from bot.db import prepare_database
from bot.handoff.queue import HandoffQueue
from bot.handoff.rasa_api import RasaClient
from bot.schedule import ChatSchedule
from bot.settings import settings_or_exit
from bot.site.app import Site, create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = settings_or_exit()
    try:
        session_key = session_token.load_key(os.environ)
    except session_token.SessionKeyError as exc:
        raise SystemExit(f"bot.site: {exc}") from None
    engine = prepare_database(settings.handoff.database_url)
    site = Site(schedule=ChatSchedule(settings.chat), clock=clock_from_env(),
                queue=HandoffQueue(engine),
                rasa=RasaClient(settings.console.rasa_url, os.environ.get("VT_RASA_TOKEN")),
                socket_url=os.environ.get("VT_SOCKET_URL") or settings.site.socket_url,
                quick_exit_url=settings.site.quick_exit_url, session_key=session_key,
                guard=FloodGuard(settings.limits))
    port = int(os.environ.get("VT_SITE_PORT") or settings.site.port)
    print(f"Website with the chat widget: http://{settings.site.host}:{port}/", flush=True)
    create_app(site).run(host=settings.site.host, port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
