"""Redis clients on REDIS_URL: one connection pool per process (sync), one per event loop (async)."""

from __future__ import annotations

import asyncio
from functools import lru_cache

import redis
import redis.asyncio as aioredis
from django.conf import settings


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    # After a Redis restart the pooled connections are dead: retry a command once on a fresh connection.
    return redis.Redis.from_url(
        settings.REDIS_URL,
        decode_responses=True,
        health_check_interval=30,
        retry_on_error=[redis.ConnectionError],
    )


_async_clients: dict[int, aioredis.Redis] = {}


def get_async_redis() -> aioredis.Redis:
    """An asyncio client bound to the running loop (a client must not cross event loops)."""
    loop_id = id(asyncio.get_running_loop())
    client = _async_clients.get(loop_id)
    if client is None:
        client = aioredis.Redis.from_url(settings.REDIS_URL, decode_responses=True, health_check_interval=30)
        _async_clients[loop_id] = client
    return client


def key(*parts: object) -> str:
    """A Redis key under this deployment's prefix (tests use their own prefix)."""
    return ":".join([settings.HUB_REDIS_PREFIX, *map(str, parts)])
