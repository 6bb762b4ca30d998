"""Share cards, short links, QR codes and sign-in (签到) by scanning or tapping (livestreams/share.py)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livestreams import share
from livestreams.models import LiveSession, PartyClass
from livestreams.permissions import get_session_for_user
from livestreams.services.checkin import attendance_check_in


class _SignIn(Exception):
    pass


def _session(request, pk: int) -> tuple[LiveSession, bool]:
    """As the room does: an anonymous visitor is asked to sign in; outside the user's scope → 404."""
    try:
        return get_session_for_user(request.user, pk)
    except Http404:
        if not request.user.is_authenticated:
            raise _SignIn from None
        raise


def _signed_in_or_login(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _SignIn:
            return redirect_to_login(request.get_full_path())

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def short(request, code: str):
    """/s/<code>/: straight to the room, which checks who may watch."""
    pk = share.session_id_of(code)
    if pk is None:
        raise Http404
    return redirect("livestreams:room", pk=pk)


def _card_context(request, session: LiveSession, can_manage: bool) -> dict:
    pc = PartyClass.objects.filter(pk=session.pk).select_related("venue").first()
    link = request.build_absolute_uri(share.short_path(session))
    context = {
        "session": session,
        "pc": pc,
        "can_manage": can_manage,
        "short_url": link,
        "qr_svg": share.qr_svg(link, title=session.title),
        "venue_qr_svg": None,
    }
    if pc is not None and can_manage:
        venue = request.build_absolute_uri(share.venue_path(session, kind="wall"))
        context["venue_qr_svg"] = share.qr_svg(venue, title=_("Sign in at the venue"))
    return context


@_signed_in_or_login
def card(request, pk: int):
    session, can_manage = _session(request, pk)
    return render(request, "livestreams/share/card.html", _card_context(request, session, can_manage))


@_signed_in_or_login
def print_page(request, pk: int):
    """A4 for the venue's wall: title, time, place, a big QR code (and the sign-in one for organizers)."""
    session, can_manage = _session(request, pk)
    return render(request, "livestreams/share/print.html", _card_context(request, session, can_manage))


@_signed_in_or_login
def qr_image(request, pk: int, fmt: str):
    session, _can_manage = _session(request, pk)
    link = request.build_absolute_uri(share.short_path(session))
    if fmt == "svg":
        response = HttpResponse(share.qr_svg(link, title=session.title), content_type="image/svg+xml")
    else:
        response = HttpResponse(share.qr_png(link), content_type="image/png")
        response["Content-Disposition"] = f'inline; filename="session-{session.pk}-qr.png"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _managed_class(request, pk: int) -> LiveSession:
    session, can_manage = _session(request, pk)
    if not PartyClass.objects.filter(pk=session.pk).exists():
        raise Http404
    if not can_manage:
        raise PermissionDenied
    return session


@_signed_in_or_login
def checkin_screen(request, pk: int):
    """For the venue's screen: a sign-in QR code that changes every SCREEN_WINDOW_SECONDS (htmx polls)."""
    session = _managed_class(request, pk)
    venue = request.build_absolute_uri(share.venue_path(session, kind="screen"))
    context = {
        "session": session,
        "venue_qr_svg": share.qr_svg(venue, scale=10, title=_("Sign in at the venue")),
        "refresh_seconds": share.SCREEN_WINDOW_SECONDS // 3,
        "window": int(time.time() // share.SCREEN_WINDOW_SECONDS),
    }
    if request.htmx:
        return render(request, "livestreams/share/_screen_qr.html", context)
    return render(request, "livestreams/share/screen.html", context)


def venue_checkin(request, code: str, token: str):
    """/s/<code>/in/<token>/: the venue's QR code. Signs the member in, then opens the room."""
    pk = share.session_id_of(code)
    if pk is None:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session, _can_manage = get_session_for_user(request.user, pk)
    room = reverse("livestreams:room", args=[pk])
    if share.venue_token_session(token) != pk:
        messages.error(
            request,
            _(
                "This sign-in QR code has expired. Scan the one shown at the venue now, or sign in in the room."
            ),
        )
        return redirect(room)
    try:
        done = attendance_check_in(user=request.user, session=session, at_venue=True)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You are signed in.") if done.newly else _("You had already signed in."))
    return redirect(room)


@require_POST
@_signed_in_or_login
def room_checkin(request, pk: int):
    """The room's sign-in button without JavaScript (with it, the room sends `checkin` over its socket)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("livestreams:room", args=[pk]))
    session, _can_manage = _session(request, pk)
    code = request.POST.get("code", "")[:8]
    try:
        done = attendance_check_in(user=request.user, session=session, code=code)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You are signed in.") if done.newly else _("You had already signed in."))
    return redirect("livestreams:room", pk=pk)
