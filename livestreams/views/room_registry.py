"""What the areas of the live room add to its page, without touching the room view or room.html.

An area puts one module in `livestreams/views/room_parts/` (livestreams/views/room.py imports them all) and registers a function with `@room_page_part`: called as `part(request, session, can_manage)`, it
returns a RoomPagePart, or None when it has nothing for this viewer and session. room.html includes each
part's templates in its slot, in registration order:

- "stage": under the player (e.g. the pinned product, the sign-in button, the likes);
- "side": in the column of the comments (e.g. questions, polls);
- "host": the host's tools, shown to those who manage the session.

`context` is merged into the page's context (use names of the area: "questions_open", not "items");
`config` into the JSON the scripts read (#room-config); `i18n` into #room-i18n; `scripts` are static paths
loaded after static/js/room.js, which exposes `window.HubRoom` (on(type, fn), send(obj), cfg, i18n).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SLOTS = ("stage", "side", "host")


@dataclass
class RoomPagePart:
    templates: dict[str, list[str]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    i18n: dict[str, str] = field(default_factory=dict)
    scripts: list[str] = field(default_factory=list)


RoomPartFunction = Callable[[Any, Any, bool], RoomPagePart | None]
ROOM_PAGE_PARTS: list[RoomPartFunction] = []


def room_page_part(function: RoomPartFunction) -> RoomPartFunction:
    ROOM_PAGE_PARTS.append(function)
    return function


def room_page_parts(request, session, can_manage: bool) -> dict[str, Any]:
    """The parts' contributions gathered for the room view."""
    gathered: dict[str, Any] = {
        "templates": {slot: [] for slot in SLOTS},
        "context": {},
        "config": {},
        "i18n": {},
        "scripts": [],
    }
    for function in ROOM_PAGE_PARTS:
        part = function(request, session, can_manage)
        if part is None:
            continue
        for slot, templates in part.templates.items():
            gathered["templates"][slot].extend(templates)
        gathered["context"].update(part.context)
        gathered["config"].update(part.config)
        gathered["i18n"].update({k: str(v) for k, v in part.i18n.items()})
        gathered["scripts"].extend(part.scripts)
    return gathered
