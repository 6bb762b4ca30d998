"""Helpers of the live-room tests: sockets against the real ASGI application (origin check, session
auth, the real channels_redis layer and Redis), and a reader that understands batched frames."""

from __future__ import annotations

import asyncio
import json

import redis
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from tests.support import client_for


def clean_room_redis() -> None:
    """Forget the rooms' Redis state (ids of rolled-back rows come back on SQLite)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for pattern in (f"{settings.HUB_REDIS_PREFIX}:room:*", f"{settings.HUB_REDIS_PREFIX}:rooms:*"):
        keys = list(client.scan_iter(pattern, count=1000))
        if keys:
            client.delete(*keys)
    client.close()


def session_cookie(user) -> str:
    return client_for(user).cookies[settings.SESSION_COOKIE_NAME].value


def socket(
    path: str, *, cookie: str | None = None, origin: str = "http://testserver", extra_cookies: str = ""
):
    headers = [(b"host", b"testserver")]
    if origin:
        headers.append((b"origin", origin.encode()))
    cookies = "; ".join(
        c for c in [f"{settings.SESSION_COOKIE_NAME}={cookie}" if cookie else "", extra_cookies] if c
    )
    if cookies:
        headers.append((b"cookie", cookies.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


class Reader:
    """Wraps a communicator: flattens batched frames (JSON arrays) into single events and keeps what it read."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.comm = communicator
        self.seen: list[dict] = []
        self.queue: list[dict] = []

    async def connect(self) -> tuple[bool, object]:
        return await self.comm.connect(timeout=10)

    async def next(self, timeout: float = 5) -> dict:
        if not self.queue:
            output = await self.comm.receive_output(timeout)
            if output["type"] == "websocket.close":
                self.queue.append({"type": "__closed__", "code": output.get("code")})
            else:
                data = json.loads(output["text"])
                self.queue.extend(data if isinstance(data, list) else [data])
        event = self.queue.pop(0)
        self.seen.append(event)
        return event

    async def until(self, predicate, timeout: float = 5) -> dict:
        """The first event matching predicate (events before it are kept in `seen`)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no matching event within {timeout}s; saw {self.seen[-10:]}")
            event = await self.next(left)
            if predicate(event):
                return event

    async def of_type(self, kind: str, timeout: float = 5) -> dict:
        return await self.until(lambda e: e.get("type") == kind, timeout)

    async def joined(self) -> dict:
        """Connect and read the opening messages; returns {'welcome', 'history', 'viewers'}."""
        connected, _ = await self.connect()
        assert connected
        first = await self.next(10)
        if first["type"] == "__closed__":
            return {"closed": first["code"]}
        return {"welcome": first, "history": await self.next(10), "viewers": await self.next(10)}

    async def send(self, obj) -> None:
        await self.comm.send_to(text_data=json.dumps(obj) if not isinstance(obj, str) else obj)

    async def drain(self, timeout: float = 0.5) -> list[dict]:
        """Everything that arrives within `timeout`."""
        events = []
        # receive_nothing, unlike a receive that times out, leaves the application running.
        while self.queue or not await self.comm.receive_nothing(timeout):
            events.append(await self.next(timeout))
        return events

    async def close(self) -> None:
        await self.comm.disconnect(timeout=10)


def run(coro_fn, *args, **kwargs):
    """Run an async scenario in a fresh event loop (its room registry ends with it)."""
    return asyncio.run(coro_fn(*args, **kwargs))
