"""Helpers of the tests that remove a meeting record's photos and attachments (tests/test_meetings_files*.py)."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from livestreams.models import MeetingAttachment, MeetingPhoto, MeetingRecord
from livestreams.services.meetings import meeting_attachment_add, meeting_photo_add, meeting_record_create
from tests.meetings_helpers import CK, in_quarter


def jpeg(color=(200, 16, 46)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(out, "JPEG")
    return out.getvalue()


def offline_record(world, organizer, *, branch=None, topic="支部委员会：研究发展党员工作") -> MeetingRecord:
    start = in_quarter()
    return meeting_record_create(
        user=organizer,
        organization=branch or world.branch_a,
        kind=CK.COMMITTEE_MEETING,
        topic=topic,
        starts_at=start,
        ends_at=start + timedelta(minutes=60),
        place="二七丝路网红大厦 党群活动室",
        host_name="王书记",
        recorder_name="李委员",
        minutes="一、传达上级精神。",
    )


def add_photo(record: MeetingRecord, organizer, color=(200, 16, 46)) -> MeetingPhoto:
    # The view hands the service a JPEG that hub.images has re-encoded under a random name; so does this.
    return meeting_photo_add(user=organizer, record=record, image=ContentFile(jpeg(color), name="p.jpg"))


def add_attachment(record: MeetingRecord, organizer, name="签到表.pdf") -> MeetingAttachment:
    upload = SimpleUploadedFile(name, b"%PDF-1.4 sign-in sheet", "application/pdf")
    return meeting_attachment_add(user=organizer, record=record, upload=upload)
