"""What the areas of the live room add to its socket, without touching the room consumer.

An area (questions, polls, products, likes, sign-in, ...) puts one module in `livestreams/consumers/parts/`
(every module there is imported with the consumer) and registers:

- `@room_action("question_ask")`: a client message type. The handler gets the consumer (`.user`,
  `.access.session`, `.session_id`, `.send_json`) and the decoded frame (already a dict with a string "type";
  every other field is unchecked user input), and returns the fields of the "ack" reply (or None). It raises
  `RoomError(code, message)` for a refusal; the consumer turns that into an "error" reply with the nonce.
- `@room_snapshot`: called once per connect (and reconnect) after "history" and "viewers"; returns the
  messages that bring a client up to date with the area's state (e.g. [{"type": "questions", ...}]).

Each message type is documented in docs/live-room-protocol.md and listed in tests/test_socket_frames.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

RoomAction = Callable[[Any, dict], Awaitable[dict | None]]
RoomSnapshot = Callable[[Any], Awaitable[list[dict]]]

ROOM_ACTIONS: dict[str, RoomAction] = {}
ROOM_SNAPSHOTS: list[RoomSnapshot] = []


def room_action(kind: str) -> Callable[[RoomAction], RoomAction]:
    def register(handler: RoomAction) -> RoomAction:
        if kind in ROOM_ACTIONS:
            raise ValueError(f"room action {kind!r} is registered twice")
        ROOM_ACTIONS[kind] = handler
        return handler

    return register


def room_snapshot(snapshot: RoomSnapshot) -> RoomSnapshot:
    ROOM_SNAPSHOTS.append(snapshot)
    return snapshot
