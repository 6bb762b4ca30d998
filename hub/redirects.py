"""Where to go after a form: the `next` parameter, trusted only when it is a page of this hub."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default: str) -> str:
    """The request's `next` (POST, then GET) when it is a path of this site that resolves to one of its
    pages; `default` otherwise. Anything else (another host, `//host`, a scheme, a URL name such as
    "inbox", control characters, an unknown path) falls back to the default, never to an error."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if is_hub_path(request, target) else default


def is_hub_path(request, target: str) -> bool:
    """Whether `target` is a path of this site that resolves to one of its pages (the rule of next_url; the
    sign-in pages of allauth use it too: partyorgs.adapters.AccountAdapter.is_safe_url)."""
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return False
    try:
        resolve(urlsplit(target).path)
    except Resolver404:
        return False
    return True


def redirect_next(request, default: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(next_url(request, default))
