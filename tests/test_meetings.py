"""三会一课 records: validity rules decide what counts (the 90-second empty 党小组会 does not, and says why),
the ledger's totals add up, offline meetings with their attendance, sign-in by QR code, photos and
attachments, the annual plan and its reminders, the export read back, and bounded queries."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from hub.emails import emails_deliver
from hub.models import Notification, OutgoingEmail
from livestreams.models import MeetingAttendee, MeetingPlanReminder, MeetingRecord
from livestreams.selectors.classes import current_quarter
from livestreams.selectors.meetings import (
    DEFAULT_RULES,
    Rules,
    branch_ledger,
    branch_plan,
    meeting_of_record,
    meeting_reasons,
    signin_token,
)
from livestreams.services.meetings import (
    meeting_attachment_add,
    meeting_attendance_save,
    meeting_plan_remind,
    meeting_plan_save,
    meeting_record_create,
    meeting_record_for_session,
    meeting_record_update,
    meeting_rule_save,
    meeting_sign_in,
)
from partyorgs.models import Role
from tests import factories as f
from tests.classes_helpers import members_of
from tests.meetings_helpers import CK, in_quarter, online_meeting
from tests.support import client_for

pytestmark = pytest.mark.django_db
State = MeetingAttendee.State


def _ledger(world, branch=None):
    year, quarter = current_quarter()
    return branch_ledger(branches=[branch or world.branch_a], year=year, quarter=quarter)[0]


def _offline(world, organizer, *, kind=CK.COMMITTEE_MEETING, length=60, branch=None, **kw) -> MeetingRecord:
    start = kw.pop("starts_at", None) or in_quarter()
    values = dict(
        user=organizer,
        organization=branch or world.branch_a,
        kind=kind,
        topic="研究发展党员工作",
        starts_at=start,
        ends_at=start + timedelta(minutes=length),
        place="二七丝路网红大厦 党群活动室",
        host_name="王书记",
        recorder_name="李委员",
        minutes="一、传达上级精神。二、研究发展对象。",
        resolutions="同意列为发展对象。",
    )
    values.update(kw)
    return meeting_record_create(**values)


# --- The rules ------------------------------------------------------------------------------------


def test_the_rules_say_each_reason_a_meeting_does_not_count():
    reasons = meeting_reasons(seconds=90, attended=0, expected=5, has_minutes=False, rules=DEFAULT_RULES)
    assert reasons == [
        "时长 1 分 30 秒，不足最低要求 30 分钟。",
        "无人出席。",
        "未填写会议记录。",
    ]
    assert meeting_reasons(seconds=3600, attended=2, expected=5, has_minutes=True, rules=DEFAULT_RULES) == [
        "应到 5 人，实到 2 人，低于最低出席比例 50%。"
    ]
    assert meeting_reasons(seconds=1800, attended=3, expected=5, has_minutes=True, rules=DEFAULT_RULES) == []
    lenient = Rules(min_minutes=1, min_attendance_percent=0, minutes_required=False)
    assert meeting_reasons(seconds=90, attended=1, expected=9, has_minutes=False, rules=lenient) == []


def test_the_90_second_group_meeting_with_nobody_attending_does_not_count_and_says_why(world, organizer):
    members_of(world.branch_a, 3)
    before = _ledger(world)
    online_meeting(world, kind=CK.GROUP_MEETING, seconds=90)
    after = _ledger(world)
    assert after.counts.get(CK.GROUP_MEETING, 0) == 0  # 党小组会 stays 0
    assert after.classes_held == before.classes_held  # 开展总数 does not move
    assert after.not_counted == before.not_counted + 1
    (meeting,) = after.meetings
    assert not meeting.counted
    assert meeting.reasons[0].startswith("时长 1 分 30 秒")
    assert "无人出席。" in meeting.reasons and "未填写会议记录。" in meeting.reasons
    page = client_for(organizer).get(f"/classes/records/branch/{world.branch_a.pk}/").content.decode()
    assert "不计入" in page and "时长 1 分 30 秒，不足最低要求 30 分钟。" in page and "无人出席。" in page


def test_a_livestreamed_party_class_counts_once_its_attendance_comes_from_presence_and_minutes_follow(
    world, organizer
):
    users = [m.user for m in members_of(world.branch_a, 4)]
    session = online_meeting(world, kind=CK.PARTY_LECTURE, seconds=50 * 60, watchers=users[:3])
    meeting = _ledger(world).meetings[0]
    assert (meeting.attended, meeting.absent, meeting.excused) == (3, 1, 0)
    assert meeting.reasons == ["未填写会议记录。"]
    record = meeting_record_for_session(user=organizer, session=session)
    assert meeting_record_for_session(user=organizer, session=session) == record  # made once
    meeting_record_update(
        user=organizer,
        record=record,
        topic=record.topic,
        place=record.place,
        host_name="王书记",
        recorder_name="李委员",
        minutes="学习党章第一章。",
        resolutions="",
    )
    record.refresh_from_db()
    assert record.minutes_written_at is not None
    ledger = _ledger(world)
    assert ledger.counts == {CK.PARTY_LECTURE: 1} and ledger.classes_held == 1 and not ledger.flagged
    assert meeting_of_record(record).counted


def test_the_columns_add_up_to_the_total_and_other_classes_are_listed_beside_it(world, organizer):
    users = [m.user for m in members_of(world.branch_a, 2)]
    for kind in (CK.GENERAL_MEETING, CK.PARTY_LECTURE, CK.THEMED_DAY, CK.STUDY):
        s = online_meeting(world, kind=kind, seconds=3600, watchers=users)
        if kind != CK.STUDY:
            record = meeting_record_for_session(user=organizer, session=s)
            record.minutes = "会议记录"
            record.save()
    online_meeting(world, kind=CK.GROUP_MEETING, seconds=90)
    _offline(world, organizer)  # a committee meeting nobody was listed at: not counted
    r = _ledger(world)
    assert r.meeting_counts == [1, 0, 0, 1, 1]
    assert r.classes_held == sum(r.meeting_counts) == 3
    assert r.not_counted == 2
    assert [m.kind for m in r.other] == [CK.STUDY]
    assert len(r.ledger_meetings) == r.classes_held + r.not_counted


# --- Offline meetings ----------------------------------------------------------------------------


def test_an_offline_committee_meeting_counts_with_its_attendance_and_minutes(world, organizer):
    committee = members_of(world.branch_a, 5)
    record = _offline(world, organizer)
    assert record.session is None and record.region == world.sub_a
    assert not meeting_of_record(record).counted
    entries = [(m.pk, State.ATTENDED, "") for m in committee[:3]]
    entries += [(committee[3].pk, State.EXCUSED, "出差"), (committee[4].pk, "", "")]
    assert meeting_attendance_save(user=organizer, record=record, entries=entries) == 4
    meeting = meeting_of_record(record)
    assert (meeting.attended, meeting.excused, meeting.absent, meeting.expected) == (3, 1, 0, 3)
    assert meeting.counted
    assert _ledger(world).counts == {CK.COMMITTEE_MEETING: 1}


def test_attendance_refuses_an_excuse_without_reason_and_a_member_from_elsewhere(world, organizer):
    mine = members_of(world.branch_a, 1)[0]
    other = members_of(world.branch_b, 1, prefix="o")[0]
    record = _offline(world, organizer)
    with pytest.raises(ValidationError):
        meeting_attendance_save(user=organizer, record=record, entries=[(mine.pk, State.EXCUSED, " ")])
    with pytest.raises(ValidationError):
        meeting_attendance_save(user=organizer, record=record, entries=[(other.pk, State.ATTENDED, "")])
    assert not MeetingAttendee.objects.exists()


def test_an_offline_record_needs_its_organizer_and_a_sensible_time(world, organizer, other_organizer):
    with pytest.raises(PermissionDenied):
        _offline(world, other_organizer)
    with pytest.raises(ValidationError):
        _offline(world, organizer, length=0)
    with pytest.raises(ValidationError):
        _offline(world, organizer, kind=CK.STUDY)
    assert not MeetingRecord.objects.exists()


def test_members_sign_in_with_the_meeting_qr_code_once(world, organizer, member):
    record = _offline(world, organizer, starts_at=timezone.now() - timedelta(minutes=10))
    token = signin_token(record)
    assert meeting_sign_in(user=member, record=record, token=token) is True
    assert meeting_sign_in(user=member, record=record, token=token) is False
    row = MeetingAttendee.objects.get(record=record)
    assert row.state == State.ATTENDED and row.signed_in_at is not None
    with pytest.raises(ValidationError):
        meeting_sign_in(user=member, record=record, token=token[:-2] + "xx")
    stranger = members_of(world.branch_b, 1, prefix="s")[0].user
    with pytest.raises(ValidationError):
        meeting_sign_in(user=stranger, record=record, token=token)


def test_the_sign_in_page_signs_the_member_in(world, organizer, member):
    record = _offline(world, organizer, starts_at=timezone.now() - timedelta(minutes=10))
    url = f"/classes/meetings/{record.pk}/sign-in/{signin_token(record)}/"
    client = client_for(member)
    assert client.get(url).status_code == 200
    resp = client.post(url, follow=True)
    assert "签到成功" in resp.content.decode() or "您已签到" in resp.content.decode()
    assert MeetingAttendee.objects.filter(record=record, state=State.ATTENDED).count() == 1
    outsider_member = members_of(world.branch_b, 1, prefix="x")[0].user
    assert client_for(outsider_member).get(url).status_code == 404


def test_attachments_are_private_and_checked(world, organizer, official, member):
    record = _offline(world, organizer)
    with pytest.raises(ValidationError):
        meeting_attachment_add(
            user=organizer,
            record=record,
            upload=SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream"),
        )
    att = meeting_attachment_add(
        user=organizer,
        record=record,
        upload=SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 x", "application/pdf"),
    )
    assert att.name == "签到表.pdf" and "签到表" not in att.file.name
    url = f"/classes/meetings/{record.pk}/attachments/{att.pk}/"
    resp = client_for(official).get(url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == b"%PDF-1.4 x"
    assert client_for(member).get(url).status_code == 404


def test_the_record_page_shows_the_photos_and_the_signin_code(world, organizer):
    from tests.classes_helpers import image_upload

    record = _offline(world, organizer)
    client = client_for(organizer)
    resp = client.post(
        f"/classes/meetings/{record.pk}/photos/", {"photo": image_upload("p.jpg")}, follow=True
    )
    assert resp.status_code == 200 and record.photos.count() == 1
    photo = record.photos.get()
    img = client.get(f"/classes/meetings/{record.pk}/photos/{photo.pk}.jpg")
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    page = client.get(f"/classes/meetings/{record.pk}/").content.decode()
    assert "<svg" in page and "签到二维码" in page
    bad = client.post(
        f"/classes/meetings/{record.pk}/photos/",
        {"photo": SimpleUploadedFile("p.jpg", b"not an image")},
        follow=True,
    )
    assert bad.status_code == 200 and record.photos.count() == 1


# --- Rules set by a subdistrict -------------------------------------------------------------------


def test_a_subdistrict_sets_its_rules_and_the_ledger_follows(world, organizer, official):
    members_of(world.branch_a, 2)
    record = _offline(world, organizer, length=20, minutes="")
    assert not meeting_of_record(record).counted
    with pytest.raises(PermissionDenied):
        meeting_rule_save(
            user=official,
            region=world.sub_a,
            min_minutes=10,
            min_attendance_percent=0,
            minutes_required=False,
        )
    meeting_rule_save(
        user=organizer, region=world.sub_a, min_minutes=10, min_attendance_percent=0, minutes_required=False
    )
    meeting_attendance_save(
        user=organizer,
        record=record,
        entries=[(m.pk, State.ATTENDED, "") for m in world.branch_a.members.all()],
    )
    assert meeting_of_record(record).counted


def test_a_district_rule_covers_its_subdistricts(world, staff, organizer):
    meeting_rule_save(
        user=staff, region=world.district_a, min_minutes=120, min_attendance_percent=0, minutes_required=False
    )
    members_of(world.branch_a, 1)
    record = _offline(world, organizer, length=60)
    meeting_attendance_save(
        user=organizer, record=record, entries=[(world.branch_a.members.get().pk, State.ATTENDED, "")]
    )
    assert meeting_of_record(record).reasons == ["时长 60 分钟，不足最低要求 120 分钟。"]


def test_the_rules_page_saves_and_refuses_bad_numbers(world, organizer):
    client = client_for(organizer)
    assert client.get("/classes/records/rules/").status_code == 200
    resp = client.post("/classes/records/rules/", {"min_minutes": "abc", "min_attendance_percent": "101"})
    assert (
        resp.status_code == 200
        and not world.sub_a.__class__.objects.filter(meeting_rule__isnull=False).exists()
    )
    resp = client.post(
        "/classes/records/rules/",
        {"min_minutes": "45", "min_attendance_percent": "60", "minutes_required": "on"},
    )
    assert resp.status_code == 302
    assert world.sub_a.meeting_rule.min_minutes == 45


# --- The plan and its reminders -----------------------------------------------------------------


def test_the_plan_starts_from_the_norms_and_shows_the_shortfall(world, organizer):
    year, quarter = current_quarter()
    rows = {r.kind: r for r in branch_plan(branch=world.branch_a, year=year)}
    assert rows[CK.GENERAL_MEETING].planned == [1, 1, 1, 1]
    assert rows[CK.COMMITTEE_MEETING].planned == [3, 3, 3, 3]
    members_of(world.branch_a, 1)
    record = _offline(world, organizer)
    meeting_attendance_save(
        user=organizer, record=record, entries=[(world.branch_a.members.get().pk, State.ATTENDED, "")]
    )
    meeting_plan_save(
        user=organizer,
        organization=world.branch_a,
        year=year,
        quarters={CK.COMMITTEE_MEETING: [2, 2, 2, 2], CK.THEMED_DAY: [0, 0, 0, 0]},
    )
    rows = {r.kind: r for r in branch_plan(branch=world.branch_a, year=year)}
    assert rows[CK.COMMITTEE_MEETING].counted[quarter - 1] == 1
    assert rows[CK.COMMITTEE_MEETING].shortfall[quarter - 1] == 1
    ledger = _ledger(world)
    assert ledger.planned_total == 1 + 2 + 3 + 1 + 0 and ledger.shortfall == 1 + 1 + 3 + 1
    with pytest.raises(ValidationError):
        meeting_plan_save(
            user=organizer, organization=world.branch_a, year=year, quarters={CK.GROUP_MEETING: [1, 2, 3]}
        )


def test_the_plan_page_saves_and_refuses_bad_input(world, organizer, official):
    year, _q = current_quarter()
    client = client_for(organizer)
    url = f"/classes/plans/{world.branch_a.pk}/"
    assert client.get(url).status_code == 200
    data = {"year": year}
    for kind in ("general_meeting", "committee_meeting", "group_meeting", "party_lecture", "themed_day"):
        for q in range(1, 5):
            data[f"{kind}_{q}"] = 1
    data["group_meeting_2"] = "-1"
    assert client.post(url, data).status_code == 200
    data["group_meeting_2"] = "2"
    assert client.post(url, data).status_code == 302
    rows = {r.kind: r for r in branch_plan(branch=world.branch_a, year=year)}
    assert rows[CK.GROUP_MEETING].planned == [1, 2, 1, 1]
    assert client_for(official).get(url).status_code == 200
    assert client_for(official).post(url, data).status_code == 403


def test_organizers_of_a_branch_behind_are_reminded_once_per_quarter(world, organizer, member):
    branch_secretary = f.UserFactory(email="secretary@example.com", name="支部书记")
    Role.objects.create(user=branch_secretary, kind=Role.Kind.ORGANIZER, organization=world.branch_a)
    year, quarter = current_quarter()
    last_day = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
    assert meeting_plan_remind(today=last_day - timedelta(days=40)) == 0  # too early
    assert meeting_plan_remind(today=last_day - timedelta(days=5)) == 1  # branch_a has a member; a2 none
    assert meeting_plan_remind(today=last_day) == 0
    assert (
        MeetingPlanReminder.objects.filter(organization=world.branch_a, year=year, quarter=quarter).count()
        == 1
    )
    told = Notification.objects.filter(kind="meeting_plan_behind")
    assert sorted(n.user.email for n in told) == ["organizer@example.com", "secretary@example.com"]
    assert "孵化器联合党支部" in told[0].title
    assert OutgoingEmail.objects.count() == 2
    emails_deliver()
    assert sorted(m.to[0] for m in mail.outbox) == ["organizer@example.com", "secretary@example.com"]


# --- Pages, export, queries --------------------------------------------------------------------


def test_the_export_has_a_sheet_per_branch_with_every_meeting(world, organizer):
    users = [m.user for m in members_of(world.branch_a, 3)]
    online_meeting(world, kind=CK.GROUP_MEETING, seconds=90, title="空会")
    record = _offline(world, organizer)
    meeting_attendance_save(
        user=organizer,
        record=record,
        entries=[
            (users[0].party_member.pk, State.ATTENDED, ""),
            (users[1].party_member.pk, State.EXCUSED, "出差"),
        ],
    )
    wb = load_workbook(io.BytesIO(client_for(organizer).get("/classes/records.xlsx").content))
    assert wb.sheetnames[1:] == ["孵化器联合党支部", "机关党支部"]
    summary = [[c.value for c in r] for r in wb.worksheets[0].iter_rows()]
    assert summary[0][:9] == [
        "支部",
        "党员人数",
        "支部党员大会",
        "支委会",
        "党小组会",
        "党课",
        "主题党日",
        "开展总数",
        "不计入",
    ]
    assert summary[1][:9] == ["孵化器联合党支部", 3, 0, 1, 0, 0, 0, 1, 1]
    rows = [[c.value for c in r] for r in wb["孵化器联合党支部"].iter_rows()]
    assert rows[0][0] == "孵化器联合党支部" and rows[2] == [None] * len(rows[2])  # heading, blank line
    header = rows[3]
    assert header[:8] == ["日期", "时间", "类型", "主题", "地点", "主持人", "记录人", "应到"]
    by_topic = {r[3]: dict(zip(header, r, strict=True)) for r in rows[4:]}
    empty = by_topic["空会"]
    assert empty["类型"] == "党小组会" and empty["是否计入"] == "否"
    assert "时长 1 分 30 秒" in empty["不计入原因"] and "无人出席" in empty["不计入原因"]
    committee = by_topic["研究发展党员工作"]
    assert committee["主持人"] == "王书记" and committee["记录人"] == "李委员"
    assert (committee["应到"], committee["实到"], committee["请假"], committee["缺席"]) == (1, 1, 1, 0)
    assert committee["请假人员"] == users[1].name and committee["是否计入"] == "是"
    assert committee["会议记录摘要"].startswith("一、传达上级精神")


def test_the_printable_page_and_the_record_page_show_the_verdict(world, organizer, official, member):
    online_meeting(world, kind=CK.GROUP_MEETING, seconds=90)
    session = online_meeting(world, kind=CK.GROUP_MEETING, seconds=90, title="另一次")
    client = client_for(organizer)
    resp = client.post(f"/classes/{session.pk}/meeting/")
    record = MeetingRecord.objects.get(session=session)
    assert resp.status_code == 302 and resp["Location"] == f"/classes/meetings/{record.pk}/edit/"
    page = client_for(official).get(f"/classes/meetings/{record.pk}/print/").content.decode()
    assert "@page" not in page and "meetings.css" in page and "无人出席。" in page
    assert client_for(member).get(f"/classes/meetings/{record.pk}/").status_code == 404
    assert client_for(official).get(f"/classes/meetings/{record.pk}/edit/").status_code == 403


def test_the_record_form_refuses_bad_input_without_saving(world, organizer):
    client = client_for(organizer)
    resp = client.post(
        "/classes/meetings/new/",
        {
            "organization": world.branch_b.pk,  # outside the organizer's scope: not a choice
            "kind": "committee_meeting",
            "topic": "x",
            "starts_at": "2026-13-40T25:00",
            "ends_at": "",
            "place": "",
            "host_name": "",
            "recorder_name": "",
        },
    )
    assert resp.status_code == 200 and not MeetingRecord.objects.exists()
    form = resp.context["form"]
    assert {"organization", "starts_at", "ends_at", "place"} <= set(form.errors)


def test_the_ledger_pages_run_in_a_bounded_number_of_queries(world, organizer, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users = [m.user for m in members_of(world.branch_a, 3)]
    client = client_for(organizer)
    urls = ("/classes/records/", f"/classes/records/branch/{world.branch_a.pk}/", "/classes/records.xlsx")

    def add(n):
        for i in range(n):
            online_meeting(world, kind=CK.GROUP_MEETING, seconds=60 * (10 + i), watchers=users[: i % 3])
            _offline(world, organizer, topic=f"支委会{i}")

    def counts():
        out = []
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    add(2)
    few = counts()
    add(6)
    assert counts() == few  # the same queries whatever the number of meetings
    for url in urls:
        with django_assert_max_num_queries(20):
            client.get(url)
