"""The live room page (the live parts arrive over /ws/live/<id>/) and its no-JavaScript comment form."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from hub.csp import csp_allow, origin_of
from livestreams.consumers.room import VIEWER_COOKIE, VIEWER_COOKIE_SALT
from livestreams.models import LiveSession
from livestreams.permissions import get_session_for_user, in_audience
from livestreams.playback import playback_links
from livestreams.realtime import viewer_count
from livestreams.selectors.room import is_muted, public_name, room_comments
from livestreams.services.room import COMMENT_MAX_LENGTH, SLOW_MODE_MAX_SECONDS, RoomError, comment_post
from livestreams.views import room_parts  # noqa: F401  (the parts register on import)
from livestreams.views.room_registry import room_page_parts
from livestreams.watch import EMBED_HOSTS


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Your comment"), max_length=COMMENT_MAX_LENGTH, strip=True)


def _session_or_login(request, pk: int) -> tuple[LiveSession, bool]:
    try:
        return get_session_for_user(request.user, pk)
    except Http404:
        if not request.user.is_authenticated:
            # A member who follows a link before signing in is asked to sign in, not told "not found".
            raise _SignIn from None
        raise


class _SignIn(Exception):
    pass


def _allow_the_players(response, *, replay_url: str | None) -> None:
    """What the room's Content-Security-Policy adds to the hub's (hub/csp.py): a sales session on Bilibili plays
    in the platform's player, so the room may frame those hosts and only them; a replay an organizer linked on
    another site plays in the room's video (hls.js fetches a playlist and its segments)."""
    sources: dict[str, list[str]] = {"frame-src": list(EMBED_HOSTS)}
    replay_origin = origin_of(replay_url or "")
    if replay_origin:
        sources["media-src"] = [replay_origin]
        if urlsplit(replay_url or "").path.endswith(".m3u8"):
            sources["connect-src"] = [replay_origin]
    csp_allow(response, sources)


def room(request, pk: int):
    try:
        session, can_manage = _session_or_login(request, pk)
    except _SignIn:
        return redirect_to_login(request.get_full_path())
    can_comment = in_audience(request.user, session)
    comments = room_comments(session=session)
    for comment in comments:
        comment.display_name = public_name(comment.author)
    status_labels = dict(LiveSession.Status.choices)
    links = playback_links(session)
    config = {
        "sessionId": session.pk,
        "wsPath": f"/ws/live/{session.pk}/",
        "status": session.status,
        "statusLabels": {k: str(v) for k, v in status_labels.items()},
        # Signed links that expire: the page asks linksUrl for fresh ones every refreshIn seconds.
        **{k: links[k] for k in ("hlsUrl", "replayUrl", "refreshIn")},
        "linksUrl": reverse("media:links", args=[session.pk]),
        "replayPage": session.replay_url or None,
        "externalUrl": session.external_url or None,
        "canComment": can_comment,
        "canModerate": can_manage,
        "signedIn": request.user.is_authenticated,
        "userId": request.user.pk if request.user.is_authenticated else None,
        "maxLength": COMMENT_MAX_LENGTH,
    }
    parts = room_page_parts(request, session, can_manage)
    config.update(parts["config"])
    response = render(
        request,
        "livestreams/room.html",
        {
            "session": session,
            "can_manage": can_manage,
            "can_comment": can_comment,
            "muted": is_muted(session=session, user=request.user),
            "comments": comments,
            "slow_mode_choices": _slow_mode_choices(session.slow_mode_seconds),
            "viewers": viewer_count(session.pk),
            "hls_url": config["hlsUrl"],
            "form": CommentForm(),
            "room_config": config,
            "room_i18n": {**_room_i18n(), **parts["i18n"]},
            "room_parts": parts["templates"],
            "room_part_scripts": parts["scripts"],
            **parts["context"],
        },
    )
    _allow_the_players(response, replay_url=config["replayUrl"])
    if not request.user.is_authenticated and not request.get_signed_cookie(
        VIEWER_COOKIE, default=None, salt=VIEWER_COOKIE_SALT
    ):
        # Lets the tabs of one anonymous visitor count once; it carries nothing but a random id.
        response.set_signed_cookie(
            VIEWER_COOKIE,
            secrets.token_hex(12),
            salt=VIEWER_COOKIE_SALT,
            max_age=365 * 24 * 3600,
            # Like the session cookie: never over plain http once the site is served over https.
            secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _room_i18n() -> dict:
    """The words room.js shows, in the page's language."""
    words = {
        "send": _("Send"),
        "remove": _("Remove"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "nobody": _("Nobody."),
        "empty": _("Write something first."),
        "offline": _("Not connected; reconnecting…"),
        "muted": _("A moderator has muted you in this session."),
        "closed": _("Comments are closed for this session."),
        "connecting": _("Connecting to the livestream…"),
        "waitingForStream": _("Waiting for the host to start the stream…"),
        "liveExternal": _("This session is live on an external platform."),
        "ended": _("The livestream has ended."),
        "endedReplay": _("The livestream has ended; the replay is below."),
        "cancelled": _("This session was cancelled."),
        "connectingChat": _("Connecting…"),
        "online": _("Connected"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "signIn": _("Sign in to join this room."),
        "forbidden": _("This room is for the session's audience only."),
    }
    return {k: str(v) for k, v in words.items()}


def _slow_mode_choices(current: int) -> list[tuple[int, str]]:
    seconds = sorted({0, 5, 10, 30, 60, 120, SLOW_MODE_MAX_SECONDS, current})
    return [(s, str(_("Off")) if s == 0 else str(_("%(s)d seconds")) % {"s": s}) for s in seconds]


@require_POST
def comment_create(request, pk: int):
    """The comment form without JavaScript: post, then back to the room."""
    try:
        session, _can_manage = _session_or_login(request, pk)
    except _SignIn:
        return redirect_to_login(reverse("livestreams:room", args=[pk]))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_post(session=session, user=request.user, text=form.cleaned_data["text"])
            messages.success(request, _("Your comment is posted."))
        except RoomError as error:
            messages.error(request, error.message)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("livestreams:room", args=[pk]) + "#comments")
