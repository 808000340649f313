"""The few calls the console makes to the Rasa HTTP API (started with --enable-api and a token).

Counsellor messages are appended to the conversation as `bot` events with side effects, so
Rasa stores them in the tracker (one transcript) and sends them through the channel the person
last wrote from (socket.io, Telegram, Twilio, ...).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=15)


class RasaUnavailable(RuntimeError):
    """Rasa did not take the events. The message names the status, never the content."""


class RasaClient:
    def __init__(self, base_url: str, token: Optional[str]) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def append(self, conversation_id: str, events: List[Dict[str, Any]],
                     side_effects: bool = True) -> None:
        """Append events; with side effects, bot events also go to the person's channel."""
        params = {"execute_side_effects": "true" if side_effects else "false",
                  "output_channel": "latest", "include_events": "NONE"}
        if self._token:
            params["token"] = self._token
        url = f"{self._base_url}/conversations/{quote(conversation_id, safe='')}/tracker/events"
        try:
            async with self._http().post(url, params=params, json=events) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(f"Rasa not reachable ({type(exc).__name__})") from exc

    async def healthy(self) -> bool:
        try:
            async with self._http().get(f"{self._base_url}/") as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
