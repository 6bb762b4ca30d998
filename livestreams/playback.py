"""Where a session can be watched. The media work owns the internals; the live room relies on these.

The media server serves a stream's HLS and its replay only under a signed link (nginx's secure_link module
with a secret the hub and the media server share), so that knowing a session's number is not enough to watch
an audience-only class. A link is handed out by pages that check scope, and it is not a permanent pass:

- it expires (HUB_MEDIA_LINK_SECONDS); the live room asks for a fresh one (`media:links`) while the viewer is
  still allowed, so a copied link stops working soon after it leaves the room;
- it names the session's link generation (LiveSession.media_link_generation): rotating the stream key or the
  links makes a new generation, and the hub leaves a marker file for the old one that nginx answers 410 to;
- it is for one kind of file: an HLS link does not open the replay, nor the other way round.

The scheme (nginx and anything in front of it that re-implements it must agree):

    /hls/<token>/<expires>/<generation>/session-<id>/<file>.m3u8|.ts
    /replays/<token>/<expires>/<generation>/session-<id>.mp4
    token = base64url(md5("<expires>:<generation>:session-<id>:<kind> <link secret>")), no padding;
    kind = "hls" or "replay"; expires = Unix seconds; 403 for a bad token, 410 once expired or revoked
    (a file <HUB_MEDIA_DIR>/revoked/session-<id>-<generation> exists).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.urls import reverse

from livestreams.models import LiveSession


def stream_name(session: LiveSession) -> str:
    """The name a session's stream has on the media server (RTMP application "live")."""
    return f"session-{session.pk}"


def link_secret() -> str:
    """The secret of the media server's links (written into its nginx configuration)."""
    return hmac.new(settings.HUB_MEDIA_SECRET.encode(), b"media-links", hashlib.sha256).hexdigest()


def link_lifetime() -> int:
    return settings.HUB_MEDIA_LINK_SECONDS


def link_expires(now: float | None = None) -> int:
    """When a link made now stops working (Unix seconds), rounded up to the minute: everyone watching in the
    same minute gets the same links, which HTTP caches in front of the media server can share."""
    now = now if now is not None else time.time()
    return math.ceil((now + link_lifetime()) / 60) * 60


def link_token(*, kind: str, name: str, generation: int, expires: int) -> str:
    """nginx's secure_link_md5 "$secure_link_expires:$gen:$stream:<kind> <secret>": base64url of the MD5
    digest, without padding. MD5 is what nginx's secure_link module offers; the secret is long and never
    leaves the servers."""
    material = f"{expires}:{generation}:{name}:{kind} {link_secret()}"
    digest = hashlib.md5(material.encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _signed(kind: str, session: LiveSession, expires: int | None) -> str:
    name = stream_name(session)
    expires = expires if expires is not None else link_expires()
    generation = session.media_link_generation
    token = link_token(kind=kind, name=name, generation=generation, expires=expires)
    return f"{token}/{expires}/{generation}/{name}"


def hls_playlist_url(session: LiveSession, *, expires: int | None = None) -> str | None:
    """The HLS playlist of the hub's own stream, or None when the session plays from an external platform."""
    if session.playback != LiveSession.Playback.HUB:
        return None
    return f"{settings.HUB_HLS_BASE_URL.rstrip('/')}/{_signed('hls', session, expires)}/index.m3u8"


def replay_file_url(session: LiveSession, version: int, *, expires: int | None = None) -> str:
    """A signed link to a session's replay file on the media server; short-lived, like the HLS links."""
    base = urljoin(settings.HUB_PUBLIC_URL, settings.HUB_MEDIA_REPLAY_BASE_URL)
    return f"{base.rstrip('/')}/{_signed('replay', session, expires)}.mp4?v={version}"


def replay_page_url(session: LiveSession, version: int | None = None) -> str:
    """The hub's own address of a session's replay (LiveSession.replay_url is a URL field): it checks who asks,
    then sends them on to a fresh signed link. This is what is stored and shown; it never expires."""
    url = urljoin(settings.HUB_PUBLIC_URL, reverse("media:replay", args=[session.pk]))
    return url if version is None else f"{url}?v={version}"


def has_hub_replay(session: LiveSession) -> bool:
    """The session's replay is one the hub made of its recordings (not a link to another platform). By the
    path, so that a stored address still counts after HUB_PUBLIC_URL changed."""
    if not session.replay_url:
        return False
    return urlsplit(session.replay_url).path == reverse("media:replay", args=[session.pk])


def replay_version(session: LiveSession) -> int:
    _, _, query = session.replay_url.partition("?v=")
    return int(query) if query.isascii() and query.isdigit() and len(query) < 10 else 0


def revoked_marker(session_id: int, generation: int) -> Path:
    """The file whose presence makes nginx refuse (410) every link of that generation of a session."""
    return Path(settings.HUB_MEDIA_DIR) / "revoked" / f"session-{session_id}-{generation}"


def playback_links(session: LiveSession) -> dict:
    """Fresh links of what a viewer allowed to see the session may play now, and when to ask again."""
    expires = link_expires()
    replay = None
    if has_hub_replay(session):
        replay = replay_file_url(session, replay_version(session), expires=expires)
    elif session.replay_url:
        replay = session.replay_url
    return {
        "hlsUrl": hls_playlist_url(session, expires=expires),
        "replayUrl": replay,
        "expiresIn": link_lifetime(),
        # Ask again half way through: a slow network or a sleeping tab still has time to.
        "refreshIn": max(5, link_lifetime() // 2),
    }
