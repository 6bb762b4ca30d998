"""The host's console actions outside the socket (issue 15): end now, co-hosts. Thin views."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livestreams.permissions import get_session_for_user
from livestreams.services.console import session_cohost_add, session_cohost_remove, session_end_now


class CohostForm(forms.Form):
    cohost = forms.IntegerField(min_value=1)


def _managed(request, pk: int):
    session, can_manage = get_session_for_user(request.user, pk)
    if not can_manage:
        raise PermissionDenied
    return session


@login_required
@require_POST
def end_now(request, pk: int):
    session = _managed(request, pk)
    try:
        session_end_now(user=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The session has ended."))
    return redirect("livestreams:room", pk=pk)


@login_required
@require_POST
def cohost_add(request, pk: int):
    session = _managed(request, pk)
    form = CohostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a member of the host organization or of the audience."))
        return redirect("livestreams:room", pk=pk)
    try:
        cohost = session_cohost_add(user=request.user, session=session, cohost_id=form.cleaned_data["cohost"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s can now moderate this session.") % {"name": cohost})
    return redirect("livestreams:room", pk=pk)


@login_required
@require_POST
def cohost_remove(request, pk: int, user_pk: int):
    session = _managed(request, pk)
    session_cohost_remove(user=request.user, session=session, cohost_id=user_pk)
    messages.success(request, _("Co-host removed."))
    return redirect("livestreams:room", pk=pk)
