"""Where a session can be watched. The media work owns the internals; the live room relies on these."""

from __future__ import annotations

from django.conf import settings

from livestreams.models import LiveSession


def stream_name(session: LiveSession) -> str:
    """The name a session's stream has on the media server (RTMP application "live")."""
    return f"session-{session.pk}"


def hls_playlist_url(session: LiveSession) -> str | None:
    """The HLS playlist of the hub's own stream, or None when the session plays from an external platform."""
    if session.playback != LiveSession.Playback.HUB:
        return None
    return f"{settings.HUB_HLS_BASE_URL.rstrip('/')}/{stream_name(session)}/index.m3u8"
