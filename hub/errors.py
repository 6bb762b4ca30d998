"""The refusal and error pages: 403, 404 and the CSRF failure in the site's layout, and a 500 page that needs
nothing but templates. Django's own handlers render templates/403.html and 404.html (with the request's
context, in the request's language); the two below replace Django's 500 handler and CSRF failure view."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.defaults import page_not_found

logger = logging.getLogger(__name__)

# When even the layout cannot be rendered (a broken template, a missing static manifest), this page still is.
BARE_500 = (
    '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>500</title>'
    "<h1>服务器出错 / Server error</h1><p><a href='/'>首页 / Home</a></p></html>"
)


def server_error(request):
    """handler500. The layout is rendered without the context processors: they read the session, the user and
    the notifications from the database, which may be what failed. The page is in the request's language (the
    locale middleware has already chosen it) and shows the visitor's navigation."""
    context = {
        "request": request,
        "user": AnonymousUser(),
        "site_name": settings.HUB_SITE_NAME,
    }
    try:
        html = render_to_string("500.html", context)
    except Exception:
        logger.exception("the 500 page itself failed to render")
        html = BARE_500
    return HttpResponseServerError(html)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: an expired or foreign form is a 403 that says what to do, not Django's English page."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


class DebugNotFoundMiddleware:
    """With DEBUG on (`make run`, what newcomers and pilots run) Django answers every 404 with its technical page,
    which lists the site's URL patterns and is in English. This puts the product's 404 page in its place, so
    that a pilot sees the same page as production; developers who want Django's page set
    HUB_DEBUG_TECHNICAL_404=1. (403 and the CSRF failure already use the product's pages in DEBUG; a 500 keeps
    Django's traceback page in DEBUG, which is what a developer needs.) Last in MIDDLEWARE, so that the page is
    rendered with the session, the user and the language of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and not settings.HUB_DEBUG_TECHNICAL_404
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request, Http404())
        return response
