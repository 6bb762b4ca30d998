"""Pagination that never fails on a bad page number: the nearest page is shown with a message."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _


def paginate(request, object_list, *, page_number: int | None, per_page: int = 20) -> Page:
    """The requested page (1 when none is given). A number past the end shows the last page and says so."""
    paginator = Paginator(object_list, per_page, allow_empty_first_page=True)
    number = page_number or 1
    if number > paginator.num_pages:
        messages.warning(
            request,
            _("There is no page %(asked)d; showing page %(shown)d of %(total)d.")
            % {"asked": number, "shown": paginator.num_pages, "total": paginator.num_pages},
        )
        number = paginator.num_pages
    return paginator.page(number)
