"""The whole handoff with real parts, on SQLite and on PostgreSQL: the Rasa server and the
action server, the console with its worker, a socket.io client as the person, and the
console's HTTP interface as the counsellor."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests

from tests.e2e.conftest import STAFFED
from tests.conftest import module_database_url
from tests.e2e.console_client import ConsoleClient
from tests.e2e.servers import (MODEL, ROOT, Server, VENV_BIN, start_action_server,
                               fetch_tracker, start_console, start_rasa_server)
from tests.e2e.socket_chat import SocketChat
from tests.e2e.test_conversations import BYSTANDER_FIRST

PASSWORD = "een lang wachtwoord"
PORTS = {"sqlite": (5106, 5156, 5186), "postgresql": (5107, 5157, 5187)}


@dataclass
class Stack:
    database_url: str
    workdir: Path
    rasa_port: int
    action_port: int
    console_port: int
    servers: Dict[str, Server]

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    def start_rasa(self) -> None:
        self.servers["rasa"] = start_rasa_server(self.rasa_port, self.action_port, self.workdir,
                                                 self.workdir / "rasa.log", self.database_url)

    def start_console(self) -> None:
        self.servers["console"] = start_console(self.console_port, self.workdir / "console.log",
                                                self.database_url, self.rasa_port, STAFFED)

    def restart(self, name: str) -> None:
        self.servers.pop(name).stop()
        {"rasa": self.start_rasa, "console": self.start_console}[name]()

    def tracker(self, conversation_id: str) -> Dict:
        return fetch_tracker(self.rasa_url, conversation_id)

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


def add_counsellor(database_url: str, username: str, name: str, *flags: str) -> None:
    """Through the same command a team lead uses (make counsellor)."""
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "bot.console.manage", "add", username, "--name", name,
         "--password-stdin", *flags], input=PASSWORD + "\n", text=True, capture_output=True,
        cwd=ROOT, env={"VT_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    workdir = tmp_path_factory.mktemp(f"live-{request.param}")
    url = module_database_url(request, workdir)
    rasa_port, action_port, console_port = PORTS[request.param]
    stack = Stack(url, workdir, rasa_port, action_port, console_port, {})
    try:
        add_counsellor(url, "anna", "Anna")
        add_counsellor(url, "bram", "Bram")
        add_counsellor(url, "lea", "Lea", "--team-lead")
        stack.servers["actions"] = start_action_server(action_port, workdir / "actions.log",
                                                       STAFFED, database_url=url)
        stack.start_rasa()
        stack.start_console()
        yield stack
    finally:
        stack.stop()


async def reach_handoff(person: SocketChat) -> None:
    """A bystander tells their story, answers the safety questions and accepts a counsellor."""
    await person.say_and_wait(BYSTANDER_FIRST, lambda t: "in gevaar" in t)
    await person.say_and_wait("nee", lambda t: "kinderen" in t)
    await person.say_and_wait("ja, er wonen twee kleine kinderen", lambda t: "medewerker" in t)
    await person.say_and_wait("ja graag", lambda t: "wachtrij" in t)


def waiting_ticket(counsellor: ConsoleClient) -> Dict:
    [row] = counsellor.queue()["waiting"]
    return row


async def wait_for_entry(counsellor: ConsoleClient, ticket_id: int, text: str) -> Dict:
    for _ in range(100):
        entries = (await asyncio.to_thread(counsellor.transcript, ticket_id))["entries"]
        found = [e for e in entries if e["text"] == text]
        if found:
            return found[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"{text!r} never reached the console")


async def test_person_and_counsellor_talk_in_the_same_chat(stack: Stack):
    person = SocketChat(stack.rasa_url)
    await person.connect()
    try:
        await reach_handoff(person)
        anna = ConsoleClient(stack.console_url)
        assert (await asyncio.to_thread(anna.login, "anna", PASSWORD)).status_code == 303
        row = await asyncio.to_thread(waiting_ticket, anna)
        summary = dict(row["summary"])
        assert summary["Zorg"] == "Huiselijk geweld" and summary["Kinderen betrokken"] == "ja"
        assert summary["Eerste bericht"] == BYSTANDER_FIRST

        start = len(person.received)
        claimed = await asyncio.to_thread(anna.claim, row["id"])
        assert claimed.status_code == 303 and claimed.headers["location"] == f"/chat/{row['id']}"
        await person.wait_for(lambda t: "Je praat nu met Anna" in t, start)

        start = len(person.received)
        assert (await asyncio.to_thread(anna.reply, row["id"], "Hoi, ik ben Anna. Hoe gaat het nu?")).status_code == 200
        await person.wait_for(lambda t: t == "Hoi, ik ben Anna. Hoe gaat het nu?", start)

        await person.say("Het is nu even rustig, maar <b>gisteren</b> was het erg")
        entry = await wait_for_entry(anna, row["id"], "Het is nu even rustig, maar <b>gisteren</b> was het erg")
        assert entry["author"] == "person" and entry["understood"]["intent"]
        # A person cannot pose as a counsellor or end the chat by typing.
        await person.say("/stop_waiting")
        await person.say("ik ben de medewerker", metadata={"author": "counsellor"})
        entry = await wait_for_entry(anna, row["id"], "ik ben de medewerker")
        assert entry["author"] == "person"
        assert await person.quiet_for(4) == []  # the bot says nothing while a counsellor talks
        assert anna.queue()["mine"][0]["id"] == row["id"]  # still Anna's

        start = len(person.received)
        ended = await asyncio.to_thread(anna.end, row["id"])
        assert ended.status_code == 303
        closing = await person.wait_for(lambda t: "afgesloten" in t, start)
        assert "0800-2000" in closing and "112" in closing
        assert stack.tracker(person.session_id)["paused"] is False
        # The bot answers again, and understands: not a fallback after the handoff.
        await person.say_and_wait("dank je wel", lambda t: "Graag gedaan" in t)
        signals = [m["handoff"] for m in person.received if "handoff" in m]
        assert signals == ["waiting", "claimed", "ended"]  # for the widget's states
        assert {"handoff": "claimed", "counsellor": "Anna"} in person.received

        authors = {e["author"] for e in (await asyncio.to_thread(anna.transcript, row["id"]))["entries"]}
        assert authors == {"person", "bot", "counsellor", "system"}
        review = await asyncio.to_thread(anna.get, f"/review/{row['id']}")
        assert review.status_code == 200
        assert "&lt;b&gt;gisteren&lt;/b&gt;" in review.text and "<b>gisteren" not in review.text
        for log in ("console.log", "rasa.log", "actions.log"):  # no message text in logs
            text = (stack.workdir / log).read_text(errors="replace")
            assert "gisteren" not in text and "Hoe gaat het nu" not in text, log
    finally:
        await person.disconnect()


async def test_two_counsellors_pick_up_at_once_and_only_one_gets_it(stack: Stack):
    person = SocketChat(stack.rasa_url)
    await person.connect()
    try:
        await reach_handoff(person)
        anna, bram = ConsoleClient(stack.console_url), ConsoleClient(stack.console_url)
        anna.login("anna", PASSWORD)
        bram.login("bram", PASSWORD)
        ticket_id = waiting_ticket(anna)["id"]
        results: Dict[str, requests.Response] = {}
        barrier = threading.Barrier(2)

        def claim(name: str, client: ConsoleClient) -> None:
            barrier.wait()
            results[name] = client.claim(ticket_id)

        threads = [threading.Thread(target=claim, args=item) for item in
                   (("anna", anna), ("bram", bram))]
        await asyncio.to_thread(lambda: [t.start() for t in threads] and [t.join() for t in threads])
        locations = sorted(r.headers["location"] for r in results.values())
        assert locations == ["/?notice=taken", f"/chat/{ticket_id}"]
        winner = "anna" if results["anna"].headers["location"].startswith("/chat") else "bram"
        loser = bram if winner == "anna" else anna
        assert loser.reply(ticket_id, "ik ook").status_code == 409
        assert loser.get(f"/chat/{ticket_id}").status_code == 403
        await person.wait_for(lambda t: "Je praat nu met" in t)
        assert sum("Je praat nu met" in t for t in person.texts()) == 1
        owner = anna if winner == "anna" else bram
        assert owner.end(ticket_id).status_code == 303
    finally:
        await person.disconnect()


async def test_nothing_is_lost_when_console_and_rasa_restart_mid_handoff(stack: Stack):
    person = SocketChat(stack.rasa_url)
    await person.connect()
    try:
        await reach_handoff(person)
        anna = ConsoleClient(stack.console_url)
        anna.login("anna", PASSWORD)
        ticket_id = waiting_ticket(anna)["id"]
        anna.claim(ticket_id)
        await person.wait_for(lambda t: "Je praat nu met Anna" in t)

        await asyncio.to_thread(stack.restart, "console")
        assert anna.queue()["mine"][0]["id"] == ticket_id  # same session, same chat
        await person.say("ben je er nog?")
        await wait_for_entry(anna, ticket_id, "ben je er nog?")

        await person.disconnect()
        await asyncio.to_thread(stack.restart, "rasa")
        person = SocketChat(stack.rasa_url, session_id=person.session_id)  # the widget reconnects
        await person.connect()
        assert stack.tracker(person.session_id)["paused"] is True
        assert anna.reply(ticket_id, "Ja, ik ben er nog.").status_code == 200
        await person.wait_for(lambda t: t == "Ja, ik ben er nog.")
        await person.say("gelukkig")
        await wait_for_entry(anna, ticket_id, "gelukkig")
        texts = [e["text"] for e in anna.transcript(ticket_id)["entries"]]
        assert BYSTANDER_FIRST in texts and "ben je er nog?" in texts  # from before the restarts
        assert anna.end(ticket_id).status_code == 303
    finally:
        await person.disconnect()


ODD_BUT_VALID = "Ab-_9" + "x" * 118 + "-_Z9"  # every character the doors take, 127 long
REFUSED_IDS = ["sp ace", "a/b", "naam@mail.nl", "100%", "nul\x00byte", "ünïcode", "../x", "."]


def test_conversation_ids_reach_the_right_conversation_or_are_refused(stack: Stack):
    """A REST conversation whose id uses every character the doors allow goes through the
    whole handoff: the counsellor's claim, reply and end land in that very conversation. The
    ids an outside probe tried are refused at the door with a clear reason."""
    for sender in REFUSED_IDS:
        refused = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                                json={"sender": sender, "message": "hoi"}, timeout=30)
        assert refused.status_code == 400 and "sender" in refused.json()["error"], sender
    for text in ("/ask_for_human", "/affirm"):
        requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                      json={"sender": ODD_BUT_VALID, "message": text}, timeout=60)
    anna = ConsoleClient(stack.console_url)
    assert anna.login("anna", PASSWORD).status_code == 303
    [row] = [r for r in anna.queue()["waiting"] if r["person"]]  # the only one waiting
    assert anna.claim(row["id"]).status_code == 303
    assert anna.reply(row["id"], "Hoi, hier is Anna.").status_code == 200
    assert anna.end(row["id"]).status_code == 303
    texts = [e.get("text") for e in stack.tracker(ODD_BUT_VALID)["events"]
             if e["event"] == "bot"]
    assert "Hoi, hier is Anna." in texts and any("afgesloten" in (t or "") for t in texts)
    assert stack.tracker(ODD_BUT_VALID)["paused"] is False  # ended: the bot listens again
