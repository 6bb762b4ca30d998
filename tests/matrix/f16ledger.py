"""Meeting records (三会一课台账): a branch's meetings, one record (detail, edit, print, attendance, photos,
attachments, the QR sign-in page), the validity rules, the annual plan, and the dashboard's compliance table.

The records of district A's branch: its organizers manage them, the district's officials read them, hub staff
do both; a member of the branch signs in at an offline meeting but does not read its record."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from livestreams.models import LiveSession, MeetingAttachment, MeetingPhoto, MeetingRecord, PartyClass
from livestreams.selectors.meetings import signin_token
from tests import factories as f


def setup(w):
    now = timezone.now()
    branch = w.world.branch_a
    w.meeting = MeetingRecord.objects.create(
        organization=branch,
        region=branch.region,
        kind=PartyClass.ClassKind.COMMITTEE_MEETING,
        topic="支委会",
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(minutes=30),
        place="党群活动室",
        host_name="王书记",
        recorder_name="李委员",
    )
    w.meeting_photo = MeetingPhoto.objects.create(record=w.meeting)
    w.meeting_photo.image.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0 not checked here"), save=True)
    w.meeting_file = MeetingAttachment(record=w.meeting, name="签到表.pdf", size=4)
    w.meeting_file.file.save("a.pdf", ContentFile(b"%PDF"), save=True)
    ended = f.LiveSessionFactory(
        host_organization=branch,
        status=LiveSession.Status.ENDED,
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(hours=1),
        audience_orgs=[branch],
    )
    f.PartyClassFactory(session=ended, class_kind=PartyClass.ClassKind.GROUP_MEETING)
    w.meeting_class = ended


def pages(w):
    anon = {"anonymous": 302}
    ledger = {"organizer": 200, "official": 200, "staff": 200, **anon}
    a, b = w.world.branch_a.pk, w.world.branch_b.pk
    yield f"/classes/records/branch/{a}/", ledger, 403
    yield f"/classes/records/branch/{b}/", {"staff": 200, "organizer": 404, "official": 404, **anon}, 403
    yield f"/classes/plans/{a}/", ledger, 403
    yield f"/classes/plans/{b}/", {"staff": 200, "organizer": 404, "official": 404, **anon}, 403
    yield "/classes/records/rules/", {"organizer": 200, "staff": 200, **anon}, 403
    yield "/classes/meetings/new/", {"organizer": 200, "staff": 200, **anon}, 403
    m = w.meeting.pk
    yield f"/classes/meetings/{m}/", ledger
    yield f"/classes/meetings/{m}/print/", ledger
    yield f"/classes/meetings/{m}/photos/{w.meeting_photo.pk}.jpg", ledger
    yield f"/classes/meetings/{m}/attachments/{w.meeting_file.pk}/", ledger
    managers = {"organizer": 200, "staff": 200, "official": 403, **anon}
    yield f"/classes/meetings/{m}/edit/", managers
    yield f"/classes/meetings/{m}/attendance/", managers
    # Upload endpoints take POST only.
    yield f"/classes/meetings/{m}/photos/", anon, 405
    yield f"/classes/meetings/{m}/attachments/", anon, 405
    # The QR code's page: the members of the meeting's organization (and its managers) sign in there.
    token = signin_token(w.meeting)
    yield f"/classes/meetings/{m}/sign-in/{token}/", {"member": 200, "organizer": 200, "staff": 200, **anon}
    yield "/classes/meetings/999999/", anon
    # A livestreamed meeting's record: its managers start it, readers of records are sent to it.
    yield (
        f"/classes/{w.meeting_class.pk}/meeting/",
        {"organizer": 200, "staff": 200, "official": 403, "member": 403, **anon},
    )
    readers = {"official": 200, "staff": 200, **anon}
    yield "/dashboard/data/plan-compliance.json", readers, 403
    yield "/dashboard/export/plan-compliance.xlsx", readers, 403
