"""Pages of studios: the list per building, one studio's week calendar, adding and changing studios."""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from hub.forms_utils import form_add_service_errors
from livestreams.forms.sales import DT_FORMAT
from livestreams.forms.studios import StudioForm, WeekForm
from livestreams.selectors.studios import (
    can_book_studio,
    get_studio_for_user,
    studio_week,
    studios_availability,
    studios_visible,
    week_start,
)
from livestreams.services.studios import earliest_held_start, studio_create, studio_update
from partyorgs.permissions import get_scope, role_required

DEFAULT_SLOT = timedelta(hours=2)


@role_required("merchant", "organizer", "official", "staff")
def studio_list(request):
    scope = get_scope(request.user)
    studios = list(studios_visible(request.user).order_by("building__name", "name"))
    buildings = [(b, list(group)) for b, group in groupby(studios, key=lambda s: s.building)]
    return render(
        request,
        "livestreams/studios/list.html",
        {"buildings": buildings, "can_add": scope.is_staff or scope.is_organizer},
    )


def _book_link(studio, start, end) -> str:
    end = min(end, start + DEFAULT_SLOT)
    query = urlencode(
        {
            "studio": studio.pk,
            "starts_at": timezone.localtime(start).strftime(DT_FORMAT),
            "ends_at": timezone.localtime(end).strftime(DT_FORMAT),
        }
    )
    return f"{reverse('sales:new')}?{query}"


@login_required
def studio_detail(request, pk: int):
    studio, can_manage = get_studio_for_user(request.user, pk)
    form = WeekForm(request.GET or None)
    today = timezone.localdate()
    day = form.cleaned_data.get("week") if form.is_valid() else None
    first = week_start(day or today)
    calendar = studio_week(studio=studio, user=request.user, first_day=first, can_manage=can_manage)
    can_book = can_book_studio(request.user, studio)
    earliest = earliest_held_start(timezone.now())
    for day_row in calendar:
        day_row.bookable = [
            (
                s,
                e,
                _book_link(studio, max(s, earliest), e)
                if can_book and e - max(s, earliest) >= timedelta(minutes=30)
                else "",
            )
            for s, e in day_row.free
        ]
    return render(
        request,
        "livestreams/studios/detail.html",
        {
            "studio": studio,
            "can_manage": can_manage,
            "can_book": can_book,
            "calendar": calendar,
            "form": form,
            "week": first,
            "prev_week": first - timedelta(days=7),
            "next_week": first + timedelta(days=7),
            "today": today,
        },
    )


@role_required("merchant", "organizer", "official", "staff")
def studio_availability(request):
    """Free and busy per studio and day for a week, before booking; a free stretch links to the
    registration form prefilled with that studio and time."""
    form = WeekForm(request.GET or None)
    today = timezone.localdate()
    day = form.cleaned_data.get("week") if form.is_valid() else None
    first = week_start(day or today)
    rows = studios_availability(user=request.user, first_day=first)
    earliest = earliest_held_start(timezone.now())
    for row in rows:
        for cell in row.cells:
            cell.links = [
                (
                    s,
                    e,
                    _book_link(row.studio, max(s, earliest), e)
                    if row.bookable and e - max(s, earliest) >= timedelta(minutes=30)
                    else "",
                )
                for s, e in cell.free
            ]
    return render(
        request,
        "livestreams/studios/availability.html",
        {
            "rows": rows,
            "form": form,
            "week": first,
            "days": [first + timedelta(days=i) for i in range(7)],
            "prev_week": first - timedelta(days=7),
            "next_week": first + timedelta(days=7),
            "today": today,
        },
    )


@role_required("organizer", "staff")
def studio_new(request):
    form = StudioForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            studio = studio_create(**form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Studio added."))
            return redirect("studios:detail", pk=studio.pk)
    return render(request, "livestreams/studios/form.html", {"form": form, "studio": None})


@login_required
def studio_edit(request, pk: int):
    studio, can_manage = get_studio_for_user(request.user, pk)
    if not can_manage:
        raise PermissionDenied
    form = StudioForm(request.POST or None, instance=studio, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "building"}
        try:
            studio_update(studio=studio, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Studio saved."))
            return redirect("studios:detail", pk=studio.pk)
    return render(request, "livestreams/studios/form.html", {"form": form, "studio": studio})
