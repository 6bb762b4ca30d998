"""How the rest of the hub reaches open pages in real time.

These signatures are the contract that other areas rely on (classes, sales, media, dashboards); the
live-room work may change how they deliver, not what they mean:

- room_publish(session_id, event): an event to every open live-room page of one session, in every server
  process, e.g. {"type": "status", "status": "live"}.
- live_now_publish(event): an event to every page that follows what is live (home page, dashboards), e.g.
  {"type": "session_status", "session_id": .., "status": .., "title": ..} or
  {"type": "viewers", "session_id": .., "count": ..}.
- viewer_count(session_id) / viewer_counts(ids): distinct people present now, across all processes.
"""

from __future__ import annotations

import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from hub.redis import get_redis, key

LIVE_NOW_GROUP = "live-now"


def room_group(session_id: int) -> str:
    return f"live-{session_id}"


def _group_send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(group, {"type": "hub.event", "event": event})


def room_publish(session_id: int, event: dict) -> None:
    _group_send(room_group(session_id), event)


def live_now_publish(event: dict) -> None:
    _group_send(LIVE_NOW_GROUP, event)


def presence_key(session_id: int) -> str:
    """Sorted set of the people in a room: member user id (or anonymous viewer id), score = expiry time."""
    return key("presence", session_id)


def viewer_count(session_id: int) -> int:
    return viewer_counts([session_id]).get(session_id, 0)


def viewer_counts(session_ids: list[int]) -> dict[int, int]:
    """People whose presence has not expired, per session, in one round trip."""
    now = time.time()
    pipe = get_redis().pipeline(transaction=False)
    for sid in session_ids:
        pipe.zcount(presence_key(sid), now, "+inf")
    return dict(zip(session_ids, pipe.execute(), strict=True))
