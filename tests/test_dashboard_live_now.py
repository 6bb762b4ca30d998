"""/ws/live-now/ through the real ASGI stack (session cookie, origin check, Redis channel layer): a
snapshot, then only the events of sessions the connected user may see."""

import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone

from config.asgi import application
from hub.redis import get_redis
from livestreams.models import LiveSession
from livestreams.realtime import live_now_publish, presence_key
from livestreams.services.sessions import session_end, session_start
from tests import factories as f
from tests.support import client_for

pytestmark = pytest.mark.django_db(transaction=True)
PUBLIC, AUDIENCE = LiveSession.Visibility.PUBLIC, LiveSession.Visibility.AUDIENCE


def cookie_of(user) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver")]
    if user is not None:
        key = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    return headers


def socket(headers, path="/ws/live-now/"):
    """headers from cookie_of(user), taken before the event loop runs (signing in uses the database)."""
    return WebsocketCommunicator(application, path, headers=headers)


def live(org, title, visibility=PUBLIC, **kwargs):
    now = timezone.now()
    return f.LiveSessionFactory(
        host_organization=org,
        title=title,
        visibility=visibility,
        status=LiveSession.Status.LIVE,
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
        went_live_at=now - timedelta(minutes=10),
        **kwargs,
    )


def scheduled(org, title, visibility=PUBLIC, audience=None):
    now = timezone.now()
    return f.LiveSessionFactory(
        host_organization=org,
        title=title,
        visibility=visibility,
        starts_at=now + timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        audience_orgs=audience or [],
    )


def watching(session, n):
    get_redis().zadd(presence_key(session.pk), {f"viewer-{i}": time.time() + 120 for i in range(n)})


@pytest.fixture
def places(world):
    return world


def test_it_sends_a_snapshot_of_what_is_live_with_viewer_counts(places, member):
    public = live(places.branch_a, "公开党课", PUBLIC)
    members_only = live(places.branch_a, "支部内部党课", AUDIENCE, audience_orgs=[places.branch_a])
    watching(public, 2)
    watching(members_only, 5)
    anonymous_headers, member_headers = cookie_of(None), cookie_of(member)

    async def scenario():
        anonymous = socket(anonymous_headers)
        assert (await anonymous.connect())[0]
        snapshot = await anonymous.receive_json_from(timeout=5)
        assert snapshot["type"] == "snapshot"
        assert [(s["id"], s["title"], s["viewers"]) for s in snapshot["sessions"]] == [
            (public.pk, "公开党课", 2)
        ]
        assert snapshot["sessions"][0]["url"] == f"/live/{public.pk}/"
        await anonymous.disconnect()

        comm = socket(member_headers)
        assert (await comm.connect())[0]
        titles = {s["title"]: s["viewers"] for s in (await comm.receive_json_from(timeout=5))["sessions"]}
        assert titles == {"公开党课": 2, "支部内部党课": 5}
        await comm.disconnect()

    async_to_sync(scenario)()


def test_it_forwards_a_session_that_starts_only_to_those_who_may_see_it(places, member, official):
    members_only = scheduled(places.root_a, "支部党课", AUDIENCE, audience=[places.branch_a])
    public = scheduled(places.root_a, "公开推介")
    headers = {"anonymous": cookie_of(None), "member": cookie_of(member), "official": cookie_of(official)}

    async def scenario():
        sockets = {
            "anonymous": socket(headers["anonymous"]),
            "member": socket(headers["member"]),
            "official": socket(headers["official"], "/ws/live-now/?dashboard=1"),
        }
        for comm in sockets.values():
            assert (await comm.connect())[0]
            assert (await comm.receive_json_from(timeout=5))["sessions"] == []
        await sync_to_async(session_start)(session_id=members_only.pk)
        await sync_to_async(session_start)(session_id=public.pk)
        for name in ("member", "official"):
            first = await sockets[name].receive_json_from(timeout=5)
            assert first["type"] == "session_status"
            assert first["session"]["id"] == members_only.pk
            assert first["session"]["status"] == "live"
            assert first["session"]["title"] == "支部党课"
            assert first["session"]["kind"] == "party_class"
            assert (await sockets[name].receive_json_from(timeout=5))["session"]["id"] == public.pk
        # The anonymous visitor's first event is the public one: the members-only one never came.
        assert (await sockets["anonymous"].receive_json_from(timeout=5))["session"]["id"] == public.pk
        await sync_to_async(session_end)(session_id=public.pk)
        ended = await sockets["anonymous"].receive_json_from(timeout=5)
        assert (ended["session"]["id"], ended["session"]["status"]) == (public.pk, "ended")
        for comm in sockets.values():
            await comm.disconnect()

    async_to_sync(scenario)()


def test_a_dashboard_socket_follows_only_its_own_region(places, official):
    elsewhere = scheduled(places.root_b, "外区公开直播")
    at_home = scheduled(places.root_a, "本区公开直播")
    headers = cookie_of(official)

    async def scenario():
        dashboard = socket(headers, "/ws/live-now/?dashboard=1")
        home = socket(headers)
        for comm in (dashboard, home):
            assert (await comm.connect())[0]
            await comm.receive_json_from(timeout=5)
        await sync_to_async(session_start)(session_id=elsewhere.pk)
        await sync_to_async(session_start)(session_id=at_home.pk)
        # On the home page a public session of anywhere is news; on the district's dashboard it is not.
        assert (await home.receive_json_from(timeout=5))["session"]["id"] == elsewhere.pk
        assert (await home.receive_json_from(timeout=5))["session"]["id"] == at_home.pk
        assert (await dashboard.receive_json_from(timeout=5))["session"]["id"] == at_home.pk
        for comm in (dashboard, home):
            await comm.disconnect()

    async_to_sync(scenario)()


def test_a_dashboard_socket_follows_the_dashboards_filters(places, official):
    in_building = scheduled(places.committee_a, "大厦党委直播")
    outside_building = scheduled(places.branch_a2, "机关支部直播")
    headers = cookie_of(official)

    async def scenario():
        comm = socket(headers, f"/ws/live-now/?dashboard=1&building={places.building_a.pk}")
        assert (await comm.connect())[0]
        await comm.receive_json_from(timeout=5)
        await sync_to_async(session_start)(session_id=outside_building.pk)
        await sync_to_async(session_start)(session_id=in_building.pk)
        assert (await comm.receive_json_from(timeout=5))["session"]["id"] == in_building.pk
        await comm.disconnect()

    async_to_sync(scenario)()


def test_it_forwards_viewer_counts_only_of_sessions_the_user_may_see(places, official):
    mine = live(places.root_a, "本区直播", AUDIENCE)
    theirs = live(places.root_b, "外区内部直播", AUDIENCE)
    headers = cookie_of(official)

    async def scenario():
        comm = socket(headers, "/ws/live-now/?dashboard=1")
        assert (await comm.connect())[0]
        assert [s["id"] for s in (await comm.receive_json_from(timeout=5))["sessions"]] == [mine.pk]
        await sync_to_async(live_now_publish)({"type": "viewers", "session_id": theirs.pk, "count": 99})
        await sync_to_async(live_now_publish)({"type": "viewers", "session_id": "not-a-number", "count": 1})
        await sync_to_async(live_now_publish)({"type": "unknown", "session_id": mine.pk})
        await sync_to_async(live_now_publish)({"type": "viewers", "session_id": mine.pk, "count": 7})
        assert await comm.receive_json_from(timeout=5) == {
            "type": "viewers",
            "session_id": mine.pk,
            "count": 7,
        }
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("persona", ["member", "merchant", "organizer", "outsider", "anonymous"])
def test_it_refuses_the_dashboard_socket_to_anyone_but_officials_and_staff(places, personas, persona):
    headers = cookie_of(personas[persona])

    async def scenario():
        comm = socket(headers, "/ws/live-now/?dashboard=1")
        connected, _ = await comm.connect()
        assert not connected
        await comm.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize(
    "query", ["building={building_b}", "organization={root_b}", "building=abc", "date_from=x"]
)
def test_it_refuses_a_dashboard_socket_with_filters_outside_the_scope_or_wrong(places, official, query):
    path = "/ws/live-now/?dashboard=1&" + query.format(
        building_b=places.building_b.pk, root_b=places.root_b.pk
    )
    headers = cookie_of(official)

    async def scenario():
        comm = socket(headers, path)
        connected, _ = await comm.connect()
        assert not connected
        await comm.disconnect()

    async_to_sync(scenario)()


def test_it_refuses_sockets_from_other_sites(places, official):
    headers = [h for h in cookie_of(official) if h[0] != b"origin"] + [(b"origin", b"http://evil.example")]

    async def scenario():
        comm = WebsocketCommunicator(application, "/ws/live-now/", headers=headers)
        connected, _ = await comm.connect()
        assert not connected
        await comm.disconnect()

    async_to_sync(scenario)()
