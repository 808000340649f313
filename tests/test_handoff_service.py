"""The handoff service and its worker, on the real queue and real tracker-store rows (SQLite and
PostgreSQL), with an injected clock and a recording stand-in for the Rasa HTTP API."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple

import pytest

from bot.db import create_engine, create_tables
from bot.handoff import messages
from bot.handoff.queue import CLAIMED, CLOSED, NOT_PICKED_UP, PRIORITY_ACUTE, WITHDRAWN, ENDED, HandoffQueue
from bot.conversation_ids import InvalidConversationId
from bot.handoff.rasa_api import RasaClient, RasaUnavailable
from bot.handoff.service import HandoffService, NotYours, wants_to_stop
from bot.handoff.transcript import BOT, COUNSELLOR, PERSON, SYSTEM, read_transcript
from bot.schedule import ChatSchedule
from bot.settings import load_settings
from tests import tracker_helpers as th

MONDAY_10 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # 10:00 Dutch time
SUMMARY = {"concern_type": "partnergeweld", "acute_danger": False, "children_involved": "nee"}


class RecordingRasa:
    """Stands in for RasaClient: records what would be appended, or fails on request."""

    def __init__(self) -> None:
        self.sent: List[Tuple[str, List[Dict[str, Any]]]] = []
        self.down = False

    async def append(self, conversation_id: str, events: List[Dict[str, Any]],
                     side_effects: bool = True) -> None:
        if self.down:
            raise RasaUnavailable("Rasa answered HTTP 503")
        self.sent.append((conversation_id, events))
        self.quiet = not side_effects  # the last call's: nothing sent to the person

    def texts(self, conversation_id: str) -> List[str]:
        return [e["text"] for cid, events in self.sent if cid == conversation_id
                for e in events if e["event"] == "bot"]

    def kinds(self, conversation_id: str) -> List[str]:
        return [e["event"] for cid, events in self.sent if cid == conversation_id for e in events]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def world(database_url):
    engine = create_engine(database_url)
    create_tables(engine)
    clock, rasa = Clock(MONDAY_10), RecordingRasa()
    service = HandoffService(queue=HandoffQueue(engine), engine=engine, rasa=rasa,
                             schedule=ChatSchedule(load_settings().chat), clock=clock,
                             max_wait=timedelta(minutes=10))
    yield service, clock, rasa, database_url
    engine.dispose()


async def waiting_conversation(url: str, service: HandoffService, sender: str,
                               summary: Dict[str, Any] = SUMMARY, extra: List[Any] = ()):
    """A conversation as the bot leaves it at a handoff: story, pause; then a ticket."""
    await th.append(url, sender, [th.user("mijn buurman slaat zijn vrouw"), th.bot("Ik zet je door."),
                                  th.pause(), *extra])
    return service.queue.create(sender, "socketio", summary, service.clock())


async def test_only_one_of_two_counsellors_gets_the_conversation(world):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1")
    assert await service.claim(ticket.id, "anna", "Anna") is True
    assert await service.claim(ticket.id, "bram", "Bram") is False
    assert service.queue.get(ticket.id).claimed_by == "anna"
    assert rasa.texts("c1") == [messages.counsellor_joined("Anna").text]


async def test_reply_goes_out_as_counsellor_message_only_for_the_owner(world):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1")
    await service.claim(ticket.id, "anna", "Anna")
    with pytest.raises(NotYours):
        await service.reply(ticket.id, "bram", "Bram", "hallo")
    await service.reply(ticket.id, "anna", "Anna", "Hoi, ik ben Anna.")
    event = rasa.sent[-1][1][0]
    assert event["text"] == "Hoi, ik ben Anna."
    assert event["metadata"] == {"author": COUNSELLOR, "counsellor": "anna", "counsellor_name": "Anna"}


async def test_a_retried_reply_is_sent_once(world):
    # The first try timed out at the console, but Rasa did store the message: the retry (same
    # reply id, made by the page) finds it in the transcript and sends nothing.
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1")
    await service.claim(ticket.id, "anna", "Anna")
    await th.append(url, "c1", [th.bot("Hoi, ik ben Anna.", metadata={
        "author": COUNSELLOR, "counsellor": "anna", "reply_id": "first-try-0001"})])
    before = len(rasa.sent)
    await service.reply(ticket.id, "anna", "Anna", "Hoi, ik ben Anna.", reply_id="first-try-0001")
    assert len(rasa.sent) == before
    await service.reply(ticket.id, "anna", "Anna", "Hoe gaat het?", reply_id="second-msg-0002")
    assert rasa.sent[-1][1][0]["metadata"]["reply_id"] == "second-msg-0002"


async def test_a_claim_is_decided_and_recorded_whatever_rasa_does(world):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1")
    rasa.down = True
    recorded = []
    assert await service.claim(ticket.id, "anna", "Anna", on_claimed=lambda: recorded.append(1))
    assert recorded == [1] and service.queue.get(ticket.id).claimed_by == "anna"
    rasa.down = False
    await service.tick()  # the owed "Je praat nu met Anna" goes out at the next round
    assert rasa.texts("c1") == [messages.counsellor_joined("Anna").text]


async def test_a_slow_rasa_is_unavailable_not_an_error(unused_tcp_port):
    # aiohttp raises asyncio.TimeoutError on Python 3.10, which is not the built-in one.
    import aiohttp
    from aiohttp import web

    async def slow(request):
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/conversations/{id}/tracker/events", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    client = RasaClient(f"http://127.0.0.1:{unused_tcp_port}", "token",
                        timeout=aiohttp.ClientTimeout(total=0.3))
    try:
        with pytest.raises(RasaUnavailable, match="TimeoutError"):
            await client.append("c1", [{"event": "bot", "text": "hoi"}])
        with pytest.raises(InvalidConversationId):
            await client.append("../c1", [])
    finally:
        await client.close()
        await runner.cleanup()


async def test_end_resumes_the_bot_with_a_closing_message(world):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1")
    await service.claim(ticket.id, "anna", "Anna")
    await service.end(ticket.id, "anna")
    assert rasa.kinds("c1")[-3:] == ["resume", "bot", "action"]  # then the bot listens
    assert "0800-2000" in rasa.texts("c1")[-1] and "112" in rasa.texts("c1")[-1]
    closed = service.queue.get(ticket.id)
    assert closed.status == CLOSED and closed.close_reason == ENDED


async def test_end_while_rasa_is_down_keeps_the_ticket_claimed(world):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1")
    await service.claim(ticket.id, "anna", "Anna")
    rasa.down = True
    with pytest.raises(RasaUnavailable):
        await service.end(ticket.id, "anna")
    assert service.queue.get(ticket.id).status == CLAIMED


async def test_nobody_in_time_closes_the_ticket_once_and_gives_the_phone_number(world):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1")
    clock.advance(minutes=9, seconds=59)
    await service.tick()
    assert service.queue.get(ticket.id).status != CLOSED
    clock.advance(seconds=1)
    await service.tick()
    await service.tick()
    closed = service.queue.get(ticket.id)
    assert closed.status == CLOSED and closed.close_reason == NOT_PICKED_UP
    assert rasa.kinds("c1").count("resume") == 1
    assert "0800-2000" in rasa.texts("c1")[-1]


async def test_chat_closing_while_waiting_gives_the_phone_and_the_next_opening(world):
    service, clock, rasa, url = world
    clock.now = datetime(2026, 11, 27, 15, 55, tzinfo=timezone.utc)  # Friday 16:55
    ticket = await waiting_conversation(url, service, "c1")
    clock.advance(minutes=6)  # 17:01, closed; only 6 minutes of waiting
    await service.tick()
    assert service.queue.get(ticket.id).close_reason == NOT_PICKED_UP
    text = rasa.texts("c1")[-1]
    assert "0800-2000" in text and "maandag 30 november om 9.00 uur" in text


@pytest.mark.parametrize("said", [th.user("/stop_waiting", intent="stop_waiting"),
                                  th.user("Stop.", intent="goodbye"),
                                  th.user("Nee, ik denk er eerst nog even over na. Dank u.",
                                          intent="goodbye")])
async def test_stop_waiting_withdraws_and_brings_the_bot_back(world, said):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1", extra=[said])
    await service.tick()
    assert service.queue.get(ticket.id).close_reason == WITHDRAWN
    assert rasa.kinds("c1") == ["resume", "bot", "action"]
    assert rasa.texts("c1") == [messages.stopped_waiting().text]


async def test_a_restart_while_waiting_withdraws_quietly(world):
    from rasa.shared.core.events import Restarted

    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1", extra=[Restarted()])
    await service.tick()
    assert service.queue.get(ticket.id).close_reason == WITHDRAWN
    assert rasa.sent == []  # Rasa's own restart already brought the bot back


async def test_thanks_while_waiting_keeps_the_place(world):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1",
                                        extra=[th.user("oké dank je", intent="thanks")])
    await service.tick()
    assert service.queue.get(ticket.id).status == "waiting"


async def test_stop_before_the_handoff_does_not_count(world):
    service, clock, rasa, url = world
    await th.append(url, "c1", [th.user("stop", intent="stop_waiting")])
    ticket = await waiting_conversation(url, service, "c1")
    await service.tick()
    assert service.queue.get(ticket.id).status == "waiting"


async def test_acute_message_while_waiting_moves_to_the_front(world):
    # "Bel 112" comes from the Rasa server at once (tests/e2e/test_hostile.py), not from
    # this worker, so it also arrives while the console is down.
    service, clock, rasa, url = world
    first = await waiting_conversation(url, service, "c1")
    acute = th.user("hij staat nu met een mes in de keuken", intent="acute_danger",
                    entities=[{"entity": "acute_danger", "value": True}])
    second = await waiting_conversation(url, service, "c2", extra=[acute])
    await service.tick()
    await service.tick()
    assert service.queue.get(second.id).priority == PRIORITY_ACUTE
    assert [t.id for t in service.queue.waiting()] == [second.id, first.id]
    assert not any("112" in text for text in rasa.texts("c2"))


async def test_waiting_people_hear_when_their_place_changes_and_now_and_then(world):
    service, clock, rasa, url = world
    first = await waiting_conversation(url, service, "c1")
    await waiting_conversation(url, service, "c2")
    await service.tick()
    assert rasa.sent == []  # the bot already told their place at the handoff
    await service.claim(first.id, "anna", "Anna")
    await service.tick()
    assert rasa.texts("c2")[-1].startswith("Je bent nummer 1 in de wachtrij.")
    count = len(rasa.texts("c2"))
    clock.advance(minutes=2)
    await service.tick()
    assert len(rasa.texts("c2")) == count  # nothing changed
    clock.advance(minutes=2, seconds=1)
    await service.tick()
    assert len(rasa.texts("c2")) == count + 1  # a reminder after four minutes


async def test_messages_rasa_did_not_take_are_delivered_later(world):
    service, clock, rasa, url = world
    ticket = await waiting_conversation(url, service, "c1")
    clock.advance(minutes=11)
    rasa.down = True
    await service.tick()
    assert service.queue.get(ticket.id).status == CLOSED and rasa.sent == []
    rasa.down = False
    await service.tick()
    assert rasa.kinds("c1") == ["resume", "bot", "action"]


async def test_transcript_has_every_author_in_order_and_polls_from_an_id(world):
    service, clock, rasa, url = world
    await th.append(url, "c1", [
        th.user("ik hoor <script>alert(1)</script> gegil", entities=[
            {"entity": "concern_type", "value": "huiselijk_geweld"}]),
        th.bot("Wat vervelend.", ),
        th.pause(),
        th.user("hallo?", intent="greet"),
        th.bot("Hoi, ik ben Anna.", metadata={"author": COUNSELLOR, "counsellor_name": "Anna"}),
        th.resume(),
    ])
    entries = read_transcript(service.engine, "c1")
    assert [e.author for e in entries] == [PERSON, BOT, SYSTEM, PERSON, COUNSELLOR, SYSTEM]
    assert entries[0].text == "ik hoor <script>alert(1)</script> gegil"
    assert entries[0].understood.concern_type == "huiselijk_geweld"
    assert entries[4].author_name == "Anna"
    later = read_transcript(service.engine, "c1", after_id=entries[3].event_id)
    assert [e.author for e in later] == [COUNSELLOR, SYSTEM]
    assert read_transcript(service.engine, "someone-else") == []


def test_estimate_needs_enough_recent_pickups():
    waits = [timedelta(minutes=m) for m in (2, 4, 30)]
    assert messages.estimate_wait(1, waits[:2]) is None
    assert messages.estimate_wait(2, waits) == timedelta(minutes=8)  # median 4, times 2


def test_queue_status_is_honest_about_what_it_knows():
    unknown = messages.queue_status(1, None, timedelta(minutes=10)).text
    assert "kan ik nu niet goed zeggen" in unknown and "binnen 10 minuten" in unknown
    known = messages.queue_status(2, timedelta(minutes=3), timedelta(minutes=7)).text
    assert "ongeveer 3 minuten" in known and "binnen 7 minuten" in known
    busy = messages.queue_status(3, timedelta(minutes=12), timedelta(minutes=7)).text
    assert "druk" in busy and "ongeveer" not in busy


@pytest.mark.parametrize("intent,text,expected", [
    ("stop_waiting", "ik wil niet meer wachten", True), (None, " STOP! ", True),
    ("describe_concern", "hij zei stop maar hij ging door", False), ("greet", "hallo", False),
])
def test_wants_to_stop(intent, text, expected):
    assert wants_to_stop(intent, text) is expected


async def test_the_widget_gets_state_signals_and_other_channels_only_texts(world):
    service, clock, rasa, url = world
    web = await waiting_conversation(url, service, "web")  # socket.io
    await th.append(url, "tg", [th.user("hallo"), th.pause()])
    telegram = service.queue.create("tg", "telegram", SUMMARY, clock())
    await service.claim(web.id, "anna", "Anna")
    await service.claim(telegram.id, "bram", "Bram")
    await service.end(web.id, "anna")

    def customs(conversation_id):
        return [e["data"].get("custom") for cid, events in rasa.sent if cid == conversation_id
                for e in events if e["event"] == "bot" and e["data"].get("custom")]

    assert customs("web") == [{"data": {"handoff": "claimed", "counsellor": "Anna"}},
                              {"data": {"handoff": "ended"}}]
    assert customs("tg") == [] and rasa.texts("tg")  # texts, never a custom payload


async def test_waiting_people_on_the_website_get_their_place_as_a_signal(world):
    service, clock, rasa, url = world
    first = await waiting_conversation(url, service, "c1")
    await waiting_conversation(url, service, "c2")
    await service.tick()
    await service.claim(first.id, "anna", "Anna")
    await service.tick()
    [event] = rasa.sent[-1][1]
    assert event["data"]["custom"] == {"data": {"handoff": "waiting", "position": 1}}
    assert event["data"]["buttons"] == [messages.STOP_WAITING_BUTTON]
