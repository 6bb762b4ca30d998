"""Where a sales session is watched when it streams on an external platform: an embedded player where the
platform offers one, else a plain link out ("在抖音观看").

Only addresses of the platform's own hosts are accepted (`platform_url_error`, used by the registration
forms) and shown (`watch_target`, used by the live room). The embedded player's address is never the
merchant's URL: the hub builds it from the room number it reads out of an allow-listed URL, on a fixed
player host (`EMBED_HOSTS`), so no page can be framed from an arbitrary host.

What the platforms allow (2026):
- Bilibili (哔哩哔哩直播): embeddable. Live rooms (live.bilibili.com/<room>) play in
  www.bilibili.com/blackboard/live/live-activity-player.html?cid=<room>; videos and replays
  (www.bilibili.com/video/<BV id>) in player.bilibili.com/player.html?bvid=<BV id>.
- 抖音, 快手, 淘宝直播, 视频号, 京东: no embeddable live player for other sites (their live pages refuse to be
  framed, 视频号 plays inside WeChat only): a link out.

The live room's Content-Security-Policy lets it frame EMBED_HOSTS and nothing else (livestreams/views/room.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.utils.translation import gettext_lazy as _

# Registrable domains per platform (a host is the domain itself or one of its subdomains).
PLATFORM_DOMAINS: dict[str, tuple[str, ...]] = {
    "douyin": ("douyin.com", "iesdouyin.com"),
    "kuaishou": ("kuaishou.com", "gifshow.com"),
    "taobao": ("taobao.com", "tmall.com", "tb.cn"),
    "channels": ("channels.weixin.qq.com",),
    "jd": ("jd.com", "3.cn"),
    "bilibili": ("bilibili.com", "b23.tv"),
}

# The hosts the room may frame (frame-src): the players the hub builds addresses for.
EMBED_HOSTS = ("https://www.bilibili.com", "https://player.bilibili.com")

# "在抖音观看": the link's words per platform.
WATCH_LABELS = {
    "douyin": _("Watch on Douyin"),
    "kuaishou": _("Watch on Kuaishou"),
    "taobao": _("Watch on Taobao Live"),
    "channels": _("Watch on WeChat Channels"),
    "jd": _("Watch on JD"),
    "bilibili": _("Watch on Bilibili"),
}

_BILIBILI_ROOM = re.compile(r"^/(?:h5/)?(\d{1,12})/?$")
_BILIBILI_VIDEO = re.compile(r"^/video/(BV[0-9A-Za-z]{10})/?$")


def _host_allowed(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def platform_url_ok(platform: str, url: str) -> bool:
    """Whether url is an https address on one of the platform's own hosts."""
    domains = PLATFORM_DOMAINS.get(platform)
    if not domains or not url:
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    return (
        parts.scheme == "https"
        and port in (None, 443)
        and not parts.username
        and not parts.password
        and _host_allowed(host, domains)
    )


def platform_url_error(platform: str, url: str) -> str | None:
    """The message for a form when url is not a link to the platform (None when it is, or when empty)."""
    if not url or platform == "hub":
        return None
    if platform_url_ok(platform, url):
        return None
    domains = PLATFORM_DOMAINS.get(platform, ())
    return str(
        _("Give the https address of the livestream on the platform itself (%(hosts)s).")
        % {"hosts": ", ".join(domains)}
    )


def embed_url(platform: str, url: str) -> str | None:
    """The address of the platform's embeddable player for url, or None when the platform has none."""
    if platform != "bilibili" or not platform_url_ok(platform, url):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == "live.bilibili.com":
        room = _BILIBILI_ROOM.match(parts.path)
        if room:
            query = urlencode({"cid": room.group(1), "quality": 0})
            return f"https://www.bilibili.com/blackboard/live/live-activity-player.html?{query}"
    if host in ("www.bilibili.com", "m.bilibili.com"):
        video = _BILIBILI_VIDEO.match(parts.path)
        if video:
            return f"https://player.bilibili.com/player.html?{urlencode({'bvid': video.group(1), 'autoplay': 0})}"
    return None


@dataclass(frozen=True)
class WatchTarget:
    """What the room shows: an embedded player (embed_url) and/or a link out (link_url, link_label)."""

    platform: str
    embed_url: str | None
    link_url: str | None
    link_label: str


def watch_target(platform: str, url: str) -> WatchTarget | None:
    """The room's player for a session on an external platform; None for the hub's own room or a URL that
    is not on the platform's hosts (never linked nor framed)."""
    if platform == "hub" or not platform_url_ok(platform, url):
        return None
    return WatchTarget(
        platform=platform,
        embed_url=embed_url(platform, url),
        link_url=url,
        link_label=str(WATCH_LABELS.get(platform, _("Watch on the platform"))),
    )
