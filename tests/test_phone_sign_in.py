"""Sign-in by mobile number and SMS code (allauth's phone support), the phone sign-up of public-session
viewers, the profile page, WeChat switched on by configuration, and accounts without an email address."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from hub import sms
from hub.emails import email_queue
from hub.models import OutgoingEmail, User
from hub.services import user_phone_set
from livestreams.models import Comment, LiveSession
from livestreams.permissions import in_audience
from livestreams.selectors.room import public_name
from partyorgs.models import Role
from tests import factories as f
from tests.support import client_for

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"


@pytest.fixture(autouse=True)
def _fresh_limits_and_outbox():
    # The rate limits live in the (Redis) cache: every test starts with none used.
    cache.clear()
    sms.outbox.clear()
    yield
    cache.clear()


def last_code() -> str:
    return re.search(r"\d{6}", sms.outbox[-1].text).group(0)


def public_session(world, **kw):
    return f.LiveSessionFactory(
        host_organization=world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
        **kw,
    )


@pytest.fixture
def phone_member(member):
    user_phone_set(user=member, phone=PHONE, verified=True)
    return member


# --- Sign in with an SMS code (allauth's login by code) -------------------------------------------------


def test_it_signs_a_member_in_with_an_sms_code_and_follows_next(world, phone_member):
    session = public_session(world)
    room = f"/live/{session.pk}/"
    c = Client()
    r = c.post(f"/accounts/login/code/?next={room}", {"phone": "138 1234 5678", "next": room})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/code/confirm/")
    (message,) = sms.outbox
    assert message.phone == PHONE and message.params == {"code": last_code()}
    assert "验证码" in message.text
    r = c.post(r["Location"], {"code": last_code(), "next": room})
    assert r.status_code == 302 and r["Location"] == room
    assert int(c.session["_auth_user_id"]) == phone_member.pk


def test_a_wrong_code_is_refused_in_chinese_and_signs_nobody_in(world, phone_member):
    c = Client()
    r = c.post("/accounts/login/code/", {"phone": "13812345678"})
    r = c.post(r["Location"], {"code": "000000" if last_code() != "000000" else "111111"})
    assert r.status_code == 200 and "_auth_user_id" not in c.session
    assert "代码" in r.content.decode() or "验证码" in r.content.decode()


def test_an_expired_code_no_longer_signs_in(world, phone_member, settings):
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 0
    c = Client()
    r = c.post("/accounts/login/code/", {"phone": "13812345678"})
    r = c.post("/accounts/login/code/confirm/", {"code": last_code()})
    assert "_auth_user_id" not in c.session
    assert r.status_code == 302


def test_codes_are_limited_per_number_with_a_clear_message(world, phone_member):
    c = Client()
    c.post("/accounts/login/code/", {"phone": "13812345678"})
    r = Client().post("/accounts/login/code/", {"phone": "138-1234-5678"})
    assert r.status_code == 200
    assert "请求验证码的次数过多" in r.content.decode()
    assert len(sms.outbox) == 1


def test_codes_are_limited_per_address(world):
    # Ten people behind one address (each their own browser), then an eleventh.
    for i in range(10):
        r = Client().post("/accounts/login/code/", {"phone": f"1390000{i:04d}"})
        assert r.status_code == 302, i
    r = Client().post("/accounts/login/code/", {"phone": "13900009999"})
    assert r.status_code == 200 and "请求验证码的次数过多" in r.content.decode()


def test_a_badly_typed_number_gets_a_chinese_message(world):
    r = Client().post("/accounts/login/code/", {"phone": "12345"})
    assert r.status_code == 200 and "请输入11位中国大陆手机号" in r.content.decode()
    assert sms.outbox == []


def test_an_unknown_number_gets_the_same_page_and_no_text(world):
    r = Client().post("/accounts/login/code/", {"phone": "13700000000"})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/code/confirm/")
    assert sms.outbox == []


def test_email_and_password_sign_in_still_works_and_follows_next(world, member):
    session = public_session(world)
    room = f"/live/{session.pk}/"
    r = Client().post(
        "/accounts/login/", {"login": member.email, "password": "pw-for-tests-123", "next": room}
    )
    assert r.status_code == 302 and r["Location"] == room


def test_the_login_page_offers_the_sms_code_and_keeps_next(world):
    html = Client().get("/accounts/login/?next=/live/1/").content.decode()
    assert 'href="/accounts/login/code/?next=/live/1/"' in html
    assert "用短信验证码登录" in html


# --- Phone sign-up from a public room ---------------------------------------------------------------------


def _signup_link(c: Client, session) -> str:
    html = c.get(f"/live/{session.pk}/").content.decode()
    return re.search(r'id="phone-signup-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_an_anonymous_viewer_signs_up_by_phone_from_a_public_room_and_may_comment(world):
    session = public_session(world)
    c = Client()
    link = _signup_link(c, session)
    assert c.get(link).status_code == 200
    r = c.post("/accounts/phone/signup/", {"phone": "139 0000 1111", "name": "小王"})
    assert r.status_code == 302 and r["Location"] == "/accounts/phone/signup/code/"
    r = c.post("/accounts/phone/signup/code/", {"code": "x"})
    assert "验证码不正确" in r.content.decode()
    r = c.post("/accounts/phone/signup/code/", {"code": last_code()})
    assert r.status_code == 302 and r["Location"] == f"/live/{session.pk}/"
    user = User.objects.get(phone="+8613900001111")
    assert user.phone_verified and user.name == "小王" and user.email is None
    assert not user.has_usable_password()
    assert not Role.objects.filter(user=user).exists() and not hasattr(user, "party_member")
    assert in_audience(user, session)
    r = c.post(f"/live/{session.pk}/comments/", {"text": "你好"})
    assert Comment.objects.filter(session=session, author=user).exists()


def test_the_sign_up_of_a_number_that_has_an_account_signs_that_account_in(world, phone_member):
    session = public_session(world)
    c = Client()
    c.get(_signup_link(c, session))
    c.post("/accounts/phone/signup/", {"phone": PHONE})
    r = c.post("/accounts/phone/signup/code/", {"code": last_code()})
    assert r["Location"] == f"/live/{session.pk}/"
    assert int(c.session["_auth_user_id"]) == phone_member.pk
    assert User.objects.filter(phone=PHONE).count() == 1


def test_phone_sign_up_is_closed_without_a_public_rooms_link(world, settings):
    assert not settings.HUB_OPEN_SIGNUP
    c = Client()
    for url in ("/accounts/phone/signup/", "/accounts/phone/signup/?room=forged:value"):
        r = c.get(url)
        assert r.status_code == 200 and 'id="phone-signup-form"' not in r.content.decode()
    r = c.post("/accounts/phone/signup/", {"phone": "13900001111"})
    assert sms.outbox == [] and not User.objects.filter(phone="+8613900001111").exists()
    assert c.get("/accounts/phone/signup/code/").status_code == 302


def test_a_private_room_offers_no_phone_sign_up(world, member):
    session = f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.LIVE, audience_orgs=[world.branch_a]
    )
    html = client_for(member).get(f"/live/{session.pk}/").content.decode()
    assert "phone-signup-link" not in html
    assert Client().get(f"/live/{session.pk}/").status_code == 302


def test_an_expired_sign_up_code_is_refused(world, settings):
    session = public_session(world)
    c = Client()
    c.get(_signup_link(c, session))
    c.post("/accounts/phone/signup/", {"phone": "13900001111"})
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = -1
    r = c.post("/accounts/phone/signup/code/", {"code": last_code()}, follow=True)
    assert "验证码已过期" in r.content.decode()
    assert not User.objects.filter(phone="+8613900001111").exists()


# --- Profile: name and number -------------------------------------------------------------------------


def test_the_profile_page_sets_the_name(world, member):
    c = client_for(member)
    assert "我的资料" in c.get("/accounts/").content.decode()
    r = c.post("/accounts/profile/", {"name": "陈新名"})
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.name == "陈新名"


def test_adding_a_number_is_verified_by_a_code(world, member):
    c = client_for(member)
    r = c.post("/accounts/phone/change/", {"phone": "139 0000 2222"})
    assert r.status_code == 302 and r["Location"] == "/accounts/phone/verify/"
    member.refresh_from_db()
    assert member.phone is None  # not yours until the code is entered
    r = c.post("/accounts/phone/verify/", {"code": last_code()})
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.phone == "+8613900002222" and member.phone_verified


def test_a_number_of_another_account_is_refused_with_a_clear_message(world, member, organizer):
    user_phone_set(user=organizer, phone="13900003333", verified=True)
    r = client_for(member).post("/accounts/phone/change/", {"phone": "13900003333"})
    assert r.status_code == 200
    assert "该手机号已属于另一个账号" in r.content.decode()
    assert sms.outbox == []


def test_one_number_one_account_in_the_service(world, member, organizer):
    from django.core.exceptions import ValidationError

    user_phone_set(user=organizer, phone="13900003333", verified=True)
    with pytest.raises(ValidationError):
        user_phone_set(user=member, phone="139 0000 3333", verified=False)
    member.refresh_from_db()
    assert member.phone is None


# --- WeChat: only when configured -----------------------------------------------------------------------


def test_wechat_shows_nowhere_when_not_configured(world, member):
    html = Client().get("/accounts/login/").content.decode()
    assert "微信" not in html and "weixin" not in html
    assert "微信" not in client_for(member).get("/accounts/").content.decode()
    assert "微信" not in client_for(member).get("/accounts/profile/").content.decode()
    assert Client().get("/accounts/weixin/login/").status_code == 404


def test_wechat_sign_in_shows_and_keeps_next_when_configured(world, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {"APPS": [{"client_id": "wx-app-id", "secret": "s3cret"}]}}
    c = Client()
    html = c.get("/accounts/login/?next=/live/7/").content.decode()
    assert 'id="wechat-sign-in"' in html and "微信登录" in html
    href = re.search(r'id="wechat-sign-in" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert href.startswith("/accounts/weixin/login/") and "next=%2Flive%2F7%2F" in href
    r = c.post(href)
    assert r.status_code == 302
    assert r["Location"].startswith("https://open.weixin.qq.com/connect/qrconnect?")
    assert "appid=wx-app-id" in r["Location"]


def test_a_member_connects_wechat_from_the_profile_when_configured(world, member, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {"APPS": [{"client_id": "wx-app-id", "secret": "s3cret"}]}}
    html = client_for(member).get("/accounts/profile/").content.decode()
    assert 'id="wechat-connect"' in html and "绑定微信" in html


def test_a_wechat_app_in_the_admin_switches_it_on(world):
    from allauth.socialaccount.models import SocialApp

    SocialApp.objects.create(provider="weixin", name="微信", client_id="wx-db", secret="x")
    assert 'id="wechat-sign-in"' in Client().get("/accounts/login/").content.decode()


# --- Accounts without an email address --------------------------------------------------------------------


def test_an_account_with_only_a_number_works_everywhere_email_was_assumed(world, staff):
    user = User.objects.create_user(email=None, password=None, phone="+8613900004444")
    assert str(user) == "139****4444" and public_name(user) == "139****4444"
    email_queue(recipients=[user], template="invitation", context={})
    assert not OutgoingEmail.objects.exists()
    c = client_for(user)
    assert c.get("/accounts/").status_code == 200
    assert c.get("/accounts/profile/").status_code == 200
    admin = client_for(staff)
    assert admin.get("/admin/hub/user/").status_code == 200
    inline = {"roles-TOTAL_FORMS": "0", "roles-INITIAL_FORMS": "0"}
    r = admin.post(
        "/admin/hub/user/add/",
        {"email": "", "phone": "139 0000 5555", "usable_password": "false", **inline},
    )
    assert r.status_code == 302
    assert User.objects.filter(phone="+8613900005555", email=None).exists()
    r = admin.post("/admin/hub/user/add/", {"email": "", "phone": "", "usable_password": "false", **inline})
    assert r.status_code == 200 and not User.objects.filter(phone=None, email=None).exists()


# --- Languages: Chinese first, English switchable ---------------------------------------------------------


def _phone_pages(world, member, language="zh-hans"):
    """(name, client, url) for every page of this area, in the state where it shows its form."""
    session = public_session(world)

    def browser(user=None):
        client = client_for(user)
        client.cookies["django_language"] = language
        return client

    anonymous = browser()
    signup = browser()
    signup.get(_signup_link(signup, session))
    code_login = browser()
    code_login.post("/accounts/login/code/", {"phone": PHONE})
    signup_code = browser()
    signup_code.get(_signup_link(signup_code, session))
    signup_code.post("/accounts/phone/signup/", {"phone": "13900007777"})
    cache.clear()
    me = browser(member)
    verify = browser(member)
    verify.post("/accounts/phone/change/", {"phone": "13900008888"})
    return [
        ("login", anonymous, "/accounts/login/"),
        ("code request", anonymous, "/accounts/login/code/"),
        ("code confirm", code_login, "/accounts/login/code/confirm/"),
        ("signup closed", anonymous, "/accounts/phone/signup/"),
        ("signup", signup, "/accounts/phone/signup/"),
        ("signup code", signup_code, "/accounts/phone/signup/code/"),
        ("profile", me, "/accounts/profile/"),
        ("phone change", me, "/accounts/phone/change/"),
        ("phone verify", verify, "/accounts/phone/verify/"),
    ]


def test_every_phone_page_is_in_chinese(world, phone_member):
    from tests.test_allauth_pages import english

    found = {}
    for name, client, url in _phone_pages(world, phone_member):
        response = client.get(url)
        assert response.status_code == 200, name
        words = [w for w in english(response.content.decode()) if not re.fullmatch(r"[\d\s+*]+", w)]
        if words:
            found[name] = words
    assert found == {}


def test_the_phone_pages_switch_to_english(world, phone_member):
    for name, client, url in _phone_pages(world, phone_member, "en"):
        html = client.get(url).content.decode()
        assert re.search(r"Mobile number|SMS code|Sign in with an SMS code|Sign up", html), name
        assert "手机号" not in html and "验证码" not in html, name


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/live/1/", "/no/such/page/"])
def test_sign_in_follows_next_only_to_a_page_of_the_hub(world, phone_member, target):
    r = Client().post(
        "/accounts/login/", {"login": phone_member.email, "password": "pw-for-tests-123", "next": target}
    )
    assert r.status_code == 302 and r["Location"] == "/"
    c = Client()
    r = c.post("/accounts/login/code/", {"phone": PHONE, "next": target})
    r = c.post(r["Location"], {"code": last_code(), "next": target})
    assert r.status_code == 302 and r["Location"] == "/"


def test_the_invitation_sign_up_form_asks_for_no_number(world, settings):
    settings.HUB_OPEN_SIGNUP = True
    html = Client().get("/accounts/signup/").content.decode()
    assert 'name="phone"' not in html and 'name="email"' in html
