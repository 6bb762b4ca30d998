"""The host's console (slot "host") and the class's learning side on the stage (courseware, make-up pings,
"waiting for the stream"), issue 15."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from livestreams.models import LiveSession, PartyClass
from livestreams.selectors.console import cohost_candidates
from livestreams.selectors.learning import courseware_of
from livestreams.views.room_registry import RoomPagePart, room_page_part

S = LiveSession.Status


@room_page_part
def host_console(request, session: LiveSession, can_manage: bool) -> RoomPagePart | None:
    if not can_manage:
        return None
    is_class = session.kind == LiveSession.Kind.PARTY_CLASS
    return RoomPagePart(
        templates={"host": ["livestreams/room/_console.html"]},
        context={
            "console_cohosts": list(session.hosts.order_by("name", "pk")),
            "console_candidates": list(cohost_candidates(session).exclude(hosted_live_sessions=session)[:200])
            if is_class
            else [],
            "console_is_class": is_class,
        },
        config={"consoleEndUrl": reverse("learning:end_now", args=[session.pk])},
        i18n={
            "consolePresent": _("Here"),
            "consoleAbsent": _("Not here"),
            "consoleLeave": _("On leave"),
            "consolePushing": _("Pushing"),
            "consoleNoPush": _("No push"),
            "consoleUnknown": _("unknown"),
            "consoleEndConfirm": _("End the session now for everyone?"),
            "waitingForPush": _("Waiting for the stream"),
        },
        scripts=["js/room_console.js"],
    )


@room_page_part
def class_learning(request, session: LiveSession, can_manage: bool) -> RoomPagePart | None:
    pc = (
        PartyClass.objects.filter(pk=session.pk).first()
        if session.kind == LiveSession.Kind.PARTY_CLASS
        else None
    )
    signed_in = request.user.is_authenticated
    config = {
        "replayPingUrl": reverse("learning:replay_ping", args=[session.pk])
        if pc is not None and signed_in and pc.makeup_days
        else None,
    }
    return RoomPagePart(
        templates={"stage": ["livestreams/room/_courseware.html"]} if pc is not None else {},
        context={"room_courseware": courseware_of(session) if pc is not None else []},
        config=config,
        i18n={"waitingForPush": _("Waiting for the stream"), "live": _("Live")},
        scripts=["js/room_learning.js"],
    )
