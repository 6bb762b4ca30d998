"""The Content-Security-Policy header (django-csp), with the two parts that are not fixed in settings.

settings.CONTENT_SECURITY_POLICY holds the policy itself (docs/security.md explains each directive). This
middleware adds, per response:

- the media server's origin to media-src and connect-src, when HUB_HLS_BASE_URL or HUB_MEDIA_REPLAY_BASE_URL
  is an address on another origin than the hub (the media server's own port in development, a media host of
  the operator's); paths of the hub's own site (/hls/, /replays/ behind deploy/nginx) need nothing more;
- ws:// or wss:// to the host the page came from, for the sockets under /ws/. CSP Level 3 lets 'self' match
  them, but older WebKit (iOS WeChat before Safari 15.4) does not, so it is named. The host is one Django
  has already checked against ALLOWED_HOSTS.

A view adds what only it needs with `csp_allow` (the live room: the platforms' players, a replay elsewhere).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an absolute http(s) URL; None for a path or anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=8)
def _media_origins(hls_base: str, replay_base: str, public_url: str) -> tuple[str, ...]:
    # livestreams.playback builds the links this way: HLS from its base as given (a path plays from the page's
    # own origin), replays joined to the public URL.
    public = origin_of(public_url)
    found = {origin_of(hls_base), origin_of(urljoin(public_url, replay_base))}
    return tuple(sorted(o for o in found if o and o != public))


def media_origins() -> tuple[str, ...]:
    """The origins browsers fetch HLS and replays from, besides the hub's own."""
    return _media_origins(
        settings.HUB_HLS_BASE_URL, settings.HUB_MEDIA_REPLAY_BASE_URL, settings.HUB_PUBLIC_URL
    )


def csp_allow(response: HttpResponseBase, sources: dict[str, list[str]]) -> HttpResponseBase:
    """Adds sources to directives of this one response's policy, e.g. the live room's player hosts. The same
    per-response update django-csp's @csp_update decorator makes, for what a view knows only while it runs."""
    update = dict(getattr(response, "_csp_update", None) or {})
    for directive, values in sources.items():
        update[directive] = [*update.get(directive, []), *values]
    response._csp_update = update  # type: ignore[attr-defined]
    return response


def _socket_origin(request: HttpRequest) -> list[str]:
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 answered to a host not in ALLOWED_HOSTS: it opens no socket
        return []
    return [f"{'wss' if request.is_secure() else 'ws'}://{host}"]


class HubCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        media = list(media_origins())
        # A new dict: a view's @csp_update config is shared by every request to that view.
        update = {k: [v] if isinstance(v, str) else list(v) for k, v in (parts.update or {}).items()}
        update["connect-src"] = [*update.get("connect-src", []), *_socket_origin(request), *media]
        if media:
            update["media-src"] = [*update.get("media-src", []), *media]
        parts.update = update
        return parts
