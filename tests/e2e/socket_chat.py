"""A person in the website chat: a real socket.io client against Rasa's socket.io channel,
with session persistence as the widget uses it (session_request / session_confirm)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

import socketio

from bot.channels import session_token
from tests.e2e.servers import E2E_SOCKET_KEY


class SocketChat:
    def __init__(self, url: str, session_id: Optional[str] = None,
                 token: Optional[str] = None) -> None:
        self.url = url
        self.session_id = session_id or f"e2e-sock-{uuid.uuid4().hex[:12]}"
        # What the website would have issued for this conversation.
        self.token = token or session_token.token_for(
            E2E_SOCKET_KEY.encode(), self.session_id, datetime.now(timezone.utc))
        self.received: List[Dict[str, Any]] = []
        self._client: Optional[socketio.AsyncClient] = None

    async def connect(self) -> None:
        client = socketio.AsyncClient(reconnection=False)
        confirmed = asyncio.get_running_loop().create_future()

        @client.on("bot_uttered")
        async def on_bot(data: Dict[str, Any]) -> None:
            self.received.append(data)

        @client.on("session_confirm")
        async def on_confirm(data: Any) -> None:
            if not confirmed.done():
                confirmed.set_result(data)

        await client.connect(self.url, transports=["websocket"], socketio_path="socket.io",
                             auth={"token": self.token})
        await client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(confirmed, timeout=20)
        self._client = client

    async def disconnect(self) -> None:
        if self._client is not None:
            await self._client.disconnect()
            self._client = None

    async def say(self, text: str, metadata: Optional[Dict[str, Any]] = None) -> None:
        payload: Dict[str, Any] = {"message": text, "session_id": self.session_id}
        if metadata is not None:
            payload["metadata"] = metadata
        await self._client.emit("user_uttered", payload)

    def texts(self, start: int = 0) -> List[str]:
        return [m.get("text") or "" for m in self.received[start:]]

    async def wait_for(self, predicate: Callable[[str], bool], start: int = 0,
                       timeout: float = 60) -> str:
        """The first bot text from index `start` on that matches; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.texts(start):
                if predicate(text):
                    return text
            await asyncio.sleep(0.1)
        raise AssertionError(f"no matching bot message in {timeout} s; got {self.texts(start)}")

    async def say_and_wait(self, text: str, predicate: Callable[[str], bool],
                           timeout: float = 60) -> str:
        start = len(self.received)
        await self.say(text)
        return await self.wait_for(predicate, start, timeout)

    async def quiet_for(self, seconds: float) -> List[str]:
        """What the bot said in the next `seconds` (to check that it said nothing)."""
        start = len(self.received)
        await asyncio.sleep(seconds)
        return self.texts(start)
