"""Property-based fuzzing (Hypothesis) of every HTTP endpoint of the website and the console, and
of Rasa's REST and socket.io channels, against the real servers: whatever arrives, the answer
is a clear 2xx, 3xx or 4xx, never a 500, and the servers stay up.

Bounded: a fixed number of examples per endpoint (no shrinking time limits needed), no
deadline per example (these machines are shared), and the database is a throwaway one.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Iterator
from urllib.parse import quote_from_bytes

import pytest
import requests
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import sqlite_url
from tests.e2e.conftest import STAFFED
from tests.e2e.console_client import CSRF_META, ConsoleClient
from tests.e2e.servers import (MODEL, start_action_server, start_console, start_rasa_server,
                               start_site)
from tests.e2e.socket_chat import SocketChat
from tests.e2e.test_handoff_live import PASSWORD, add_counsellor

pytestmark = pytest.mark.e2e

RASA_PORT, ACTION_PORT, CONSOLE_PORT, SITE_PORT = 5117, 5167, 5197, 5207
RASA = f"http://127.0.0.1:{RASA_PORT}"
CONSOLE = f"http://127.0.0.1:{CONSOLE_PORT}"
SITE = f"http://127.0.0.1:{SITE_PORT}"
EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# Any text at all, lone surrogates and NUL included; as raw bytes for URLs.
any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=60)
any_bytes = st.binary(max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=10)


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[Path]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    workdir = tmp_path_factory.mktemp("fuzz")
    url = sqlite_url(workdir / "tracker.db")
    add_counsellor(url, "lea", "Lea", "--team-lead")
    started = []
    try:
        started.append(start_action_server(ACTION_PORT, workdir / "actions.log", STAFFED,
                                           database_url=url))
        started.append(start_rasa_server(RASA_PORT, ACTION_PORT, workdir, workdir / "rasa.log",
                                         url, env_extra={"VT_SITE_ORIGINS": SITE}))
        started.append(start_console(CONSOLE_PORT, workdir / "console.log", url, RASA_PORT,
                                     STAFFED))
        started.append(start_site(SITE_PORT, workdir / "site.log", url, RASA_PORT, STAFFED,
                                  socket_url=RASA))
        yield workdir
    finally:
        for server in reversed(started):
            server.stop()


def raw_request(method: str, url: str, **kwargs) -> requests.Response:
    return requests.request(method, url, timeout=60, allow_redirects=False, **kwargs)


def not_a_server_error(response: requests.Response) -> None:
    assert response.status_code < 500, (response.request.method, response.request.url,
                                         response.status_code, response.text[:300])


# --- the website ----------------------------------------------------------------------------

@EXAMPLES
@given(path=any_bytes, query=any_bytes, prefix=st.sampled_from(["/", "/widget/", "/api/",
                                                                "/vendor/"]))
def test_site_any_get(servers, path, query, prefix):
    not_a_server_error(raw_request(
        "GET", f"{SITE}{prefix}{quote_from_bytes(path)}?{quote_from_bytes(query)}"))


@EXAMPLES
@given(body=st.one_of(any_bytes, json_values.map(lambda v: json.dumps(v).encode())),
       endpoint=st.sampled_from(["/api/left", "/api/session", "/api/chat-status"]))
def test_site_any_post(servers, body, endpoint):
    response = raw_request("POST", SITE + endpoint, data=body)
    not_a_server_error(response)
    if response.status_code >= 400:
        assert response.headers["Content-Type"].startswith("application/json") or \
            response.status_code in (404, 405, 413)


# --- the console ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lead(servers) -> ConsoleClient:
    client = ConsoleClient(CONSOLE)
    assert client.login("lea", PASSWORD).status_code == 303
    client.csrf = CSRF_META.search(client.get("/").text).group(1)
    return client


CONSOLE_GETS = ["/", "/login", "/api/queue", "/chat/{id}", "/api/tickets/{id}/transcript",
                "/review", "/review/{id}", "/review/{id}/print", "/audit", "/static/{name}",
                "/health"]
CONSOLE_POSTS = ["/login", "/logout", "/tickets/{id}/claim", "/tickets/{id}/reply",
                 "/tickets/{id}/end", "/review/{id}/reviewed"]
ids = st.one_of(st.integers(min_value=-2, max_value=5), st.integers(min_value=2**31 - 2),
                any_bytes.map(quote_from_bytes))


@EXAMPLES
@given(route=st.sampled_from(CONSOLE_GETS), ticket=ids, name=any_bytes,
       params=st.dictionaries(st.sampled_from(["after", "from", "to", "concern", "counsellor",
                                               "status", "page", "actor", "ticket", "notice",
                                               "saved"]), any_bytes, max_size=4))
def test_console_any_get(lead, route, ticket, name, params):
    path = route.format(id=ticket, name=quote_from_bytes(name))
    query = "&".join(f"{key}={quote_from_bytes(value)}" for key, value in params.items())
    not_a_server_error(lead.get(f"{path}?{query}"))


@EXAMPLES
@given(route=st.sampled_from(CONSOLE_POSTS), ticket=ids,
       form=st.dictionaries(st.sampled_from(["text", "note", "reply_id", "username", "password",
                                             "csrf_token", "extra"]), any_text, max_size=4),
       with_csrf=st.booleans())
def test_console_any_post(lead, route, ticket, form, with_csrf):
    form = {key: value.encode("utf-8", "surrogatepass") for key, value in form.items()}
    not_a_server_error(lead.post(route.format(id=ticket), form, with_csrf=with_csrf))


# --- Rasa's REST channel ----------------------------------------------------------------------

@EXAMPLES
@given(body=st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda sender, message: json.dumps({"sender": sender, "message": message}).encode(),
              st.one_of(any_text, st.just("fuzz-person")), st.one_of(any_text, json_values)),
    any_bytes))
def test_rest_any_body(servers, body):
    response = raw_request("POST", f"{RASA}/webhooks/rest/webhook", data=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400), response.text[:300]
    if response.status_code == 200:
        assert all(isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("custom"))
                   for m in response.json())


# --- Rasa's socket.io channel -----------------------------------------------------------------

@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payloads=st.lists(st.one_of(json_values, st.fixed_dictionaries(
    {"message": st.one_of(any_text, json_values)},
    optional={"session_id": any_text, "metadata": json_values})), min_size=1, max_size=4),
    event=st.sampled_from(["user_uttered", "session_request", "nonsense"]))
def test_socket_io_any_payload_keeps_the_channel_working(servers, payloads, event):
    async def run() -> None:
        person = SocketChat(RASA)
        await person.connect()
        try:
            for payload in payloads:
                await person._client.emit(event, payload)
            # The same connection still talks: the channel survived whatever came before.
            await person.say_and_wait("hoi", lambda text: "fijn dat je er bent" in text, 30)
        finally:
            await person.disconnect()

    asyncio.run(run())


def test_socket_io_without_a_token_is_refused(servers):
    async def run() -> None:
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(RASA, transports=["websocket"])

    asyncio.run(run())
