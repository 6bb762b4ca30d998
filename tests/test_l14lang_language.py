"""Each person's language (issue 14, l14lang): User.language, stored by the header's switcher and the profile
page, brought to a new browser on sign-in, and followed by emails and text messages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from hub import sms
from hub.emails import email_queue, emails_deliver
from hub.language import user_language
from hub.models import OutgoingEmail, User
from hub.services import user_language_set, user_phone_set, user_profile_update
from partyorgs.models import Invitation
from partyorgs.services import invitation_create
from tests import factories as f
from tests.support import client_for
from tests.test_phone_sign_in import _signup_link, public_session

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME
PHONE = "+8613812345678"
# Values a form may post that are not languages of the site: another language Django knows, a variant, case,
# empty, junk, too long.
NOT_OFFERED = ["fr", "en-us", "EN", "zh-hant", "", " en", "<script>alert(1)</script>", "x" * 500]


@pytest.fixture(autouse=True)
def _fresh_limits_and_outbox():
    cache.clear()  # the SMS code limits
    sms.outbox.clear()
    yield
    cache.clear()


def english(user: User) -> User:
    return user_language_set(user=user, language="en")


# --- The model and the service --------------------------------------------------------------------------


def test_a_new_account_has_no_language_and_reads_the_sites(member):
    assert member.language == ""
    assert user_language(member) == "zh-hans"
    assert user_language(None) == "zh-hans"
    assert user_language("someone@example.com") == "zh-hans"


def test_it_stores_a_language_of_the_site(member):
    user_language_set(user=member, language="en")
    member.refresh_from_db()
    assert member.language == "en" and user_language(member) == "en"
    user_language_set(user=member, language="zh-hans")
    member.refresh_from_db()
    assert member.language == "zh-hans"


def test_it_stores_blank_as_the_sites_language(member):
    english(member)
    user_language_set(user=member, language="")
    member.refresh_from_db()
    assert member.language == "" and user_language(member) == "zh-hans"


@pytest.mark.parametrize("value", [v for v in NOT_OFFERED if v])
def test_it_refuses_a_language_the_site_does_not_offer_and_stores_nothing(member, value):
    english(member)
    with pytest.raises(ValidationError) as refused:
        user_language_set(user=member, language=value)
    assert "简体中文, English" in " ".join(refused.value.messages)
    member.refresh_from_db()
    assert member.language == "en"


def test_a_stored_language_the_site_no_longer_offers_falls_back_to_the_sites(member, settings):
    english(member)
    settings.LANGUAGES = [("zh-hans", "简体中文")]
    member.refresh_from_db()
    assert user_language(member) == "zh-hans"


def test_the_profile_service_leaves_the_language_alone_unless_given(member):
    english(member)
    user_profile_update(user=member, name="陈新名")
    member.refresh_from_db()
    assert (member.name, member.language) == ("陈新名", "en")
    with pytest.raises(ValidationError):
        user_profile_update(user=member, name="别的名字", language="fr")
    member.refresh_from_db()
    assert (member.name, member.language) == ("陈新名", "en")


# --- The header's switcher (/i18n/setlang/) --------------------------------------------------------------


def test_the_switcher_stores_a_signed_in_persons_choice(member):
    c = client_for(member)
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/accounts/profile/"})
    assert r.status_code == 302 and r["Location"] == "/accounts/profile/"
    assert r.cookies[COOKIE].value == "en"
    member.refresh_from_db()
    assert member.language == "en"
    html = c.get("/accounts/profile/").content.decode()
    assert "My profile" in html and "我的资料" not in html


def test_the_choice_outlives_a_browser_restart(member):
    r = client_for(member).post("/i18n/setlang/", {"language": "en", "next": "/accounts/"})
    assert r.cookies[COOKIE]["max-age"] == 365 * 24 * 3600
    r = Client().post("/accounts/login/", {"login": english(member).email, "password": "pw-for-tests-123"})
    assert r.cookies[COOKIE]["max-age"] == 365 * 24 * 3600


def test_switching_back_to_chinese_stores_chinese(member):
    c = client_for(english(member))
    r = c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/"})
    assert r.cookies[COOKIE].value == "zh-hans"
    member.refresh_from_db()
    assert member.language == "zh-hans"
    assert "我的账户" in c.get("/accounts/").content.decode()


def test_an_anonymous_visitor_switches_with_the_cookie_alone(member):
    c = Client()
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"
    assert r.cookies[COOKIE].value == "en"
    assert "Sign in" in c.get("/accounts/login/").content.decode()
    assert set(User.objects.values_list("language", flat=True)) == {""}


@pytest.mark.parametrize("value", NOT_OFFERED)
def test_a_language_the_site_does_not_offer_changes_nothing_and_says_so(member, value):
    c = client_for(member)
    r = c.post("/i18n/setlang/", {"language": value, "next": "/accounts/"})
    assert r.status_code == 302 and r["Location"] == "/accounts/"
    assert COOKIE not in r.cookies
    member.refresh_from_db()
    assert member.language == ""
    html = c.get("/accounts/").content.decode()
    assert "我的账户" in html  # still Chinese
    assert "本站不提供该语言" in html and "简体中文, English" in html


def test_an_anonymous_visitors_unknown_language_changes_nothing_either():
    c = Client()
    r = c.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert r.status_code == 302 and COOKIE not in r.cookies
    assert "本站不提供该语言" in c.get("/accounts/login/").content.decode()


def test_a_post_without_a_language_or_next_is_not_an_error(member):
    r = client_for(member).post("/i18n/setlang/", {})
    assert r.status_code == 302 and r["Location"] == "/"


def test_opening_the_switcher_changes_nothing(member):
    c = client_for(member)
    r = c.get("/i18n/setlang/?language=en&next=/accounts/")
    assert r.status_code == 302 and r["Location"] == "/accounts/" and COOKIE not in r.cookies
    member.refresh_from_db()
    assert member.language == ""


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/no-such-page/", "javascript:x"]
)
def test_the_switcher_goes_back_only_to_a_page_of_the_hub(member, target):
    r = client_for(member).post("/i18n/setlang/", {"language": "en", "next": target})
    assert r.status_code == 302 and r["Location"] == "/"


def test_the_switcher_needs_the_forms_csrf_token(member):
    c = Client(enforce_csrf_checks=True)
    c.force_login(member)
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/accounts/"})
    assert r.status_code == 403
    member.refresh_from_db()
    assert member.language == ""


# --- The profile page -------------------------------------------------------------------------------------


def test_the_profile_page_has_a_labelled_language_choice(member):
    html = client_for(member).get("/accounts/profile/").content.decode()
    assert '<label for="id_language">语言</label>' in html
    select = re.search(r'(?s)<select name="language"[^>]*id="id_language"[^>]*>.*?</select>', html).group(0)
    assert 'aria-describedby="id_language_helptext"' in select
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    assert [(v, t) for v, _s, t in options] == [
        ("", "网站默认语言（简体中文）"),
        ("zh-hans", "简体中文"),
        ("en", "English"),
    ]
    assert [v for v, s, _t in options if s] == [""]


def test_the_profile_page_shows_the_stored_choice(member):
    html = client_for(english(member)).get("/accounts/profile/").content.decode()
    assert '<option value="en" selected>English</option>' in html


def test_the_profile_page_stores_the_language_and_switches_the_pages(member):
    c = client_for(member)
    r = c.post("/accounts/profile/", {"name": "陈党员", "language": "en"})
    assert r.status_code == 302 and r["Location"] == "/accounts/profile/"
    assert r.cookies[COOKIE].value == "en"
    member.refresh_from_db()
    assert member.language == "en"
    html = c.get("/accounts/profile/").content.decode()
    assert "Your profile was saved." in html and "My profile" in html


def test_the_profile_page_back_to_the_sites_language(member):
    c = client_for(english(member))
    c.cookies[COOKIE] = "en"
    r = c.post("/accounts/profile/", {"name": "陈党员", "language": ""})
    assert r.cookies[COOKIE].value == "zh-hans"
    member.refresh_from_db()
    assert member.language == ""
    assert "资料已保存" in c.get("/accounts/profile/").content.decode()


@pytest.mark.parametrize("value", ["fr", "EN", "x" * 500])
def test_the_profile_page_refuses_another_language_with_a_clear_message(member, value):
    c = client_for(member)
    r = c.post("/accounts/profile/", {"name": "新名字", "language": value})
    assert r.status_code == 200
    assert "选择一个有效的选项" in r.content.decode()
    assert COOKIE not in r.cookies
    member.refresh_from_db()
    assert (member.name, member.language) == ("陈党员", "")


# --- Signing in brings the stored language ----------------------------------------------------------------


def test_signing_in_brings_the_stored_language_to_a_new_browser(member):
    english(member)
    c = Client()  # a new phone: no language cookie, a Chinese browser
    r = c.post(
        "/accounts/login/",
        {"login": member.email, "password": "pw-for-tests-123", "next": "/accounts/"},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    assert r.status_code == 302 and r["Location"] == "/accounts/"
    assert r.cookies[COOKIE].value == "en"
    html = c.get("/accounts/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "My account" in html and "我的账户" not in html


def test_signing_in_without_a_stored_language_leaves_the_browsers(member):
    c = Client()
    c.cookies[COOKIE] = "en"
    r = c.post(
        "/accounts/login/", {"login": member.email, "password": "pw-for-tests-123", "next": "/accounts/"}
    )
    assert r.status_code == 302 and COOKIE not in r.cookies
    assert "My account" in c.get("/accounts/").content.decode()


def test_a_stored_chinese_wins_over_an_english_browser(member):
    user_language_set(user=member, language="zh-hans")
    c = Client()
    c.cookies[COOKIE] = "en"
    r = c.post(
        "/accounts/login/", {"login": member.email, "password": "pw-for-tests-123", "next": "/accounts/"}
    )
    assert r.cookies[COOKIE].value == "zh-hans"
    assert "我的账户" in c.get("/accounts/").content.decode()


def test_a_wrong_password_sets_no_language(member):
    english(member)
    r = Client().post("/accounts/login/", {"login": member.email, "password": "wrong", "next": "/accounts/"})
    assert r.status_code == 200 and COOKIE not in r.cookies


def test_signing_in_with_an_sms_code_is_in_and_brings_the_stored_language(member):
    user_phone_set(user=member, phone=PHONE, verified=True)
    english(member)
    c = Client()
    r = c.post("/accounts/login/code/", {"phone": "138 1234 5678", "next": "/accounts/"})
    assert r.status_code == 302
    (message,) = sms.outbox
    assert "verification code" in message.text and "验证码" not in message.text
    code = re.search(r"\d{6}", message.text).group(0)
    assert message.params == {"code": code}  # what Aliyun's approved template is filled with, unchanged
    r = c.post(r["Location"], {"code": code, "next": "/accounts/"})
    assert r.status_code == 302 and r.cookies[COOKIE].value == "en"
    assert "My account" in c.get("/accounts/").content.decode()


# --- Text messages ----------------------------------------------------------------------------------------


def test_a_code_to_a_number_with_a_chinese_account_is_in_chinese(member):
    user_phone_set(user=member, phone=PHONE, verified=True)
    Client().post("/accounts/login/code/", {"phone": PHONE}, HTTP_ACCEPT_LANGUAGE="en")
    (message,) = sms.outbox
    assert "验证码" in message.text


def test_a_code_to_an_unknown_number_stays_in_the_sites_language(world):
    session = public_session(world)
    c = Client()
    c.cookies[COOKIE] = "en"  # the page is English; the number has no account, so no language of its own
    c.get(_signup_link(c, session))
    r = c.post("/accounts/phone/signup/", {"phone": "13900007777", "name": "Viewer"})
    assert r.status_code == 302
    (message,) = sms.outbox
    assert message.phone == "+8613900007777" and "验证码" in message.text


def test_the_room_sign_up_texts_an_english_account_in_english(world, member):
    user_phone_set(user=member, phone=PHONE, verified=True)
    english(member)
    session = public_session(world)
    c = Client()
    c.get(_signup_link(c, session))
    c.post("/accounts/phone/signup/", {"phone": PHONE, "name": ""})
    (message,) = sms.outbox
    assert "verification code" in message.text and "验证码" not in message.text


def test_a_new_number_of_an_english_account_gets_its_code_in_english(member):
    c = client_for(english(member))
    r = c.post("/accounts/phone/change/", {"phone": "139 0000 2222"})
    assert r.status_code == 302
    (message,) = sms.outbox
    assert message.phone == "+8613900002222" and "verification code" in message.text


def test_an_invitation_by_text_to_an_english_account_is_in_english(
    world, organizer, django_capture_on_commit_callbacks
):
    invited = User.objects.create_user(None, phone="+8613900000001")
    user_language_set(user=invited, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            user=organizer,
            phone="139 0000 0001",
            role_kind=Invitation.RoleKind.ORGANIZER,
            organization=world.branch_a,
            base_url="https://hub.example",
        )
    (message,) = [m for m in sms.outbox if m.phone == "+8613900000001"]
    assert "invites you to" in message.text and "邀请" not in message.text
    assert message.template == "invitation" and set(message.params) == {"scope", "link"}


def test_an_invitation_by_text_to_a_new_number_is_in_the_sites_language(
    world, organizer, django_capture_on_commit_callbacks
):
    # The organizer's page is English; the number has no account.
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            user=organizer,
            phone="139 0000 0002",
            role_kind=Invitation.RoleKind.MEMBER,
            organization=world.branch_a,
            base_url="https://hub.example",
        )
    (message,) = [m for m in sms.outbox if m.phone == "+8613900000002"]
    assert "邀请" in message.text


def test_aliyun_templates_are_not_touched_by_the_language(member, settings):
    """AliyunBackend sends the approved template of the kind (the same for every language: templates are
    approved server-side), filled with the same params: only the text of the other backends follows."""
    user_phone_set(user=member, phone=PHONE, verified=True)
    english(member)
    sms.sms_code_send(phone=PHONE, code="123456")
    (message,) = sms.outbox
    assert (message.template, message.params) == ("code", {"code": "123456"})


# --- Emails (the outbox) ------------------------------------------------------------------------------


def test_emails_are_written_in_each_recipients_language(world, member):
    chinese = f.UserFactory(email="zh@example.com", language="zh-hans")
    english(member)
    email_queue(
        recipients=[member, chinese, "nobody@example.com"],
        template="emails/session_reminder",
        context={"title": "T", "body": "B", "url": "https://hub.example/live/1/"},
    )
    rows = {r.to: r for r in OutgoingEmail.objects.all()}
    assert {to: r.language for to, r in rows.items()} == {
        "member@example.com": "en",
        "zh@example.com": "zh-hans",
        "nobody@example.com": "zh-hans",
    }
    assert "Open the live room:" in rows["member@example.com"].text
    assert "进入直播间：" in rows["zh@example.com"].text
    assert 'lang="en"' in rows["member@example.com"].html
    assert emails_deliver() == 3
    sent = {m.to[0]: m for m in mail.outbox}
    assert "Open the live room:" in sent["member@example.com"].body
    assert "进入直播间：" in sent["zh@example.com"].body
