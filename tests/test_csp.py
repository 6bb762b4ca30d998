"""Every page the hub renders carries an enforced Content-Security-Policy (django-csp, hub/csp.py): scripts and
styles only from the hub's own files, no plugins, no framing, forms only to the hub (and WeChat's sign-in).
The browser tests fail on any violation (tests/conftest.py); test_csp_browser.py shows an injected script
refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import path

import config.urls
from livestreams.models import LiveSession
from livestreams.watch import EMBED_HOSTS
from tests import factories as f
from tests.support import client_for

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug in a view")


# This module is also the URLconf of the 500 test: the hub's own pages plus one view that fails.
urlpatterns = [path("csp-test-boom/", _boom), *config.urls.urlpatterns]
handler500 = config.urls.handler500


def policy_of(response) -> dict[str, list[str]]:
    """The enforced policy as directive -> sources; fails when the header is missing or only report-only."""
    assert "Content-Security-Policy-Report-Only" not in response
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {header}"
        directives[name] = sources
    return directives


def assert_the_hubs_policy(response) -> dict[str, list[str]]:
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'", "https://open.weixin.qq.com"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["media-src"][:2] == ["'self'", "blob:"]
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert policy["connect-src"][:2] == ["'self'", "ws://testserver"]
    for sources in policy.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources and "*" not in sources
    return policy


@pytest.fixture
def live(world):
    return f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.LIVE, audience_orgs=[world.branch_a]
    )


def test_it_sends_the_policy_on_the_home_page_signed_in_or_not(world, member):
    for client in (Client(), client_for(member)):
        response = client.get("/")
        assert response.status_code == 200
        assert_the_hubs_policy(response)


def test_it_sends_the_policy_on_the_room_which_alone_may_frame_the_platforms_players(live, member):
    response = client_for(member).get(f"/live/{live.pk}/")
    assert response.status_code == 200
    policy = assert_the_hubs_policy(response)
    assert policy["frame-src"] == list(EMBED_HOSTS)
    # The room's addition is not left behind for the next page.
    assert "frame-src" not in policy_of(client_for(member).get("/"))


def test_it_sends_the_policy_on_the_dashboard(world, official):
    response = client_for(official).get("/dashboard/")
    assert response.status_code == 200
    assert "frame-src" not in assert_the_hubs_policy(response)


@pytest.mark.parametrize("url", ["/admin/login/", "/accounts/login/"])
def test_it_sends_the_policy_on_the_admin_and_sign_in_pages(world, url):
    response = Client().get(url)
    assert response.status_code == 200
    assert_the_hubs_policy(response)


def test_it_sends_the_policy_on_the_admin_to_staff(world, staff):
    response = client_for(staff).get("/admin/partyorgs/partyorganization/")
    assert response.status_code == 200
    assert_the_hubs_policy(response)


def test_it_sends_the_policy_on_refusals_and_errors(world, member):
    assert_the_hubs_policy(Client().get("/no-such-page/"))
    refused = client_for(member).get("/dashboard/")
    assert refused.status_code == 403
    assert_the_hubs_policy(refused)


@pytest.mark.urls(__name__)
def test_it_sends_the_policy_on_the_500_page(world):
    response = Client(raise_request_exception=False).get("/csp-test-boom/")
    assert response.status_code == 500
    assert 'data-error="500"' in response.content.decode()
    assert_the_hubs_policy(response)


def test_over_https_the_sockets_are_wss_to_the_host_asked(world):
    response = Client().get("/", secure=True, headers={"host": "localhost"})
    assert policy_of(response)["connect-src"] == ["'self'", "wss://localhost"]


def test_a_host_not_allowed_gets_its_400_with_the_policy_not_a_500(world):
    response = Client().get("/", headers={"host": "evil.example.com"})
    assert response.status_code == 400
    assert policy_of(response)["connect-src"] == ["'self'"]


def test_a_media_server_on_its_own_origin_is_allowed_for_video_and_nothing_else(
    world, live, member, settings
):
    """The origin comes from the settings that build the links (livestreams/playback.py), nothing to add."""
    settings.HUB_HLS_BASE_URL = "https://media.example.cn:8443/hls/"
    settings.HUB_MEDIA_REPLAY_BASE_URL = "https://replays.example.cn/replays/"
    policy = policy_of(client_for(member).get(f"/live/{live.pk}/"))
    expected = ["https://media.example.cn:8443", "https://replays.example.cn"]
    assert policy["media-src"] == ["'self'", "blob:", *expected]
    assert policy["connect-src"] == ["'self'", "ws://testserver", *expected]
    assert policy["script-src"] == ["'self'"] and policy["img-src"] == ["'self'", "data:", "blob:"]


@pytest.mark.parametrize(
    ("replay", "connect"),
    [("https://cdn.example.org/class-1.mp4", False), ("https://cdn.example.org/class-1/index.m3u8", True)],
)
def test_a_replay_linked_on_another_site_may_play_in_that_room_only(world, member, replay, connect):
    ended = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.ENDED,
        audience_orgs=[world.branch_a],
        replay_url=replay,
    )
    client = client_for(member)
    policy = policy_of(client.get(f"/live/{ended.pk}/"))
    assert policy["media-src"] == ["'self'", "blob:", "https://cdn.example.org"]
    assert ("https://cdn.example.org" in policy["connect-src"]) is connect
    assert "https://cdn.example.org" not in policy_of(client.get("/"))["media-src"]


def test_media_behind_the_hubs_own_proxy_adds_no_origin(world, settings):
    settings.HUB_PUBLIC_URL = "https://hub.example.cn"
    settings.HUB_HLS_BASE_URL = "/hls/"
    settings.HUB_MEDIA_REPLAY_BASE_URL = "https://hub.example.cn/replays/"
    policy = policy_of(Client().get("/"))
    assert policy["media-src"] == ["'self'", "blob:"]
    assert policy["connect-src"] == ["'self'", "ws://testserver"]


def test_the_pages_carry_no_inline_script_style_or_handler(live, member, organizer, official):
    """What the policy would refuse is not in the templates in the first place (it would break the page)."""
    pages = [
        (Client(), "/"),
        (Client(), "/accounts/login/"),
        (client_for(member), f"/live/{live.pk}/"),
        (client_for(member), "/classes/calendar/"),
        (client_for(official), "/dashboard/"),
        (client_for(organizer), "/studios/availability/"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", html), url
        assert not re.search(r"\sstyle=\"", html), url
        assert not re.search(r"<style[\s>]", html), url
        assert not re.search(r"\son[a-z]+=\"", html), url
        assert 'name="htmx-config" content=\'{"includeIndicatorStyles": false}\'' in html, url
