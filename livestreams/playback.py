"""Where a session can be watched. The media work owns the internals; the live room relies on these.

The media server serves a stream's HLS and its replay only under a token made from the stream name and a
secret that the hub and the media server share (nginx's secure_link module), so that knowing a session's
number is not enough to watch an audience-only class: the link is handed out by pages that check scope.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urljoin

from django.conf import settings

from livestreams.models import LiveSession


def stream_name(session: LiveSession) -> str:
    """The name a session's stream has on the media server (RTMP application "live")."""
    return f"session-{session.pk}"


def link_secret() -> str:
    """The secret of the media server's links (written into its nginx configuration)."""
    return hmac.new(settings.HUB_MEDIA_SECRET.encode(), b"media-links", hashlib.sha256).hexdigest()


def link_token(name: str) -> str:
    """nginx's secure_link_md5 "$stream <secret>": base64url of the MD5 digest, without padding.

    MD5 is what nginx's secure_link module offers; the secret is long and never leaves the servers."""
    digest = hashlib.md5(f"{name} {link_secret()}".encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def hls_playlist_url(session: LiveSession) -> str | None:
    """The HLS playlist of the hub's own stream, or None when the session plays from an external platform."""
    if session.playback != LiveSession.Playback.HUB:
        return None
    name = stream_name(session)
    return f"{settings.HUB_HLS_BASE_URL.rstrip('/')}/{link_token(name)}/{name}/index.m3u8"


def replay_file_url(session: LiveSession, version: int) -> str:
    """The absolute URL of a session's replay file (LiveSession.replay_url is a URL field)."""
    name = stream_name(session)
    base = urljoin(settings.HUB_PUBLIC_URL, settings.HUB_MEDIA_REPLAY_BASE_URL)
    return f"{base.rstrip('/')}/{link_token(name)}/{name}.mp4?v={version}"
