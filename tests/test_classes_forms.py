"""The scheduling form: good input builds the class details; bad input gets a clear message."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from livestreams.forms.classes import PartyClassForm
from livestreams.models import PartyClass
from tests import factories as f
from tests.classes_helpers import image_upload, schedule, soon

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def data(world, **kw):
    start = kw.pop("start", soon())
    values = {
        "title": "红色直播党课：学党史",
        "class_kind": PartyClass.ClassKind.PARTY_LECTURE,
        "host_organization": world.root_a.pk,
        "audience_orgs": [world.branch_a.pk],
        "starts_at": timezone.localtime(start).strftime(FMT),
        "ends_at": timezone.localtime(start + timedelta(hours=1)).strftime(FMT),
        "playback": "hub",
        "visibility": "audience",
        "reminder_offsets": ["1440", "15"],
        "attendance_threshold": "60",
    }
    values.update(kw)
    return values


def test_it_accepts_a_complete_class_and_builds_its_details(world, organizer):
    expert = f.ExpertFactory(institution__alliance__lead_organization=world.root_a)
    venue = f.VenueFactory(region=world.sub_a)
    form = PartyClassForm(
        data(world, lecturer=f"e:{expert.pk}", venue=venue.pk, use_signin_code="on"), user=organizer
    )
    assert form.is_valid(), form.errors
    d = form.details()
    assert d.lecturer_expert == expert and d.lecturer_member is None
    assert d.venue == venue
    assert d.reminder_offsets == [1440, 15]
    assert d.use_signin_code is True
    assert d.starts_at.tzinfo is not None
    assert timezone.localtime(d.starts_at).strftime(FMT) == form.data["starts_at"]  # read as Beijing time
    assert form.recurrence() is None


def test_it_refuses_an_end_before_the_start(world, organizer):
    start = soon()
    form = PartyClassForm(
        data(world, start=start, ends_at=timezone.localtime(start - timedelta(minutes=30)).strftime(FMT)),
        user=organizer,
    )
    assert not form.is_valid()
    assert "ends_at" in form.errors


def test_it_refuses_a_start_in_the_past(world, organizer):
    form = PartyClassForm(data(world, start=timezone.now() - timedelta(hours=2)), user=organizer)
    assert not form.is_valid()
    assert "starts_at" in form.errors


def test_it_refuses_an_audience_outside_the_organizers_scope(world, organizer):
    form = PartyClassForm(data(world, audience_orgs=[world.branch_b.pk]), user=organizer)
    assert not form.is_valid()
    assert "audience_orgs" in form.errors


def test_it_refuses_a_host_outside_the_organizers_scope(world, organizer):
    form = PartyClassForm(data(world, host_organization=world.root_b.pk), user=organizer)
    assert not form.is_valid()
    assert "host_organization" in form.errors


def test_it_needs_an_audience(world, organizer):
    form = PartyClassForm(data(world, audience_orgs=[]), user=organizer)
    assert not form.is_valid()
    assert "audience_orgs" in form.errors


@pytest.mark.parametrize(
    "field,value",
    [
        ("starts_at", "next tuesday"),
        ("starts_at", ""),
        ("lecturer", "m:notanumber"),
        ("lecturer", "m:999999"),
        ("class_kind", "karaoke"),
        ("attendance_threshold", "0"),
        ("attendance_threshold", "101"),
        ("reminder_offsets", ["7"]),
        ("repeat", "daily"),
        ("external_url", "not a url"),
    ],
)
def test_it_refuses_malformed_values_with_a_message_on_the_field(world, organizer, field, value):
    form = PartyClassForm(data(world, **{field: value}), user=organizer)
    assert not form.is_valid()
    assert form.errors.get(field)


def test_it_asks_for_the_external_address_when_playing_from_another_platform(world, organizer):
    form = PartyClassForm(data(world, playback="external"), user=organizer)
    assert not form.is_valid()
    assert "external_url" in form.errors


def test_it_needs_an_until_date_for_a_repeating_class(world, organizer):
    form = PartyClassForm(data(world, repeat="weekly"), user=organizer)
    assert not form.is_valid()
    assert "repeat_until" in form.errors


def test_it_accepts_a_weekly_class_until_a_date(world, organizer):
    start = soon()
    until = (timezone.localtime(start) + timedelta(days=21)).date()
    form = PartyClassForm(
        data(world, start=start, repeat="weekly", repeat_until=until.isoformat()), user=organizer
    )
    assert form.is_valid(), form.errors
    assert form.recurrence().until == until


def test_it_warns_when_the_lecturer_is_already_booked_and_goes_ahead_when_confirmed(world, organizer):
    lecturer = f.MemberFactory(branch=world.branch_a)
    start = soon()
    schedule(world, organizer, starts_at=start, lecturer_member=lecturer)
    overlapping = data(world, start=start + timedelta(minutes=30), lecturer=f"m:{lecturer.pk}")
    form = PartyClassForm(overlapping, user=organizer)
    assert not form.is_valid()
    assert form.conflicts.lecturer and not form.conflicts.venue
    assert form.non_field_errors()
    confirmed = PartyClassForm({**overlapping, "confirm_conflicts": "on"}, user=organizer)
    assert confirmed.is_valid(), confirmed.errors


def test_it_warns_when_the_venue_is_already_booked(world, organizer):
    venue = f.VenueFactory(region=world.sub_a)
    start = soon()
    schedule(world, organizer, starts_at=start, venue=venue)
    form = PartyClassForm(data(world, start=start, venue=venue.pk), user=organizer)
    assert not form.is_valid()
    assert form.conflicts.venue


def test_a_cancelled_class_does_not_book_the_venue(world, organizer):
    from livestreams.services.classes import party_class_cancel

    venue = f.VenueFactory(region=world.sub_a)
    start = soon()
    (pc,) = schedule(world, organizer, starts_at=start, venue=venue)
    party_class_cancel(user=organizer, party_class=pc)
    assert PartyClassForm(data(world, start=start, venue=venue.pk), user=organizer).is_valid()


def test_a_cover_image_is_verified_resized_and_stripped_of_exif(world, organizer):
    form = PartyClassForm(data(world), {"cover": image_upload(size=(3000, 2000))}, user=organizer)
    assert form.is_valid(), form.errors
    cover = form.cleaned_data["cover"]
    img = Image.open(BytesIO(cover.read()))
    assert img.format == "JPEG"
    # The EXIF orientation (rotate 90°) is applied, then the picture fits 1280×720.
    assert img.size == (480, 720)
    assert dict(img.getexif()) == {}
    assert cover.name.endswith(".jpg")


def test_a_png_with_transparency_becomes_a_jpeg_on_white(world, organizer):
    img = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    out = BytesIO()
    img.save(out, "PNG")
    upload = SimpleUploadedFile("t.png", out.getvalue(), content_type="image/png")
    form = PartyClassForm(data(world), {"cover": upload}, user=organizer)
    assert form.is_valid(), form.errors
    stored = Image.open(BytesIO(form.cleaned_data["cover"].read()))
    assert stored.getpixel((10, 10)) == (255, 255, 255)


def test_it_refuses_a_file_that_is_not_an_image(world, organizer):
    fake = SimpleUploadedFile(
        "cover.jpg", b"\xff\xd8\xff\xe0 not really a jpeg" * 20, content_type="image/jpeg"
    )
    form = PartyClassForm(data(world), {"cover": fake}, user=organizer)
    assert not form.is_valid()
    assert "cover" in form.errors


def test_it_refuses_a_cover_over_the_size_limit(world, organizer, settings):
    settings.HUB_COVER_MAX_BYTES = 1024
    form = PartyClassForm(data(world), {"cover": image_upload(size=(800, 600), exif=False)}, user=organizer)
    assert not form.is_valid()
    assert "cover" in form.errors


def test_it_refuses_an_image_with_too_many_pixels(world, organizer):
    form = PartyClassForm(
        data(world), {"cover": image_upload(size=(9000, 5000), fmt="PNG", exif=False)}, user=organizer
    )
    assert not form.is_valid()
    assert "cover" in form.errors
