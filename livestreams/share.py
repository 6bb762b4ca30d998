"""Links and QR codes for the group chat (支部群) and the venue's wall.

- Short link: `/s/<code>/`, the session's number in base 36. It only redirects to the room, which checks
  who may watch as it always does (a private class asks an anonymous visitor to sign in, and shows nothing to
  someone outside its audience), so knowing a code tells nobody more than knowing the room's address.
- QR codes are drawn by segno (SVG for the page, PNG to download or forward in WeChat).
- Venue sign-in (签到) QR: `/s/<code>/in/<token>/`. The token is signed with the site's secret (salt
  VENUE_SALT) and names the session and the kind of code:
  * "wall": printed on the A4 page for the venue's wall. It cannot change once printed, so it is bound to the
    one session (never valid for the next class) and accepted only while that class is live. A photo of it
    shared in the group lets someone sign in from home only during that class, where a member watching the
    live room may sign in with one tap anyway.
  * "screen": shown by the organizer on the venue's screen (the check-in screen), it names a window of
    SCREEN_WINDOW_SECONDS and is accepted during that window and the next one: a photo stops working within
    two windows. Use it where presence in the room matters.
"""

from __future__ import annotations

import io
import time

import segno
from django.core import signing
from django.urls import reverse

from livestreams.models import LiveSession

VENUE_SALT = "hub-venue-checkin"
SCREEN_WINDOW_SECONDS = 30
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def short_code(session_id: int) -> str:
    if session_id <= 0:
        raise ValueError("session ids are positive")
    code = ""
    while session_id:
        session_id, digit = divmod(session_id, 36)
        code = _DIGITS[digit] + code
    return code


def session_id_of(code: str) -> int | None:
    """The session number a short code names; None for anything that is not one."""
    code = code.lower()
    if not code or len(code) > 12 or code.startswith("0") or any(c not in _DIGITS for c in code):
        return None
    return int(code, 36)


def short_path(session: LiveSession) -> str:
    return reverse("share:short", args=[short_code(session.pk)])


def qr_svg(content: str, *, scale: int = 8, title: str = "") -> str:
    out = io.BytesIO()
    segno.make(content, error="m", micro=False).save(
        out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title=title or None, unit="px"
    )
    return out.getvalue().decode()


def qr_png(content: str, *, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make(content, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


# --- venue sign-in tokens ---------------------------------------------------------------------------


def venue_token(session: LiveSession, *, kind: str = "wall", now: float | None = None) -> str:
    payload: dict[str, object] = {"s": session.pk, "k": kind}
    if kind == "screen":
        payload["w"] = int((now if now is not None else time.time()) // SCREEN_WINDOW_SECONDS)
    return signing.dumps(payload, salt=VENUE_SALT, compress=True)


def venue_token_session(token: str, *, now: float | None = None) -> int | None:
    """The session a venue token signs in to while it is valid (see the module's docstring); None otherwise.
    Whether the class is live is the sign-in service's to check."""
    try:
        payload = signing.loads(token, salt=VENUE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        return None
    if payload.get("k") == "wall":
        return payload["s"]
    if payload.get("k") == "screen" and isinstance(payload.get("w"), int):
        window = int((now if now is not None else time.time()) // SCREEN_WINDOW_SECONDS)
        return payload["s"] if 0 <= window - payload["w"] <= 1 else None
    return None


def venue_path(session: LiveSession, *, kind: str = "wall", now: float | None = None) -> str:
    return reverse("share:venue", args=[short_code(session.pk), venue_token(session, kind=kind, now=now)])
