"""The stream key page and the streams list: who sees a key, rotating it, and the page in a phone's browser."""

import time
from datetime import timedelta
from urllib.parse import urljoin

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from livestreams.models import LiveSession, StreamPublish
from livestreams.playback import hls_playlist_url, link_token, replay_page_url, revoked_marker
from livestreams.services.media import stream_key_ensure
from tests import factories as f
from tests.conftest import browser_login
from tests.media_support import apply_to_settings, start_media_stack
from tests.support import client_for, wait_until

S = LiveSession.Status


def _session(world, **kwargs):
    now = timezone.now()
    kwargs.setdefault("starts_at", now + timedelta(minutes=10))
    kwargs.setdefault("ends_at", kwargs["starts_at"] + timedelta(hours=1))
    return f.LiveSessionFactory(host_organization=world.root_a, audience_orgs=[world.branch_a], **kwargs)


def test_an_organizer_sees_the_server_and_the_key_for_obs(world, organizer, settings):
    settings.HUB_MEDIA_RTMP_URL = "rtmp://live.example.cn:1935/live"
    session = _session(world)
    page = client_for(organizer).get(f"/live/{session.pk}/stream/").content.decode()
    session.refresh_from_db()
    assert len(session.stream_key) >= 32
    assert 'value="rtmp://live.example.cn:1935/live"' in page
    assert f'value="session-{session.pk}?key={session.stream_key}"' in page
    assert f"rtmp://live.example.cn:1935/live/session-{session.pk}?key={session.stream_key}" in page
    assert "使用 OBS 推流" in page and "之前推流为彩排" in page
    # The key stays the same from one visit to the next.
    client_for(organizer).get(f"/live/{session.pk}/stream/")
    assert LiveSession.objects.get(pk=session.pk).stream_key == session.stream_key


def test_a_host_who_is_only_a_member_sees_the_key_of_the_session_they_host(world, member):
    session = _session(world)
    session.hosts.add(member)
    assert client_for(member).get(f"/live/{session.pk}/stream/").status_code == 200


def test_a_member_of_the_audience_never_sees_the_key(world, member):
    session = _session(world)
    key = stream_key_ensure(session_id=session.pk)
    resp = client_for(member).get(f"/live/{session.pk}/stream/")
    assert resp.status_code == 403
    assert key not in resp.content.decode()


def test_the_key_page_says_a_push_goes_live_once_the_session_started(world, organizer):
    session = _session(world, starts_at=timezone.now() - timedelta(minutes=1))
    page = client_for(organizer).get(f"/live/{session.pk}/stream/").content.decode()
    assert "开始推流即开播" in page


def test_the_key_page_says_when_the_key_opens(world, organizer):
    session = _session(world, starts_at=timezone.now() + timedelta(days=1))
    page = client_for(organizer).get(f"/live/{session.pk}/stream/").content.decode()
    assert "密钥将于" in page


def test_an_ended_session_shows_no_working_key(world, organizer):
    session = _session(world, status=S.ENDED)
    page = client_for(organizer).get(f"/live/{session.pk}/stream/").content.decode()
    assert "密钥已失效" in page
    # The session has had a key since it was made; an ended session's page does not show it.
    assert session.stream_key and session.stream_key not in page


def test_an_external_session_has_no_key(world, organizer):
    session = _session(
        world, playback=LiveSession.Playback.EXTERNAL, external_url="https://live.douyin.com/1"
    )
    page = client_for(organizer).get(f"/live/{session.pk}/stream/").content.decode()
    assert "在外部平台播出" in page
    assert "?key=" not in page


def test_rotating_the_key_makes_a_new_one(world, organizer):
    session = _session(world)
    old = stream_key_ensure(session_id=session.pk)
    resp = client_for(organizer).post(f"/live/{session.pk}/stream/rotate/", follow=True)
    assert "已生成新的推流密钥" in resp.content.decode()
    new = LiveSession.objects.get(pk=session.pk).stream_key
    assert new and new != old


def test_rotating_the_key_of_an_ended_session_is_refused(world, organizer):
    session = _session(world)
    old = stream_key_ensure(session_id=session.pk)
    LiveSession.objects.filter(pk=session.pk).update(status=S.ENDED)
    resp = client_for(organizer).post(f"/live/{session.pk}/stream/rotate/", follow=True)
    assert "密钥不能更换" in resp.content.decode()
    assert LiveSession.objects.get(pk=session.pk).stream_key == old


@pytest.mark.parametrize(
    "persona,status", [("member", 403), ("official", 403), ("merchant", 404), ("outsider", 404)]
)
def test_only_managers_may_rotate(world, personas, persona, status):
    session = _session(world)
    old = stream_key_ensure(session_id=session.pk)
    assert client_for(personas[persona]).post(f"/live/{session.pk}/stream/rotate/").status_code == status
    assert LiveSession.objects.get(pk=session.pk).stream_key == old


def test_a_session_has_its_key_from_the_start_and_the_key_page_writes_nothing(world, organizer):
    session = _session(world)
    assert len(session.stream_key) >= 32 and session.stream_key_rotated_at is not None
    other = _session(world)
    assert other.stream_key != session.stream_key
    with CaptureQueriesContext(connection) as queries:
        page = client_for(organizer).get(f"/live/{session.pk}/stream/")
    assert page.status_code == 200 and f"?key={session.stream_key}" in page.content.decode()
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert [w for w in writes if "livestreams_" in w] == []
    assert stream_key_ensure(session_id=session.pk) == session.stream_key


# --- viewing links -------------------------------------------------------------------------------


def test_a_viewer_gets_fresh_signed_links_and_others_get_nothing(world, member, outsider, settings):
    settings.HUB_MEDIA_LINK_SECONDS = 600
    session = _session(world)
    links = client_for(member).get(f"/live/{session.pk}/links/")
    assert links.status_code == 200 and "no-cache" in links["Cache-Control"]
    data = links.json()
    name = f"session-{session.pk}"
    token, expires, generation, stream, file = data["hlsUrl"].rsplit("/", 5)[1:]
    assert (generation, stream, file) == ("1", name, "index.m3u8")
    assert token == link_token(kind="hls", name=name, generation=1, expires=int(expires))
    assert 600 <= int(expires) - time.time() <= 660 and int(expires) % 60 == 0
    assert (data["replayUrl"], data["expiresIn"], data["refreshIn"]) == (None, 600, 300)
    assert client_for(outsider).get(f"/live/{session.pk}/links/").status_code == 404
    assert Client().get(f"/live/{session.pk}/links/").status_code == 404
    assert client_for(member).post(f"/live/{session.pk}/links/").status_code == 405


def test_an_external_sessions_links_are_its_own_replay(world, member):
    session = _session(
        world, playback=LiveSession.Playback.EXTERNAL, replay_url="https://replay.example.com/v/1"
    )
    data = client_for(member).get(f"/live/{session.pk}/links/").json()
    assert data["hlsUrl"] is None and data["replayUrl"] == "https://replay.example.com/v/1"
    # The hub's replay address is only for replays the hub made.
    assert client_for(member).get(f"/live/{session.pk}/replay/").status_code == 404


def test_a_hub_replay_is_reached_through_the_hub_with_a_fresh_link(world, member, outsider, settings):
    session = _session(world, status=S.ENDED)
    LiveSession.objects.filter(pk=session.pk).update(replay_url=replay_page_url(session, version=2))
    resp = client_for(member).get(f"/live/{session.pk}/replay/")
    assert resp.status_code == 302
    location = resp["Location"]
    base = urljoin(settings.HUB_PUBLIC_URL, settings.HUB_MEDIA_REPLAY_BASE_URL)
    assert location.startswith(base) and location.endswith(f"/1/session-{session.pk}.mp4?v=2")
    assert client_for(member).get(f"/live/{session.pk}/links/").json()["replayUrl"] == location
    # The hub moved to another address: the stored replay address still counts as the hub's.
    settings.HUB_PUBLIC_URL = "https://hub.example.cn"
    assert client_for(member).get(f"/live/{session.pk}/replay/").status_code == 302
    assert client_for(outsider).get(f"/live/{session.pk}/replay/").status_code == 404
    assert Client().get(f"/live/{session.pk}/replay/")["Location"].startswith("/accounts/login/")


def test_a_manager_rotates_the_viewing_links(
    world, organizer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.HUB_MEDIA_DIR = tmp_path / "media-server"
    session = _session(world)
    before = hls_playlist_url(session)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_for(organizer).post(f"/live/{session.pk}/stream/links/rotate/", follow=True)
    assert "已生成新的观看链接" in resp.content.decode()
    assert LiveSession.objects.get(pk=session.pk).media_link_generation == 2
    assert revoked_marker(session.pk, 1).is_file()
    assert "/1/session-" in before and "/2/session-" in resp.content.decode()


@pytest.mark.parametrize(
    "persona,status", [("member", 403), ("official", 403), ("merchant", 404), ("outsider", 404)]
)
def test_only_managers_may_rotate_the_viewing_links(world, personas, persona, status):
    session = _session(world)
    assert (
        client_for(personas[persona]).post(f"/live/{session.pk}/stream/links/rotate/").status_code == status
    )
    assert LiveSession.objects.get(pk=session.pk).media_link_generation == 1


def test_a_stream_page_of_another_subdistrict_is_not_found(world, other_organizer):
    session = _session(world)
    assert client_for(other_organizer).get(f"/live/{session.pk}/stream/").status_code == 404
    assert client_for(other_organizer).get("/live/999999/stream/").status_code == 404


def test_the_stream_page_lists_pushes_with_few_queries(world, organizer, django_assert_max_num_queries):
    session = _session(world, status=S.LIVE)
    now = timezone.now()
    for i in range(12):
        StreamPublish.objects.create(
            session=session,
            client_id=str(i),
            address="192.0.2.1",
            started_at=now,
            last_seen_at=now,
            ended_at=now,
        )
    client = client_for(organizer)
    client.get(f"/live/{session.pk}/stream/")
    with django_assert_max_num_queries(9):
        resp = client.get(f"/live/{session.pk}/stream/")
    page = resp.content.decode()
    assert "no-store" in resp["Cache-Control"]
    assert page.count("192.0.2.1") == 10


def test_my_streams_lists_the_sessions_i_run(world, organizer, merchant, django_assert_max_num_queries):
    mine = [_session(world, title=f"党课{i}") for i in range(5)]
    f.PartyClassFactory(session=mine[0])
    external = _session(
        world, title="外部平台", playback=LiveSession.Playback.EXTERNAL, external_url="https://x.cn"
    )
    client = client_for(organizer)
    client.get("/live/streams/")
    with django_assert_max_num_queries(5):
        page = client.get("/live/streams/").content.decode()
    for s in mine:
        assert f"/live/{s.pk}/stream/" in page
    assert f"/live/{mine[0].pk}/lecture/" in page
    assert external.title not in page
    assert "党课0" not in client_for(merchant).get("/live/streams/").content.decode()


def test_the_nav_shows_my_streams_to_organizers_and_merchants_only(world, organizer, merchant, member):
    assert "我的推流" in client_for(organizer).get("/").content.decode()
    assert "我的推流" in client_for(merchant).get("/").content.decode()
    assert "我的推流" not in client_for(member).get("/").content.decode()


@pytest.mark.browser
def test_a_streamer_sets_up_obs_and_watches_the_preview_on_a_phone(
    transactional_db, tmp_path, settings, browser, world, organizer, js_errors
):
    stack = start_media_stack(tmp_path / "mediaserver")
    apply_to_settings(settings, stack.env)
    try:
        session = _session(world)
        context = browser_login(
            browser,
            stack.hub,
            organizer,
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
        )
        page = js_errors.watch(context.new_page())
        page.goto(f"{stack.hub.url}/live/{session.pk}/stream/")
        assert page.get_by_label("服务器", exact=True).input_value() == stack.env["HUB_MEDIA_RTMP_URL"]
        key_field = page.get_by_label("推流密钥", exact=True)
        assert key_field.get_attribute("type") == "password"
        page.get_by_role("button", name="显示").click()
        assert key_field.get_attribute("type") == "text"
        obs_key = key_field.input_value()
        assert obs_key == f"session-{session.pk}?key={LiveSession.objects.get(pk=session.pk).stream_key}"
        # The page fits the phone's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # OBS pushes with that key ten minutes before the start: a rehearsal. The preview plays the HLS that
        # nginx serves (from another origin: CORS) while the room is still waiting for the start.
        encoder = stack.push(obs_key.split("?")[0], obs_key.split("key=")[1])
        wait_until(
            lambda: StreamPublish.objects.filter(session=session, ended_at__isnull=True).exists(),
            timeout=20,
            message="the media server to take the push",
        )
        page.wait_for_function(
            "() => { const v = document.querySelector('video[data-hls]'); return v && v.currentTime > 1; }",
            timeout=60_000,
        )
        preview = page.locator("video[data-hls]").get_attribute("data-hls")
        # A signed link that expires (livestreams/playback.py), of the session's first link generation.
        assert preview.startswith(hls_playlist_url(session).rsplit("/", 5)[0] + "/")
        assert preview.split("/")[-3:] == ["1", f"session-{session.pk}", "index.m3u8"]
        assert LiveSession.objects.get(pk=session.pk).status == S.SCHEDULED

        # A new key: the old one stops working and the encoder is cut.
        page.get_by_role("button", name="生成新密钥").click()
        page.wait_for_selector("text=已生成新的推流密钥")
        assert encoder.wait(timeout=30) != 0
        page.close()
        context.close()
        # Before the push the playlist is missing (404) and the preview retries: nothing else may fail.
        assert [e for e in js_errors.list if "Failed to load resource" not in e] == []
    finally:
        stack.stop()
        # Queries made while Playwright's loop runs use a connection of their own context: close it.
        connections.close_all()
