"""The few calls the console makes to the Rasa HTTP API (started with --enable-api and a token).

Counsellor messages are appended to the conversation as `bot` events with side effects, so
Rasa stores them in the tracker (one transcript) and sends them through the channel the person
last wrote from (socket.io, Telegram, Twilio, ...).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import aiohttp

from bot import conversation_ids

TIMEOUT = aiohttp.ClientTimeout(total=15)
# On Python 3.10 aiohttp's timeouts raise asyncio.TimeoutError, which is not the built-in
# TimeoutError (they became one class in 3.11).
_NOT_REACHED = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError)


class RasaUnavailable(RuntimeError):
    """Rasa did not take the events. The message names the status, never the content."""


class RasaClient:
    def __init__(self, base_url: str, token: Optional[str],
                 timeout: aiohttp.ClientTimeout = TIMEOUT) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def append(self, conversation_id: str, events: List[Dict[str, Any]],
                     side_effects: bool = True) -> None:
        """Append events; with side effects, bot events also go to the person's channel.

        Only ids the doors accept are sent (InvalidConversationId otherwise): they need no
        encoding, so the path names exactly this conversation."""
        conversation_ids.require(conversation_id)
        params = {"execute_side_effects": "true" if side_effects else "false",
                  "output_channel": "latest", "include_events": "NONE"}
        if self._token:
            params["token"] = self._token
        url = f"{self._base_url}/conversations/{conversation_id}/tracker/events"
        try:
            async with self._http().post(url, params=params, json=events) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
        except _NOT_REACHED as exc:
            raise RasaUnavailable(f"Rasa not reachable ({type(exc).__name__})") from exc
