"""The media area's pages (stream key, recorded lecture) and the media server's callbacks.

Callbacks come from nginx-rtmp only: they must carry the shared secret and come from one of the media
server's addresses; nginx-rtmp reads any 2xx as "go on" and anything else as "refuse / cut the stream".
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hub.forms_utils import form_add_service_errors
from livestreams.forms.media import CallbackForm, LectureForm
from livestreams.models import LiveSession
from livestreams.permissions import get_session_for_user
from livestreams.playback import (
    has_hub_replay,
    hls_playlist_url,
    replay_file_url,
    replay_version,
    stream_name,
)
from livestreams.playback import playback_links as links_for
from livestreams.selectors.media import (
    lecture_of,
    publishes_of,
    recordings_of,
    stream_key_window,
    streams_for_user,
)
from livestreams.services import media

log = logging.getLogger(__name__)

# --- the media server's callbacks ---------------------------------------------------------------------


def _address_allowed(raw: str) -> bool:
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for allowed in settings.HUB_MEDIA_CALLBACK_ADDRESSES:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def _from_media_server(request) -> bool:
    secret = request.GET.get("secret", "")
    return _address_allowed(request.META.get("REMOTE_ADDR", "")) and hmac.compare_digest(
        secret.encode(), settings.HUB_MEDIA_SECRET.encode()
    )


def media_callback(handler):
    """Refuse callers that are not the media server, parse the form, then call the handler."""

    @csrf_exempt
    @require_POST
    def view(request):
        if not _from_media_server(request):
            log.warning("media callback refused from %s", request.META.get("REMOTE_ADDR"))
            return HttpResponse("forbidden\n", status=403, content_type="text/plain")
        form = CallbackForm(request.POST)
        if not form.is_valid():
            return HttpResponse("bad request\n", status=400, content_type="text/plain")
        return handler(request, form.cleaned_data)

    view.__name__ = handler.__name__
    return view


def _answer(verdict: media.Verdict, data: dict, call: str) -> HttpResponse:
    if verdict.ok:
        return HttpResponse("ok\n", content_type="text/plain")
    log.info("media server %s of %s refused: %s", call, data["name"], verdict.reason)
    return HttpResponse(verdict.reason + "\n", status=403, content_type="text/plain")


@media_callback
def on_publish(request, data):
    verdict = media.publish_begin(
        name=data["name"], key=data["key"], client_id=data["clientid"], address=data["addr"] or None
    )
    return _answer(verdict, data, "publish")


@media_callback
def on_update(request, data):
    verdict = media.publish_update(name=data["name"], key=data["key"], client_id=data["clientid"])
    return _answer(verdict, data, "update")


@media_callback
def on_publish_done(request, data):
    media.publish_end(name=data["name"], client_id=data["clientid"])
    return HttpResponse("ok\n", content_type="text/plain")


@media_callback
def on_record_done(request, data):
    if media.recording_add(name=data["name"], path=data["path"]) is None:
        return HttpResponse("not a recording of a session\n", status=400, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


# --- pages for hosts and organizers ---------------------------------------------------------------


def _managed_session(request, pk: int) -> LiveSession:
    """A session the user manages; 404 outside their scope, 403 where they may only watch."""
    session, can_manage = get_session_for_user(request.user, pk)
    if not can_manage:
        raise PermissionDenied
    return session


def _managed_class(request, pk: int) -> LiveSession:
    session = _managed_session(request, pk)
    if session.kind != LiveSession.Kind.PARTY_CLASS or session.playback != LiveSession.Playback.HUB:
        raise Http404
    return session


@login_required
@require_GET
def streams(request):
    return render(
        request, "livestreams/media/streams.html", {"sessions": streams_for_user(user=request.user)}
    )


@never_cache  # the page shows the secret key: no cache may keep it
@login_required
@require_GET
def stream(request, pk: int):
    session = _managed_session(request, pk)
    window = stream_key_window(session)
    context = {
        "session": session,
        "window": window,
        "rehearsal": window.state == "valid" and window.now < session.starts_at,
    }
    if session.playback == LiveSession.Playback.HUB:
        # Made with the session (a GET writes nothing); an ended or cancelled session takes no stream.
        takes_stream = session.status not in (LiveSession.Status.ENDED, LiveSession.Status.CANCELLED)
        key = session.stream_key if takes_stream else ""
        name = stream_name(session)
        context.update(
            server_url=settings.HUB_MEDIA_RTMP_URL,
            obs_key=f"{name}?key={key}" if key else "",
            full_url=f"{settings.HUB_MEDIA_RTMP_URL.rstrip('/')}/{name}?key={key}" if key else "",
            hls_url=hls_playlist_url(session),
            links_refresh_in=links_for(session)["refreshIn"],
            publishes=publishes_of(session),
            recordings=recordings_of(session),
            lecture=lecture_of(session) if session.kind == LiveSession.Kind.PARTY_CLASS else None,
            is_class=session.kind == LiveSession.Kind.PARTY_CLASS,
            update_seconds=settings.HUB_MEDIA_UPDATE_SECONDS,
        )
    return render(request, "livestreams/media/stream.html", context)


@login_required
@require_POST
def stream_key_rotate(request, pk: int):
    session = _managed_session(request, pk)
    try:
        media.stream_key_rotate(session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "A new stream key was made. The old key no longer works; a stream using it stops within %(s)s seconds."
            )
            % {"s": settings.HUB_MEDIA_UPDATE_SECONDS},
        )
    return redirect("media:stream", pk=session.pk)


@login_required
@require_POST
def playback_links_rotate(request, pk: int):
    session = _managed_session(request, pk)
    if session.playback != LiveSession.Playback.HUB:
        raise Http404
    media.playback_links_rotate(session=session)
    messages.success(
        request,
        _(
            "New viewing links were made. Copied links no longer work; people in the live room get new ones by themselves."
        ),
    )
    return redirect("media:stream", pk=session.pk)


# --- viewing links: for everyone who may see the session ----------------------------------------------


@never_cache  # signed links: no cache may keep them past their time
@require_GET
def playback_links(request, pk: int):
    """Fresh signed links of the session's video for the live room and the preview, which ask again before
    they expire. Asked by anyone who may see the session (404 otherwise, as the room)."""
    session, _can_manage = get_session_for_user(request.user, pk)
    return JsonResponse(links_for(session))


@never_cache
@require_GET
def replay(request, pk: int):
    """The hub's address of a replay it made (what the session's replay link points at): who may see the
    session is sent on to a fresh signed link of the media server; anyone else is asked to sign in or 404."""
    try:
        session, _can_manage = get_session_for_user(request.user, pk)
    except Http404:
        if not request.user.is_authenticated:
            # A member who follows a shared replay link is asked to sign in, not told "not found".
            return redirect_to_login(request.get_full_path())
        raise
    if not has_hub_replay(session):
        raise Http404
    return redirect(replay_file_url(session, replay_version(session)))


def _wants_json(request) -> bool:
    return request.headers.get("X-Hub-Upload") == "1"


@login_required
@require_http_methods(["GET", "POST"])
def lecture(request, pk: int):
    session = _managed_class(request, pk)
    form = LectureForm()
    if request.method == "POST":
        form = LectureForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                media.lecture_upload(session=session, upload=form.cleaned_data["video"], user=request.user)
            except ValidationError as exc:
                form_add_service_errors(form, exc, field="video")
            else:
                messages.success(
                    request, _("The lecture was uploaded; it will be broadcast when the class starts.")
                )
                url = reverse("media:lecture", args=[session.pk])
                return JsonResponse({"ok": True, "url": url}) if _wants_json(request) else redirect(url)
        if _wants_json(request):
            errors = [str(e) for errs in form.errors.values() for e in errs]
            return JsonResponse({"ok": False, "errors": errors}, status=400)
    context = {
        "session": session,
        "lecture": lecture_of(session),
        "form": form,
        "max_mb": settings.HUB_MEDIA_LECTURE_MAX_MB,
        "can_change": session.status in (LiveSession.Status.DRAFT, LiveSession.Status.SCHEDULED),
    }
    return render(request, "livestreams/media/lecture.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def lecture_remove(request, pk: int):
    session = _managed_class(request, pk)
    try:
        removed = media.lecture_remove(session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if removed:
            messages.success(request, _("The lecture was removed."))
    return redirect("media:lecture", pk=session.pk)


@login_required
@require_POST
def lecture_stop(request, pk: int):
    session = _managed_class(request, pk)
    if media.lecture_stop(session=session):
        messages.success(request, _("The broadcast of the lecture is being stopped."))
    else:
        messages.error(request, _("The lecture is not being broadcast."))
    return redirect("media:lecture", pk=session.pk)
