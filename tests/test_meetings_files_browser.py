"""Removing a meeting record's photo and attachment in a real browser on a phone (390×844): the organizer opens
the confirmation under a photo, deletes it, and it is gone from the page and from the servers' storage; the
same for an attachment. A screenshot goes next to the server's log."""

from __future__ import annotations

from pathlib import Path

import pytest

from livestreams.models import MeetingAttachment, MeetingPhoto
from tests.conftest import browser_login
from tests.media_support import private_root_shared_with_servers
from tests.meetings_files_helpers import add_attachment, add_photo, offline_record

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0


def test_an_organizer_removes_a_wrong_photo_and_attachment_on_a_phone(
    browser, hub_server, organizer, world, js_errors, settings
):
    # The files go where daphne (another process) reads and deletes them.
    settings.HUB_PRIVATE_MEDIA_ROOT = private_root_shared_with_servers()
    record = offline_record(world, organizer)
    wrong = add_photo(record, organizer, color=(0, 90, 160))
    kept = add_photo(record, organizer)
    sheet = add_attachment(record, organizer, name="错传的文件.pdf")
    wrong_file = Path(settings.HUB_PRIVATE_MEDIA_ROOT) / wrong.image.name
    sheet_file = Path(settings.HUB_PRIVATE_MEDIA_ROOT) / sheet.file.name
    assert wrong_file.exists() and sheet_file.exists()

    context = browser_login(browser, hub_server, organizer, **PHONE)
    page = js_errors.watch(context.new_page())
    page.goto(hub_server.url + f"/classes/meetings/{record.pk}/")
    assert page.locator("#photos img").count() == 2
    figure = page.locator(f"#photo-{wrong.pk}")
    delete = figure.get_by_role("button", name="删除")
    # Nothing to delete by a slip of the thumb: the button shows once the confirmation is opened.
    assert not delete.is_visible()
    figure.locator("summary").click()
    assert delete.is_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=str(hub_server.log.parent / "meeting-photo-remove-phone.png"), full_page=True)
    delete.click()
    page.wait_for_url(f"**/classes/meetings/{record.pk}/#photos")
    assert page.locator(f"#photo-{wrong.pk}").count() == 0
    assert page.locator("#photos img").count() == 1
    assert page.locator(f"#photo-{kept.pk} img").evaluate("img => img.naturalWidth") > 0
    assert not MeetingPhoto.objects.filter(pk=wrong.pk).exists()
    assert not wrong_file.exists()
    assert (Path(settings.HUB_PRIVATE_MEDIA_ROOT) / kept.image.name).exists()

    item = page.locator(f"#attachment-{sheet.pk}")
    item.locator("summary").click()
    assert "错传的文件.pdf" in item.locator(".remove-confirm").inner_text()
    item.get_by_role("button", name="删除").click()
    page.wait_for_url(f"**/classes/meetings/{record.pk}/#attachments")
    assert page.locator(f"#attachment-{sheet.pk}").count() == 0
    assert "错传的文件.pdf" in page.locator(".messages").inner_text()
    assert not MeetingAttachment.objects.filter(pk=sheet.pk).exists()
    assert not sheet_file.exists()
    _no_sideways_scroll(page)
    context.close()
    assert js_errors.list == []
