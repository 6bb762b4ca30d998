"""Reads of the host's console (issue 15): who is in the room now and who is missing, the stream's health
as the media server reports it, the co-hosts."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from defusedxml import ElementTree
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from hub.models import User
from hub.redis import get_redis
from livestreams.models import LeaveRequest, LiveSession, StreamPublish
from livestreams.realtime import person_user_id, presence_key
from livestreams.selectors.classes import audience_members
from livestreams.selectors.room import public_name
from partyorgs.models import PartyMember

S = LiveSession.Status


def present_user_ids(session_id: int) -> set[int]:
    """Signed-in people in the room now (on any process), from the room's presence in Redis."""
    people = get_redis().zrangebyscore(presence_key(session_id), time.time(), "+inf")
    ids = set()
    for person in people:
        uid = person_user_id(person.decode() if isinstance(person, bytes) else str(person))
        if uid is not None:
            ids.add(uid)
    return ids


def console_audience(session: LiveSession) -> dict[str, Any]:
    """The audience with who is present now, absent ones first; members outside the audience who are watching
    are listed too. Three queries and one Redis call, whatever the audience's size."""
    present = present_user_ids(session.pk)
    members = list(
        PartyMember.objects.filter(Q(pk__in=audience_members(session).values("pk")) | Q(user_id__in=present))
        .select_related("user", "branch")
        .order_by("branch__path", "user__name", "pk")
    )
    on_leave = set(
        LeaveRequest.objects.filter(session=session, state=LeaveRequest.State.APPROVED).values_list(
            "member_id", flat=True
        )
    )
    rows = [
        {
            "user_id": m.user_id,
            "name": public_name(m.user),
            "branch": m.branch.name,
            "present": m.user_id in present,
            "leave": m.pk in on_leave,
        }
        for m in members
    ]
    rows.sort(key=lambda r: (r["present"], r["leave"]))
    return {
        "members": rows,
        "present": sum(r["present"] for r in rows),
        "total": len(rows),
    }


def cohost_candidates(session: LiveSession) -> QuerySet[User]:
    """Who may be named co-host: members of the host organization's subtree or of the audience."""
    q = Q(pk__in=audience_members(session).values("user_id"))
    if session.host_organization is not None:
        q |= Q(party_member__branch__path__startswith=session.host_organization.path)
    return User.objects.filter(q, is_active=True).order_by("name", "pk")


def _stat_xml() -> Any | None:
    url = settings.HUB_MEDIA_STAT_URL
    if not url:
        return None
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (a URL from the settings)
            return ElementTree.fromstring(resp.read())
    except (urllib.error.URLError, OSError, ElementTree.ParseError, ValueError):
        return None


def _int(node: Any, path: str) -> int | None:
    found = node.find(path)
    if found is None or not (found.text or "").strip():
        return None
    try:
        return int(float(found.text))
    except ValueError:
        return None


def stream_health(session: LiveSession, now: datetime | None = None) -> dict[str, Any]:
    """The push as the hub and the media server see it: pushing or not, since when, how many reconnects
    (pushes after the first since the session went live), and from nginx-rtmp's stat page the incoming
    bitrate (kbit/s) and frame rate. `stat` is False when the stat page did not answer."""
    now = now or timezone.now()
    pushes = StreamPublish.objects.filter(session=session)
    if session.went_live_at:
        pushes = pushes.filter(started_at__gte=session.went_live_at)
    count = pushes.count()
    current = (
        StreamPublish.objects.filter(session=session, ended_at__isnull=True).order_by("-started_at").first()
    )
    health: dict[str, Any] = {
        "pushing": current is not None,
        "seconds": int((now - current.started_at).total_seconds()) if current else 0,
        "reconnects": max(count - 1, 0),
        "bitrate_kbps": None,
        "fps": None,
        "stat": False,
    }
    if session.playback != LiveSession.Playback.HUB or current is None:
        return health
    root = _stat_xml()
    if root is None:
        return health
    health["stat"] = True
    for stream in root.iter("stream"):
        if (stream.findtext("name") or "") == f"session-{session.pk}":
            bw = _int(stream, "bw_in")
            health["bitrate_kbps"] = bw // 1000 if bw is not None else None
            health["fps"] = _int(stream, "meta/video/frame_rate")
            break
    return health
