"""Courseware (课件) in Debian's chromium against a real daphne: the organizer attaches a PDF on the class page
(a file that only pretends to be a PDF is refused with a message and nothing is added), and a member on a
phone downloads it from the live room."""

from __future__ import annotations

import pytest

from livestreams.models import LiveSession
from livestreams.models.learning import Courseware
from tests.classes_helpers import class_session
from tests.conftest import browser_login
from tests.room_helpers import clean_room_redis

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_organizer_attaches_courseware_and_a_member_downloads_it_from_the_room_on_a_phone(
    browser, hub_server, world, organizer, member, js_errors
):
    clean_room_redis()
    live_class = class_session(world, status=LiveSession.Status.LIVE, title="学习贯彻党的二十大精神")
    host = js_errors.watch(browser_login(browser, hub_server, organizer).new_page())
    host.goto(f"{hub_server.url}/classes/{live_class.pk}/")

    # A text file named .pdf is not a PDF: refused, nothing attached.
    host.fill("#id_title", "假课件")
    host.set_input_files(
        "#id_file", files=[{"name": "lecture.pdf", "mimeType": "application/pdf", "buffer": b"hello"}]
    )
    host.locator("section.courseware button[type=submit]").click()
    host.wait_for_load_state()
    assert Courseware.objects.filter(session=live_class).count() == 0
    assert "PDF" in host.locator("main").inner_text()

    host.fill("#id_title", "第一讲 课件")
    host.set_input_files(
        "#id_file", files=[{"name": "lecture.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    host.locator("section.courseware button[type=submit]").click()
    host.wait_for_selector("#courseware-list >> text=第一讲 课件")

    phone = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    phone.goto(f"{hub_server.url}/live/{live_class.pk}/")
    link = phone.locator(".room-courseware a", has_text="第一讲 课件")
    link.wait_for()
    with phone.expect_download() as download_info:
        link.click()
    path = download_info.value.path()
    with open(path, "rb") as f:
        assert f.read() == PDF
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(hub_server.log.parent / "courseware-room-phone.png"))
    assert [e for e in js_errors.list if "Failed to load resource" not in e and "m3u8" not in e] == []
