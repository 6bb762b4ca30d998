"""Removing a meeting record's photo or attachment uploaded by mistake: the managers of the record only, the
row and its file (the file once the removal is committed), a POST behind a confirmation in the page; and the
meeting records read in the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client

from livestreams.models import MeetingAttachment, MeetingPhoto
from livestreams.services.meetings import meeting_attachment_remove, meeting_photo_remove
from tests.meetings_files_helpers import add_attachment, add_photo, offline_record
from tests.support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(world, organizer):
    return offline_record(world, organizer)


@pytest.fixture
def photo(record, organizer):
    return add_photo(record, organizer)


@pytest.fixture
def attachment(record, organizer):
    return add_attachment(record, organizer)


def _stored(field) -> bool:
    return field.storage.exists(field.name)


# --- The services ---------------------------------------------------------------------------------


def test_it_removes_a_photo_and_its_file_once_committed(photo, organizer, django_capture_on_commit_callbacks):
    image = photo.image
    assert _stored(image)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert meeting_photo_remove(user=organizer, photo=photo) is True
        assert _stored(image)  # not before the commit
    assert len(callbacks) == 1
    assert not MeetingPhoto.objects.filter(pk=photo.pk).exists()
    assert not _stored(image)


def test_it_removes_an_attachment_and_its_file(attachment, staff, django_capture_on_commit_callbacks):
    file = attachment.file
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_attachment_remove(user=staff, attachment=attachment) is True
    assert not MeetingAttachment.objects.filter(pk=attachment.pk).exists()
    assert not _stored(file)


def test_a_removal_rolled_back_keeps_the_row_and_the_file(
    photo, organizer, django_capture_on_commit_callbacks
):
    image = photo.image
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            meeting_photo_remove(user=organizer, photo=photo)
            raise RuntimeError("something after it failed")
    assert callbacks == []
    assert MeetingPhoto.objects.filter(pk=photo.pk).exists() and _stored(image)


@pytest.mark.parametrize("who", ["official", "member", "outsider", "other_organizer", "merchant"])
def test_it_refuses_anyone_who_may_not_edit_the_record(
    request, who, photo, attachment, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(who)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(PermissionDenied):
            meeting_photo_remove(user=user, photo=photo)
        with pytest.raises(PermissionDenied):
            meeting_attachment_remove(user=user, attachment=attachment)
    assert MeetingPhoto.objects.filter(pk=photo.pk).exists() and _stored(photo.image)
    assert MeetingAttachment.objects.filter(pk=attachment.pk).exists() and _stored(attachment.file)


def test_removing_what_is_already_gone_says_so_and_changes_nothing(
    photo, attachment, organizer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_photo_remove(user=organizer, photo=photo) is True
        assert meeting_attachment_remove(user=organizer, attachment=attachment) is True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert meeting_photo_remove(user=organizer, photo=photo) is False
        assert meeting_attachment_remove(user=organizer, attachment=attachment) is False
    assert callbacks == []


def test_it_removes_only_the_one_photo(record, photo, organizer, django_capture_on_commit_callbacks):
    other = add_photo(record, organizer, color=(0, 90, 160))
    with django_capture_on_commit_callbacks(execute=True):
        meeting_photo_remove(user=organizer, photo=photo)
    assert list(record.photos.all()) == [other] and _stored(other.image)


# --- The views ------------------------------------------------------------------------------------


def _photo_url(photo) -> str:
    return f"/classes/meetings/{photo.record_id}/photos/{photo.pk}/remove/"


def _attachment_url(att) -> str:
    return f"/classes/meetings/{att.record_id}/attachments/{att.pk}/remove/"


def test_the_organizer_removes_a_photo_from_the_record_page(
    photo, organizer, django_capture_on_commit_callbacks
):
    client = client_for(organizer)
    page = client.get(f"/classes/meetings/{photo.record_id}/").content.decode()
    assert f'action="{_photo_url(photo)}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(_photo_url(photo), follow=True)
    assert resp.redirect_chain == [(f"/classes/meetings/{photo.record_id}/#photos", 302)]
    assert not MeetingPhoto.objects.filter(pk=photo.pk).exists() and not _stored(photo.image)
    html = resp.content.decode()
    assert "照片已删除" in html or "Photo removed." in html
    assert f"/photos/{photo.pk}.jpg" not in html


def test_the_organizer_removes_an_attachment_from_the_record_page(
    attachment, organizer, django_capture_on_commit_callbacks
):
    client = client_for(organizer)
    page = client.get(f"/classes/meetings/{attachment.record_id}/").content.decode()
    assert f'action="{_attachment_url(attachment)}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(_attachment_url(attachment), follow=True)
    assert resp.status_code == 200
    assert not MeetingAttachment.objects.filter(pk=attachment.pk).exists() and not _stored(attachment.file)
    assert "签到表.pdf" in resp.content.decode()  # the message names what was removed
    assert f"/attachments/{attachment.pk}/" not in resp.content.decode()


def test_a_get_on_the_delete_address_deletes_nothing(photo, attachment, organizer):
    client = client_for(organizer)
    assert client.get(_photo_url(photo)).status_code == 405
    assert client.get(_attachment_url(attachment)).status_code == 405
    assert MeetingPhoto.objects.filter(pk=photo.pk).exists() and _stored(photo.image)
    assert MeetingAttachment.objects.filter(pk=attachment.pk).exists() and _stored(attachment.file)


def test_the_delete_forms_carry_a_csrf_token_and_a_post_without_one_is_refused(photo, attachment, organizer):
    page = client_for(organizer).get(f"/classes/meetings/{photo.record_id}/").content.decode()
    for url in (_photo_url(photo), _attachment_url(attachment)):
        before, after = page.split(f'action="{url}"', 1)
        assert before.endswith('<form method="post" ')
        assert 'name="csrfmiddlewaretoken"' in after.split("</form>", 1)[0]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(organizer)
    assert strict.post(_photo_url(photo)).status_code == 403
    assert strict.post(_attachment_url(attachment)).status_code == 403
    assert MeetingPhoto.objects.filter(pk=photo.pk).exists()
    assert MeetingAttachment.objects.filter(pk=attachment.pk).exists()


def test_the_delete_button_sits_inside_a_confirmation_that_starts_closed(photo, organizer):
    page = client_for(organizer).get(f"/classes/meetings/{photo.record_id}/").content.decode()
    block = page.split(f'id="photo-{photo.pk}"', 1)[1].split("</figure>", 1)[0]
    assert '<details class="remove-confirm">' in block and "<details open" not in block
    assert block.index("<summary>") < block.index(f'action="{_photo_url(photo)}"')


# The permission matrix of the two POST actions (the page matrix in tests/matrix/m16files.py sends GET):
# the managers of the record remove; an official reads the record but may not (403, as the record's other
# managers' pages); anyone who may not read the record gets 404, as if it did not exist.
POST_MATRIX = {
    "organizer": 302,
    "staff": 302,
    "official": 403,
    "member": 404,
    "outsider": 404,
    "merchant": 404,
    "other_organizer": 404,
    "anonymous": 302,
}


@pytest.mark.parametrize("persona, expected", POST_MATRIX.items())
@pytest.mark.parametrize("what", ["photo", "attachment"])
def test_who_may_remove(
    request, persona, expected, what, photo, attachment, django_capture_on_commit_callbacks
):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    url = _photo_url(photo) if what == "photo" else _attachment_url(attachment)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_for(user).post(url)
    assert resp.status_code == expected
    if expected == 302 and user is None:
        assert resp["Location"].startswith("/accounts/login/")
    removed = persona in ("organizer", "staff")
    model = MeetingPhoto if what == "photo" else MeetingAttachment
    item = photo if what == "photo" else attachment
    assert model.objects.filter(pk=item.pk).exists() is not removed
    if resp.status_code in (403, 404):
        assert 'id="site-nav"' in resp.content.decode()


def test_the_remove_buttons_are_only_for_those_who_may_remove(photo, attachment, official):
    page = client_for(official).get(f"/classes/meetings/{photo.record_id}/").content.decode()
    assert "/remove/" not in page and "remove-confirm" not in page
    assert f"/photos/{photo.pk}.jpg" in page


def test_a_photo_of_another_record_is_not_found_through_this_one(world, record, organizer, other_organizer):
    theirs = offline_record(world, other_organizer, branch=world.branch_b, topic="外区支委会")
    their_photo = add_photo(theirs, other_organizer)
    their_file = add_attachment(theirs, other_organizer)
    client = client_for(organizer)
    assert client.post(f"/classes/meetings/{record.pk}/photos/{their_photo.pk}/remove/").status_code == 404
    assert (
        client.post(f"/classes/meetings/{record.pk}/attachments/{their_file.pk}/remove/").status_code == 404
    )
    assert client.post(_photo_url(their_photo)).status_code == 404
    assert client.post(_attachment_url(their_file)).status_code == 404
    assert client.post(f"/classes/meetings/{record.pk}/photos/999999/remove/").status_code == 404
    assert MeetingPhoto.objects.filter(pk=their_photo.pk).exists()
    assert MeetingAttachment.objects.filter(pk=their_file.pk).exists()


# --- The admin ------------------------------------------------------------------------------------

ADMIN_MODELS = [
    "meetingrecord",
    "meetingphoto",
    "meetingattachment",
    "meetingrule",
    "meetingplan",
    "meetingplanreminder",
]


@pytest.fixture
def filled(world, organizer, photo, attachment, record):
    from livestreams.models import MeetingPlanReminder
    from livestreams.services.meetings import meeting_plan_save, meeting_rule_save

    meeting_plan_save(
        user=organizer, organization=world.branch_a, year=2026, quarters={"committee_meeting": [3, 3, 3, 3]}
    )
    meeting_rule_save(
        user=organizer, region=world.sub_a, min_minutes=40, min_attendance_percent=60, minutes_required=True
    )
    MeetingPlanReminder.objects.create(organization=world.branch_a, year=2026, quarter=4)
    return record


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_staff_open_every_meeting_list_and_row_in_the_admin(staff, filled, model):
    from django.apps import apps

    client = client_for(staff)
    assert client.get(f"/admin/livestreams/{model}/").status_code == 200
    assert client.get(f"/admin/livestreams/{model}/", {"q": "支部"}).status_code == 200
    obj = apps.get_model("livestreams", model).objects.first()
    assert obj is not None
    assert client.get(f"/admin/livestreams/{model}/{obj.pk}/change/").status_code == 200
    assert client.get(f"/admin/livestreams/{model}/add/").status_code == 403


def test_the_admin_shows_the_files_as_links_to_the_checked_views(staff, filled, photo, attachment):
    client = client_for(staff)
    record_page = client.get(f"/admin/livestreams/meetingrecord/{filled.pk}/change/").content.decode()
    assert f"/classes/meetings/{filled.pk}/photos/{photo.pk}.jpg" in record_page
    assert f"/classes/meetings/{filled.pk}/attachments/{attachment.pk}/" in record_page
    listing = client.get("/admin/livestreams/meetingattachment/").content.decode()
    assert (
        f"/classes/meetings/{filled.pk}/attachments/{attachment.pk}/" in listing and "签到表.pdf" in listing
    )
    # Read-only: the admin's delete (which would leave the file behind) is not offered.
    assert client.get(f"/admin/livestreams/meetingphoto/{photo.pk}/delete/").status_code == 403


def test_the_admin_lists_are_for_staff_only(organizer, filled):
    resp = client_for(organizer).get("/admin/livestreams/meetingrecord/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
