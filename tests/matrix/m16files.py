"""Removing a meeting record's photos and attachments (issue 16 follow-up): POST-only actions, so a GET
answers 405 to everyone signed in and deletes nothing (tests/test_meetings_files.py has who may POST)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from livestreams.models import MeetingAttachment, MeetingPhoto, MeetingRecord, PartyClass


def setup(w):
    now = timezone.now()
    branch = w.world.branch_a
    w.m16_record = MeetingRecord.objects.create(
        organization=branch,
        region=branch.region,
        kind=PartyClass.ClassKind.GROUP_MEETING,
        topic="党小组会",
        starts_at=now - timedelta(minutes=60),
        ends_at=now,
        place="党群活动室",
    )
    w.m16_photo = MeetingPhoto.objects.create(record=w.m16_record)
    w.m16_photo.image.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0 not checked here"), save=True)
    w.m16_file = MeetingAttachment(record=w.m16_record, name="发言稿.docx", size=4)
    w.m16_file.file.save("a.docx", ContentFile(b"PK.."), save=True)


def pages(w):
    m = w.m16_record.pk
    yield f"/classes/meetings/{m}/photos/{w.m16_photo.pk}/remove/", {"anonymous": 302}, 405
    yield f"/classes/meetings/{m}/attachments/{w.m16_file.pk}/remove/", {"anonymous": 302}, 405
