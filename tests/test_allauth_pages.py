"""Every allauth page the hub exposes is fully in Chinese (issue 10 item 4: /accounts/email/ said "Email地址"),
including its error messages, flash messages and emails. Our catalog re-translates allauth's and Django's
mixed or missing msgids (hub/i18n_thirdparty.py); this test finds any English a new version brings."""

import html as htmllib
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client

from hub.emails import emails_deliver

pytestmark = pytest.mark.django_db
EMAIL = re.compile(r"[\w.+-]+@[\w.-]+")


def english(html: str) -> list[str]:
    """Visible text (and placeholders, titles, labels) with Latin words, email addresses aside. The language
    menu (which names English in English) is left out, and so are the languages' own names wherever they are
    offered (the profile's language choice)."""
    html = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", " ", html)
    html = re.sub(r'(?s)<form[^>]*class="lang-form".*?</form>', " ", html)
    for code, name in settings.LANGUAGES:
        html = re.sub(rf'<option value="{re.escape(code)}"[^>]*>\s*{re.escape(name)}\s*</option>', " ", html)
    attrs = re.findall(r'(?:placeholder|title|aria-label|alt)="([^"]*)"', html)
    chunks = [htmllib.unescape(c).strip() for c in re.sub(r"(?s)<[^>]+>", "\n", html).split("\n")] + attrs
    return [c for c in chunks if re.search(r"[A-Za-z]{2,}", EMAIL.sub("", c))]


def check(found: dict, name: str, response):
    assert response.status_code == 200, name
    words = english(response.content.decode())
    if words:
        found[name] = words


def last_link(pattern: str) -> str:
    emails_deliver()
    return re.search(pattern, mail.outbox[-1].body).group(1)


def test_every_allauth_page_is_in_chinese(world, member, settings):
    settings.HUB_OPEN_SIGNUP = True  # the sign-up page too
    found: dict[str, list[str]] = {}
    c = Client()
    for url in (
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/done/",
        "/accounts/confirm-email/",
        "/accounts/inactive/",
    ):
        check(found, url, c.get(url))
    check(
        found, "login, wrong password", c.post("/accounts/login/", {"login": member.email, "password": "x"})
    )
    bad = {"email": "new@example.com", "password1": "a", "password2": "b"}
    check(found, "signup, bad password", c.post("/accounts/signup/", bad))
    check(found, "signup, bad address", c.post("/accounts/signup/", {**bad, "email": "nope"}))
    check(found, "reset, sent", c.post("/accounts/password/reset/", {"email": member.email}, follow=True))
    link = last_link(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)")
    response = c.get(link, follow=True)
    check(found, "reset from key", response)
    form_url = response.redirect_chain[-1][0]
    check(found, "reset from key, bad", c.post(form_url, {"password1": "a", "password2": "b"}))
    check(found, "reset, bad link", c.get("/accounts/password/reset/key/1-xx/", follow=True))
    check(found, "confirm, bad link", c.get("/accounts/confirm-email/bogus/"))

    c.force_login(member)
    EmailAddress.objects.update_or_create(
        user=member, email=member.email, defaults={"verified": True, "primary": True}
    )
    for url in (
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
    ):
        check(found, url, c.get(url, follow=True))
    add = {"action_add": "", "email": "second@example.com"}
    check(found, "email, added", c.post("/accounts/email/", add, follow=True))
    check(found, "email, bad", c.post("/accounts/email/", {"action_add": "", "email": "nope"}, follow=True))
    key = last_link(r"/accounts/confirm-email/(\S+)/")
    check(found, "confirm", c.get(f"/accounts/confirm-email/{key}/"))
    check(found, "confirmed", c.post(f"/accounts/confirm-email/{key}/", follow=True))
    primary = {"action_primary": "", "email": "second@example.com"}
    check(found, "email, primary", c.post("/accounts/email/", primary, follow=True))
    remove = {"action_remove": "", "email": member.email}
    check(found, "email, removed", c.post("/accounts/email/", remove, follow=True))
    bad = {"oldpassword": "x", "password1": "a", "password2": "b"}
    check(found, "password change, bad", c.post("/accounts/password/change/", bad))
    good = {
        "oldpassword": "pw-for-tests-123",
        "password1": "N3w-long-password!",
        "password2": "N3w-long-password!",
    }
    check(found, "password changed", c.post("/accounts/password/change/", good, follow=True))
    check(found, "signed out", c.post("/accounts/logout/", follow=True))
    assert found == {}


def test_the_email_page_says_dianzi_youjian_not_email(world, member):
    c = Client()
    c.force_login(member)
    EmailAddress.objects.update_or_create(
        user=member, email=member.email, defaults={"verified": True, "primary": True}
    )
    html = c.get("/accounts/email/").content.decode()
    assert "电子邮件地址" in html and "Email地址" not in html


def test_allauths_emails_are_in_chinese_and_signed_with_the_hubs_name(world, member):
    Client().post("/accounts/password/reset/", {"email": member.email})
    emails_deliver()
    (message,) = mail.outbox
    assert message.subject == "[红色直播服务平台] 密码重置邮件"
    assert (
        "您好，这里是红色直播服务平台。" in message.body and "感谢您使用 红色直播服务平台！" in message.body
    )
    # Nothing English but the link and the hub's address.
    leftovers = english(message.body.replace("\n", "<br>"))
    assert all(re.fullmatch(r"https?://\S+|[\w.-]+:\d+", w) for w in leftovers), leftovers
