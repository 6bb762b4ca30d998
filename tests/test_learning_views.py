"""Issue 15 pages: courseware upload and download (who may, what type), leave asked and decided through the
pages, the attendance page while live ("in progress", who watches now), make-up pings, the learning record
(with its query count), its .xlsx export read back, the rankings, co-hosts, end now, and the host-page fixes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hub.redis import get_redis
from livestreams.models import (
    Attendance,
    Courseware,
    LeaveRequest,
    LiveSession,
    PartyClass,
    Reminder,
    ReplayWatch,
    StreamPublish,
)
from livestreams.realtime import presence_key, user_person
from tests import factories as f
from tests.classes_helpers import class_session, members_of
from tests.room_helpers import clean_room_redis
from tests.support import client_for

pytestmark = pytest.mark.django_db
S = LiveSession.Status
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.HUB_PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _ended(world, **pc):
    now = timezone.now()
    s = class_session(
        world, status=S.ENDED, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )
    LiveSession.objects.filter(pk=s.pk).update(went_live_at=s.starts_at, ended_at=s.ends_at)
    if pc:
        PartyClass.objects.filter(pk=s.pk).update(**pc)
    s.refresh_from_db()
    return s


def test_the_organizer_attaches_courseware_and_the_audience_downloads_it(world, organizer, member, outsider):
    from django.core.files.uploadedfile import SimpleUploadedFile

    s = class_session(world)
    resp = client_for(organizer).post(
        f"/classes/{s.pk}/courseware/",
        {"title": "第一讲", "file": SimpleUploadedFile("a.pdf", PDF)},
        follow=True,
    )
    assert "Courseware attached." in resp.content.decode() or "课件已添加" in resp.content.decode()
    item = Courseware.objects.get()
    page = client_for(member).get(f"/classes/{s.pk}/").content.decode()
    assert "第一讲" in page and f"/classes/{s.pk}/courseware/{item.pk}/" in page
    room = client_for(member).get(f"/live/{s.pk}/").content.decode()
    assert f"/classes/{s.pk}/courseware/{item.pk}/" in room
    download = client_for(member).get(f"/classes/{s.pk}/courseware/{item.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF
    assert client_for(outsider).get(f"/classes/{s.pk}/courseware/{item.pk}/").status_code == 404
    # A member cannot attach; a lying file is refused with a message and nothing is stored.
    assert (
        client_for(member)
        .post(f"/classes/{s.pk}/courseware/", {"file": SimpleUploadedFile("b.pdf", PDF)})
        .status_code
        == 403
    )
    resp = client_for(organizer).post(
        f"/classes/{s.pk}/courseware/",
        {"file": SimpleUploadedFile("c.pdf", b"MZ\x90\x00 not a pdf")},
        follow=True,
    )
    assert resp.status_code == 200 and Courseware.objects.count() == 1


def test_a_member_asks_for_leave_on_the_class_page_and_the_organizer_approves_on_the_attendance_page(
    world, organizer, member
):
    s = class_session(world, status=S.LIVE, starts_at=timezone.now() - timedelta(minutes=1))
    page = client_for(member).get(f"/classes/{s.pk}/").content.decode()
    assert f"/classes/{s.pk}/leave/" in page
    resp = client_for(member).post(f"/classes/{s.pk}/leave/", {"reason": ""}, follow=True)
    assert resp.status_code == 200 and not LeaveRequest.objects.exists()
    client_for(member).post(f"/classes/{s.pk}/leave/", {"reason": "值班"})
    leave = LeaveRequest.objects.get()
    attendance = client_for(organizer).get(f"/classes/{s.pk}/attendance/").content.decode()
    assert "值班" in attendance and f"/classes/{s.pk}/leave/{leave.pk}/decide/" in attendance
    assert (
        client_for(member)
        .post(f"/classes/{s.pk}/leave/{leave.pk}/decide/", {"decision": "approve"})
        .status_code
        == 403
    )
    client_for(organizer).post(f"/classes/{s.pk}/leave/{leave.pk}/decide/", {"decision": "bogus"})
    assert LeaveRequest.objects.get().state == "pending"
    client_for(organizer).post(f"/classes/{s.pk}/leave/{leave.pk}/decide/", {"decision": "approve"})
    assert LeaveRequest.objects.get().state == "approved"
    assert Attendance.objects.get(session=s, member__user=member).excused


def test_the_attendance_page_of_a_live_class_says_in_progress_with_who_watches(world, organizer, member):
    clean_room_redis()
    s = class_session(world, status=S.LIVE, starts_at=timezone.now() - timedelta(minutes=10))
    other = members_of(world.branch_a, 1)[0]
    get_redis().zadd(presence_key(s.pk), {user_person(member.pk): timezone.now().timestamp() + 60})
    page = client_for(organizer).get(f"/classes/{s.pk}/attendance/").content.decode()
    assert 'id="in-progress"' in page
    assert "1 of 2 watching now." in page or "2 人中 1 人正在观看" in page
    assert page.count('class="watching"') == 1
    assert str(other.user) in page
    clean_room_redis()


def test_replay_pings_from_the_room_make_up_the_class_and_show_in_the_records(world, organizer, member):
    s = _ended(world, attendance_threshold=1)
    client = client_for(member)
    assert client.post(f"/live/{s.pk}/replay/ping/").json() == {"seconds": 0, "made_up": False}
    ReplayWatch.objects.filter(session=s).update(last_ping_at=timezone.now() - timedelta(seconds=40))
    assert client.post(f"/live/{s.pk}/replay/ping/").json()["made_up"] is True
    live = class_session(world, status=S.LIVE)
    refused = client.post(f"/live/{live.pk}/replay/ping/")
    assert refused.status_code == 400 and refused.json()["error"]
    attendance = client_for(organizer).get(f"/classes/{s.pk}/attendance/").content.decode()
    assert "Made up by replay" in attendance or "已补学" in attendance
    record = client.get("/classes/learning/").content.decode()
    assert 'data-k="made_up">1<' in record


def test_the_learning_record_page_costs_a_fixed_number_of_queries(
    world, member, django_assert_max_num_queries
):
    for _i in range(4):
        s = _ended(world)
        Attendance.objects.create(session=s, member=member.party_member, seconds_watched=3600, attended=True)
    client = client_for(member)
    client.get("/classes/learning/")
    with django_assert_max_num_queries(30):
        page = client.get("/classes/learning/").content.decode()
    assert 'data-k="attended">4<' in page and 'data-k="points">40<' in page


def test_the_learning_record_exports_as_xlsx(world, member):
    s = _ended(world)
    Attendance.objects.create(session=s, member=member.party_member, seconds_watched=3600, attended=True)
    resp = client_for(member).get(f"/classes/learning.xlsx?year={timezone.localdate().year}")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    titles = [r[1] for r in rows if r and r[1]]
    assert s.title in titles
    data = next(r for r in rows if r[1] == s.title)
    assert data[3] == 60 and data[-1] == 10  # minutes live, points


def test_the_rankings_page_and_its_bad_filters(world, organizer, official, member):
    s = _ended(world)
    Attendance.objects.create(session=s, member=member.party_member, seconds_watched=3600, attended=True)
    page = client_for(organizer).get("/classes/learning/rankings/").content.decode()
    assert world.branch_a.name in page and "淮河路街道" in page
    assert client_for(official).get("/classes/learning/rankings/?year=x&quarter=7").status_code == 200
    assert client_for(member).get("/classes/learning/rankings/").status_code == 403
    own = client_for(member).get("/classes/learning/").content.decode()
    # First of one member in the branch; the branch first among its subdistrict's branches.
    assert 'data-k="rank">1 / 1<' in own and 'data-k="branch_rank">1 / ' in own


def test_the_organizer_names_a_co_host_who_then_moderates(world, organizer, member):
    from livestreams.permissions import can_manage

    s = class_session(world, status=S.LIVE)
    room = client_for(organizer).get(f"/live/{s.pk}/").content.decode()
    assert 'id="room-console"' in room and "cohost-select" in room
    assert 'id="room-console"' not in client_for(member).get(f"/live/{s.pk}/").content.decode()
    client_for(organizer).post(f"/live/{s.pk}/cohosts/", {"cohost": member.pk})
    assert can_manage(member, s)
    # A co-host moderates but does not name more co-hosts.
    other = members_of(world.branch_a, 1)[0]
    assert client_for(member).post(f"/live/{s.pk}/cohosts/", {"cohost": other.user_id}).status_code == 403
    outsider_member = f.MemberFactory(branch=world.branch_b).user
    client_for(organizer).post(f"/live/{s.pk}/cohosts/", {"cohost": outsider_member.pk})
    assert not s.hosts.filter(pk=outsider_member.pk).exists()
    client_for(organizer).post(f"/live/{s.pk}/cohosts/{member.pk}/remove/")
    assert not can_manage(member, s)


def test_end_now_refuses_members_and_sessions_that_are_not_live(world, organizer, member):
    s = class_session(world, status=S.LIVE)
    assert client_for(member).post(f"/live/{s.pk}/end/").status_code == 403
    scheduled = class_session(world)
    client_for(organizer).post(f"/live/{scheduled.pk}/end/")
    scheduled.refresh_from_db()
    assert scheduled.status == S.SCHEDULED
    client_for(organizer).post(f"/live/{s.pk}/end/")
    s.refresh_from_db()
    assert s.status == S.ENDED


def test_reminders_past_at_creation_say_so_and_offsets_read_in_days(world, organizer):
    s = class_session(world, created_by=organizer)
    for offset, state, due in [
        (1440, Reminder.State.DROPPED, s.created_at - timedelta(hours=1)),
        (60, Reminder.State.PENDING, s.starts_at - timedelta(hours=1)),
    ]:
        Reminder.objects.create(
            session=s,
            user=organizer,
            offset_minutes=offset,
            due_at=due,
            for_starts_at=s.starts_at,
            state=state,
        )
    page = client_for(organizer).get(f"/classes/{s.pk}/").content.decode()
    assert "1440" not in page
    assert "已放弃" not in page and "创建时已过" in page
    assert "1 天" in page and "1 小时" in page


def test_the_pushes_table_keeps_on_air_out_of_the_ended_column(world, organizer):
    s = class_session(world, status=S.LIVE)
    now = timezone.now()
    StreamPublish.objects.create(session=s, client_id="1", started_at=now, last_seen_at=now)
    page = client_for(organizer).get(f"/live/{s.pk}/stream/").content.decode()
    row = page[page.index("<tbody>", page.index("pushes-title")) :]
    row = row[: row.index("</tr>")]
    cells = row.split("<td>")
    assert cells[2].startswith("—") and "status-live" in cells[3]
