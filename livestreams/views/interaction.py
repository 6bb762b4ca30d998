"""The class's polls and quiz questions, prepared before the class (the room opens them live)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub.forms_utils import form_add_service_errors
from livestreams.forms.interaction import PollForm
from livestreams.models import LiveSession, Poll
from livestreams.permissions import get_session_for_user
from livestreams.selectors.interaction import session_polls
from livestreams.services.interaction import poll_delete, poll_save


def _managed_class(user, pk: int) -> LiveSession:
    session, can_manage = get_session_for_user(user, pk)
    if session.kind != LiveSession.Kind.PARTY_CLASS:
        raise Http404
    if not can_manage:
        raise PermissionDenied
    return session


def _save(request, session: LiveSession, form: PollForm, poll: Poll | None) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        poll_save(
            session=session,
            user=request.user,
            kind=data["kind"],
            prompt=data["prompt"],
            multiple=data["multiple"],
            options=data["options"],
            correct=data["correct"],
            poll=poll,
        )
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return False
    return True


@login_required
def polls(request, pk: int):
    session = _managed_class(request.user, pk)
    form = PollForm(request.POST or None)
    if request.method == "POST" and _save(request, session, form, None):
        messages.success(request, _("Saved. Open it from the live room during the class."))
        return redirect("classes:polls", pk=pk)
    return render(
        request,
        "livestreams/classes/polls.html",
        {"session": session, "polls": session_polls(session=session), "form": form},
    )


def _poll_of(session: LiveSession, poll_pk: int) -> Poll:
    poll = Poll.objects.filter(session=session, pk=poll_pk).prefetch_related("options").first()
    if poll is None:
        raise Http404
    return poll


@login_required
def poll_edit(request, pk: int, poll_pk: int):
    session = _managed_class(request.user, pk)
    poll = _poll_of(session, poll_pk)
    if poll.state != Poll.State.READY:
        messages.error(request, _("A poll that has been opened can no longer be changed."))
        return redirect("classes:polls", pk=pk)
    form = PollForm(request.POST) if request.method == "POST" else PollForm.for_poll(poll)
    if request.method == "POST" and _save(request, session, form, poll):
        messages.success(request, _("Saved. Open it from the live room during the class."))
        return redirect("classes:polls", pk=pk)
    return render(
        request, "livestreams/classes/poll_form.html", {"session": session, "poll": poll, "form": form}
    )


@login_required
@require_POST
def poll_remove(request, pk: int, poll_pk: int):
    session = _managed_class(request.user, pk)
    poll = _poll_of(session, poll_pk)
    try:
        poll_delete(session=session, user=request.user, poll=poll)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Deleted."))
    return redirect("classes:polls", pk=pk)
