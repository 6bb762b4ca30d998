"""Refusals and errors look like the product (issue 10 item 4): 403, 404, 500 and the CSRF failure in the
site's layout, in the user's language, saying what happened and where to go."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import get_resolver
from django.utils import translation

from livestreams.models import LiveSession
from tests import factories as f
from tests.conftest import browser_login

PHONE = {"width": 390, "height": 844}


def client_for(user, language=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _assert_site_page(html: str, code: str):
    assert f'data-error="{code}"' in html
    assert 'id="site-nav"' in html and 'class="brand"' in html  # the header and navigation stay
    assert 'href="/"' in html  # a way home


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/dashboard/", "/sales/inbox/", "/classes/records/"])
def test_a_member_refused_an_area_gets_the_chinese_403_page(world, member, url):
    response = client_for(member).get(url)
    assert response.status_code == 403
    html = response.content.decode()
    _assert_site_page(html, "403")
    assert '<html lang="zh-hans">' in html
    assert "您无法在此进行此操作" in html and "陈党员" in html  # who is signed in
    assert "党组织的组织者" in html  # whom to ask
    assert 'href="/accounts/"' in html
    assert "Forbidden" not in html


@pytest.mark.django_db
def test_the_same_refusal_in_english_when_switched(world, member):
    html = client_for(member, language="en").get("/dashboard/").content.decode()
    _assert_site_page(html, "403")
    assert '<html lang="en">' in html and "You cannot do this here" in html


@pytest.mark.django_db
def test_the_stream_page_of_a_class_one_only_watches_is_403_and_outside_the_scope_404(world, member):
    """The rule (hub/permissions.py): outside one's scope → 404, read-only → 403."""
    watched = f.PartyClassFactory(
        session__host_organization=world.root_a, session__audience_orgs=[world.branch_a]
    ).session
    elsewhere = f.PartyClassFactory(
        session__host_organization=world.root_b,
        session__audience_orgs=[world.branch_b],
        session__visibility=LiveSession.Visibility.AUDIENCE,
    ).session
    client = client_for(member)
    response = client.get(f"/live/{watched.pk}/stream/")
    assert response.status_code == 403
    _assert_site_page(response.content.decode(), "403")
    response = client.get(f"/live/{elsewhere.pk}/stream/")
    assert response.status_code == 404
    _assert_site_page(response.content.decode(), "404")


@pytest.mark.django_db
def test_unknown_pages_are_the_sites_404_for_visitors_with_a_sign_in_link(world):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_site_page(html, "404")
    assert "页面不存在" in html
    assert 'href="/accounts/login/?next=/no-such-page/"' in html
    assert "邀请" in html  # no account: ask the organizer for an invitation


@pytest.mark.django_db
def test_the_404_page_in_english(world, member):
    response = client_for(member, language="en").get("/classes/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_the_500_page_renders_in_the_layout_without_touching_the_database(django_assert_num_queries):
    """Django's handler500 as configured in config/urls.py, called as Django calls it."""
    handler = get_resolver().resolve_error_handler(500)
    request = RequestFactory().get("/classes/")
    for language, heading in (("zh-hans", "服务器出了点问题"), ("en", "Something went wrong on our side")):
        with translation.override(language), django_assert_num_queries(0):
            response = handler(request)
        html = response.content.decode()
        assert response.status_code == 500
        _assert_site_page(html, "500")
        assert f'<html lang="{language}">' in html and heading in html
        assert 'href="/classes/"' in html  # try again


@pytest.mark.django_db
def test_an_expired_form_gets_the_sites_csrf_page(world, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/accounts/invitations/", {"email": "x@example.com"})
    assert response.status_code == 403
    html = response.content.decode()
    _assert_site_page(html, "403-csrf")
    assert "表单已过期" in html and "没有做任何更改" in html
    assert "CSRF" not in html


# --- On a phone, in a real browser ---------------------------------------------------------------------


@pytest.mark.browser
def test_on_a_phone_a_member_gets_the_styled_pages_and_english_when_switched(
    browser, hub_server, member, world, js_errors
):
    context = browser_login(browser, hub_server, member, viewport=PHONE)
    page = js_errors.watch(context.new_page())
    response = page.goto(hub_server.url + "/dashboard/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "您无法在此进行此操作"
    assert page.locator(".brand").is_visible() and page.get_by_role("button", name="菜单").is_visible()
    assert page.get_by_role("link", name="首页", exact=True).last.is_visible()
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The menu opens and leads on.
    page.get_by_role("button", name="菜单").click()
    assert page.locator("#site-nav").get_by_role("link", name="党课").is_visible()

    response = page.goto(hub_server.url + "/classes/999999/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "页面不存在"
    page.screenshot(path=str(hub_server.log.parent / "error-404-phone.png"), full_page=True)

    page.select_option("#lang-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("h1").inner_text() == "Page not found"
    page.goto(hub_server.url + "/dashboard/")
    assert page.locator("h1").inner_text() == "You cannot do this here"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The browser logs each 403/404 document as a failed resource; anything else is a defect.
    assert [e for e in js_errors.list if "Failed to load resource" not in e] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/no-such-page/",  # no URL pattern matches
        "/classes/999999/",  # a view raises Http404
        "/live/999999/stream/",
    ],
)
def test_with_debug_on_unknown_pages_are_still_the_products_404_page(settings, world, member, url):
    """`make run` turns DEBUG on: a pilot must not see Django's technical page (in English, listing the URLs)."""
    settings.DEBUG = True
    response = client_for(member).get(url)
    assert response.status_code == 404
    html = response.content.decode()
    _assert_site_page(html, "404")
    assert "URLconf" not in html and "DEBUG = True" not in html


@pytest.mark.django_db
def test_developers_can_ask_for_djangos_technical_404_page(settings, member):
    settings.DEBUG = True
    settings.HUB_DEBUG_TECHNICAL_404 = True
    response = client_for(member).get("/no-such-page/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()
