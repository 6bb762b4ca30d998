"""The room page and its no-JavaScript comment form."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from livestreams.models import Comment, LiveSession
from livestreams.playback import hls_playlist_url
from tests import factories as f
from tests.room_helpers import clean_room_redis
from tests.support import client_for


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def live(world):
    return f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        audience_orgs=[world.branch_a],
        description="第一讲：<script>alert(1)</script>",
    )


def test_the_room_shows_the_player_comments_and_the_form_with_a_label(
    live, member, django_assert_max_num_queries
):
    f.CommentFactory.create_batch(30, session=live)
    f.CommentFactory(session=live, text="<img src=x onerror=alert(1)>")
    client = client_for(member)
    with django_assert_max_num_queries(25):
        response = client.get(f"/live/{live.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="room-video"' in html and "vendor/hls.min.js" in html
    # A signed link that expires (livestreams/playback.py); the page asks for fresh ones at linksUrl.
    assert re.search(rf"/[A-Za-z0-9_-]{{22}}/[0-9]+/1/session-{live.pk}/index\.m3u8", html)
    assert hls_playlist_url(live).rsplit("/", 5)[0] in html
    assert f'"linksUrl": "/live/{live.pk}/links/"' in html
    assert '<label for="comment-text">发表评论</label>' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert "<script>alert(1)</script>" not in html
    assert html.count('class="comment"') == 31


def test_an_external_session_links_to_its_platform_and_loads_no_player(world, member):
    session = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.ENDED,
        audience_orgs=[world.branch_a],
        playback=LiveSession.Playback.EXTERNAL,
        external_url="https://live.douyin.com/7788",
        replay_url="https://example.com/replay/7788.mp4",
    )
    html = client_for(member).get(f"/live/{session.pk}/").content.decode()
    assert "https://live.douyin.com/7788" in html and "去直播平台观看" in html
    assert "room-video" not in html and "hls.min.js" not in html
    assert "https://example.com/replay/7788.mp4" in html and "直播已结束，回放见下方。" in html


def test_an_anonymous_visitor_of_a_public_room_gets_a_viewer_cookie_once(world):
    public = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
    )
    client = Client()
    first = client.get(f"/live/{public.pk}/")
    assert first.status_code == 200 and "hub_viewer" in first.cookies
    assert "登录后才能发表评论。" in first.content.decode()
    second = client.get(f"/live/{public.pk}/")
    assert "hub_viewer" not in second.cookies


@pytest.mark.parametrize(
    ("https", "settings_secure", "secure"),
    [(False, False, ""), (True, False, True), (False, True, True), (True, True, True)],
)
def test_the_viewer_cookie_is_secure_like_the_session_cookie(world, settings, https, settings_secure, secure):
    """Over https (or when the session cookie is Secure) the viewer cookie is too; always HttpOnly, Lax."""
    settings.SESSION_COOKIE_SECURE = settings_secure
    public = f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
    )
    cookie = Client().get(f"/live/{public.pk}/", secure=https).cookies["hub_viewer"]
    assert cookie["secure"] == secure
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"


def test_the_form_without_javascript_posts_a_comment(live, member):
    client = client_for(member)
    response = client.post(f"/live/{live.pk}/comments/", {"text": "没有脚本也能评论"})
    assert response.status_code == 302 and response.url == f"/live/{live.pk}/#comments"
    assert Comment.objects.get().text == "没有脚本也能评论"


def test_the_form_answers_bad_input_and_refusals_in_chinese_and_changes_nothing(live, member, outsider):
    client = client_for(member)
    response = client.post(f"/live/{live.pk}/comments/", {"text": ""})
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["这个字段是必填项。"]
    response = client.post(f"/live/{live.pk}/comments/", {"text": "长" * 201})
    assert response.status_code == 302
    assert client_for(outsider).post(f"/live/{live.pk}/comments/", {"text": "你好"}).status_code == 404
    assert Client().post(f"/live/{live.pk}/comments/", {"text": "你好"}).status_code == 302
    assert client.get(f"/live/{live.pk}/comments/").status_code == 405
    live.status = LiveSession.Status.ENDED
    live.save()
    response = client.post(f"/live/{live.pk}/comments/", {"text": "结束了"})
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == "本场评论已关闭。"
    assert not Comment.objects.exists()


def test_the_moderator_sees_the_tools_and_the_member_does_not(live, organizer, member):
    assert "主持人工具" in client_for(organizer).get(f"/live/{live.pk}/").content.decode()
    assert "主持人工具" not in client_for(member).get(f"/live/{live.pk}/").content.decode()


def test_staff_edit_the_word_list_and_remove_comments_in_the_admin(live, member, staff):
    from livestreams.models import BannedWord, ModerationAction

    client = client_for(staff)
    response = client.post(
        "/admin/livestreams/bannedword/add/", {"word": "刷单", "action": "block", "is_active": "on"}
    )
    assert response.status_code == 302
    assert BannedWord.objects.get().action == "block"
    comment = f.CommentFactory(session=live, author=member, text="违规")
    response = client.post(
        "/admin/livestreams/comment/",
        {"action": "remove_comments", "_selected_action": [comment.pk]},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.removed_by == staff
    assert ModerationAction.objects.get().action == "remove_comment"
    for url in (
        "/admin/livestreams/moderationaction/",
        "/admin/livestreams/presenceinterval/",
        "/admin/livestreams/mute/",
    ):
        assert client.get(url).status_code == 200
    assert client_for(member).get("/admin/livestreams/bannedword/").status_code == 302
