"""Accounts: sign in by email, sign-up closed by default, verification, password reset, rate limits, /accounts/."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from hub.emails import emails_deliver
from hub.models import User
from hub.services import notification_send
from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the cache (the suite's own Redis database): start each test at zero."""
    cache.clear()
    yield
    cache.clear()


def _link(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def test_it_signs_in_by_email_and_password(client, member):
    resp = client.post("/accounts/login/", {"login": "MEMBER@example.com", "password": PASSWORD})
    assert resp.status_code == 302
    assert client.get("/accounts/").context["user"] == member


def test_a_wrong_password_is_refused_with_a_message_in_chinese(client, member):
    resp = client.post("/accounts/login/", {"login": member.email, "password": "nope"})
    assert resp.status_code == 200
    assert "您提供的电子邮件地址和/或密码不正确" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_page_is_in_the_hubs_look_with_visible_labels(client, world):
    html = client.get("/accounts/login/").content.decode()
    assert 'class="site-header"' in html
    assert '<label for="id_login">' in html and '<label for="id_password">' in html
    assert "/accounts/password/reset/" in html
    assert "/accounts/signup/" not in html  # sign-up is closed: no link to it


def test_login_rate_limits_are_on(client, member):
    for _ in range(5):
        resp = client.post("/accounts/login/", {"login": member.email, "password": "wrong"})
        assert "不正确" in resp.content.decode()
    # The sixth attempt within five minutes is refused even with the right password.
    resp = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert resp.status_code == 200
    assert "登录失败次数过多，请稍后重试。" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_public_sign_up_is_closed_by_default(client, world):
    resp = client.get("/accounts/signup/")
    assert "通过邀请注册" in resp.content.decode()
    client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "Xq9!long-pass", "password2": "Xq9!long-pass"},
    )
    assert not User.objects.filter(email="new@example.com").exists()


def test_with_open_sign_up_the_address_must_be_verified_before_signing_in(client, world, settings):
    settings.HUB_OPEN_SIGNUP = True
    resp = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "Xq9!long-pass", "password2": "Xq9!long-pass"},
    )
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert emails_deliver() == 1  # allauth's mail goes through the outbox too
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0])
    # Signing in before the click only re-sends the verification.
    client.post("/accounts/login/", {"login": "new@example.com", "password": "Xq9!long-pass"})
    assert "_auth_user_id" not in client.session
    client.post(link)
    assert EmailAddress.objects.get(email="new@example.com").verified
    assert client.get("/accounts/").status_code == 200


def test_password_reset_by_email(client, member):
    resp = client.post("/accounts/password/reset/", {"email": member.email})
    assert resp.status_code == 302
    assert emails_deliver() == 1
    assert len(mail.outbox) == 1
    assert "密码" in mail.outbox[0].subject
    resp = client.get(_link(mail.outbox[0]), follow=True)
    form_url = resp.redirect_chain[-1][0]
    resp = client.post(form_url, {"password1": "N3w-long-password!", "password2": "N3w-long-password!"})
    assert resp.status_code == 302
    client.logout()
    client.post("/accounts/login/", {"login": member.email, "password": "N3w-long-password!"})
    assert client.session["_auth_user_id"] == str(member.pk)


def test_password_reset_for_an_unknown_address_reveals_nothing(client, world):
    resp = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/password/reset/done/"


def test_the_account_page_lists_every_role(client, world, organizer):
    f.MemberFactory(user=organizer, branch=world.branch_a2)
    client.force_login(organizer)
    html = client.get("/accounts/").content.decode()
    assert "组织者" in html and "淮河路街道党工委" in html
    assert "党员" in html and "机关党支部" in html
    assert "/accounts/invitations/" in html


def test_a_user_without_a_role_is_told_how_to_get_one(client, outsider):
    client.force_login(outsider)
    assert "您还没有角色" in client.get("/accounts/").content.decode()


def test_notifications_show_on_the_account_page_and_can_be_marked_read(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(users=[member], kind="test", title="党课提醒", url="/")
    client.force_login(member)
    html = client.get("/accounts/").content.decode()
    assert "党课提醒" in html and 'class="unread"' in html
    client.post("/accounts/notifications/read/")
    assert member.notifications.filter(read_at__isnull=True).count() == 0
    assert client.get("/accounts/notifications/read/").status_code == 405


def test_the_language_switch_turns_pages_english(client, member):
    client.force_login(member)
    assert "我的账户" in client.get("/accounts/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/"})
    html = client.get("/accounts/").content.decode()
    assert "My account" in html and "我的账户" not in html
