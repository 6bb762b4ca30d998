"""Attendance from presence records: overlapping tabs and reconnects merged, the share of the class watched,
the sign-in code, excuses, and the report exported to .xlsx and CSV (reopened and read back cell by cell)."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from livestreams.models import Attendance, LiveSession, PartyClass
from livestreams.selectors.classes import attendance_report
from livestreams.services.attendance import (
    attendance_compute,
    attendance_excuse,
    attendance_sign_in,
    watched_seconds,
)
from tests import factories as f
from tests.classes_helpers import class_session, local
from tests.support import client_for

pytestmark = pytest.mark.django_db
S = LiveSession.Status
T0 = local(2026, 5, 20, 19, 0)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def test_watched_time_is_the_union_of_overlapping_tabs_and_reconnects():
    intervals = [
        (at(0), at(30)),  # laptop
        (at(10), at(20)),  # phone, inside the laptop's span
        (at(25), at(40)),  # second tab overlapping the end
        (at(50), at(55)),  # a reconnect after a gap
    ]
    assert watched_seconds(intervals, at(0), at(60)) == (40 + 5) * 60


def test_watched_time_is_clipped_to_the_class_and_an_open_interval_runs_to_its_end():
    intervals = [(at(-20), at(10)), (at(50), None)]
    assert watched_seconds(intervals, at(0), at(60)) == (10 + 10) * 60


def test_zero_or_negative_intervals_count_nothing():
    assert watched_seconds([(at(10), at(10)), (at(20), at(15))], at(0), at(60)) == 0
    assert watched_seconds([], at(0), at(60)) == 0


def _ended_class(world, **pc_fields):
    s = class_session(world, status=S.ENDED, starts_at=at(0), ends_at=at(60))
    LiveSession.objects.filter(pk=s.pk).update(went_live_at=at(0), ended_at=at(60))
    PartyClass.objects.filter(pk=s.pk).update(**pc_fields)
    s.refresh_from_db()
    return s


def _member(world, name):
    return f.MemberFactory(user=f.UserFactory(name=name), branch=world.branch_a)


def test_a_member_attends_when_watching_the_threshold_share_across_tabs(world):
    s = _ended_class(world)  # threshold 60%: 36 of 60 minutes
    enough, short, absent = _member(world, "甲"), _member(world, "乙"), _member(world, "丙")
    f.PresenceFactory(session=s, user=enough.user, joined_at=at(0), left_at=at(20))
    f.PresenceFactory(
        session=s, user=enough.user, joined_at=at(15), left_at=at(36)
    )  # other tab: 36 min in all
    f.PresenceFactory(session=s, user=short.user, joined_at=at(0), left_at=at(20))
    f.PresenceFactory(session=s, user=short.user, joined_at=at(40), left_at=at(55))  # reconnect: 35 min
    attendance_compute(session_id=s.pk)
    got = {a.member_id: (a.seconds_watched, a.attended) for a in Attendance.objects.filter(session=s)}
    assert got == {enough.pk: (36 * 60, True), short.pk: (35 * 60, False), absent.pk: (0, False)}


def test_the_threshold_is_configurable_per_class(world):
    s = _ended_class(world, attendance_threshold=30)
    m = _member(world, "丁")
    f.PresenceFactory(session=s, user=m.user, joined_at=at(0), left_at=at(18))
    attendance_compute(session_id=s.pk)
    assert Attendance.objects.get(session=s, member=m).attended is True


def test_with_a_sign_in_code_a_member_must_also_sign_in(world):
    s = _ended_class(world, signin_code="ABC234")
    signed, unsigned = _member(world, "戊"), _member(world, "己")
    for m in (signed, unsigned):
        f.PresenceFactory(session=s, user=m.user, joined_at=at(0), left_at=at(60))
    Attendance.objects.create(session=s, member=signed, signed_in_at=at(5))
    attendance_compute(session_id=s.pk)
    assert Attendance.objects.get(session=s, member=signed).attended is True
    assert Attendance.objects.get(session=s, member=unsigned).attended is False


def test_signing_in_needs_the_right_code_while_the_class_is_live(world, member):
    s = class_session(world, status=S.LIVE)
    pc = PartyClass.objects.get(pk=s.pk)
    pc.signin_code = "XYZ789"
    pc.save()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        attendance_sign_in(user=member, party_class=pc, code="WRONG1")
    assert attendance_sign_in(user=member, party_class=pc, code=" xyz789 ") is True
    assert attendance_sign_in(user=member, party_class=pc, code="XYZ789") is False  # already signed in
    LiveSession.objects.filter(pk=s.pk).update(status=S.ENDED)
    pc.session.refresh_from_db()
    with pytest.raises(ValidationError):
        attendance_sign_in(user=member, party_class=pc, code="XYZ789")


def test_recomputing_keeps_excuses_and_sign_ins(world):
    s = _ended_class(world)
    m = _member(world, "庚")
    pc = PartyClass.objects.get(pk=s.pk)
    attendance_excuse(party_class=pc, member=m, reason="出差")
    attendance_compute(session_id=s.pk)
    attendance_compute(session_id=s.pk)
    a = Attendance.objects.get(session=s, member=m)
    assert (a.excused, a.excuse_reason, a.attended) == (True, "出差", False)
    assert Attendance.objects.filter(session=s).count() == 1


def test_an_excuse_needs_a_reason(world):
    from django.core.exceptions import ValidationError

    s = _ended_class(world)
    with pytest.raises(ValidationError):
        attendance_excuse(
            party_class=PartyClass.objects.get(pk=s.pk), member=_member(world, "辛"), reason="  "
        )


def test_a_member_from_outside_the_audience_who_watched_is_listed_too(world):
    s = _ended_class(world)
    guest = f.MemberFactory(branch=world.branch_a2)
    f.PresenceFactory(session=s, user=guest.user, joined_at=at(0), left_at=at(60))
    attendance_compute(session_id=s.pk)
    assert Attendance.objects.get(session=s, member=guest).attended is True


def _report_fixture(world):
    s = _ended_class(world)
    a, b, c = _member(world, "张三"), _member(world, "李四"), _member(world, "王五")
    f.PresenceFactory(session=s, user=a.user, joined_at=at(0), left_at=at(50))
    f.PresenceFactory(session=s, user=b.user, joined_at=at(0), left_at=at(10))
    attendance_compute(session_id=s.pk)
    attendance_excuse(party_class=PartyClass.objects.get(pk=s.pk), member=c, reason="病假")
    return s, a, b, c


def test_the_report_counts_attended_absent_and_excused(world):
    s, a, b, c = _report_fixture(world)
    report = attendance_report(s)
    assert (report.attended, report.absent, report.excused, report.expected) == (1, 1, 1, 2)
    assert report.rate == 0.5
    assert {r.member.pk: r.state for r in report.rows} == {a.pk: "attended", b.pk: "absent", c.pk: "excused"}


def test_the_xlsx_export_reads_back_cell_by_cell(world, organizer):
    s, a, b, c = _report_fixture(world)
    client = client_for(organizer)
    resp = client.get(f"/classes/{s.pk}/attendance.xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb.worksheets[0]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0] == ["党员", "支部", "观看分钟", "出勤情况", "补学", "事由", "签到时间"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["张三"] == ["张三", "孵化器联合党支部", 50, "出勤", None, None, None]
    assert by_name["李四"] == ["李四", "孵化器联合党支部", 10, "缺勤", None, None, None]
    assert by_name["王五"] == ["王五", "孵化器联合党支部", 0, "请假", None, "病假", None]
    assert len(rows) == 4
    info = {r[0].value: r[1].value for r in wb.worksheets[1].iter_rows(min_row=2)}
    assert info["标题"] == s.title and info["出勤"] == 1 and info["缺勤"] == 1 and info["请假"] == 1
    assert info["出勤率"] == "50%"


def test_the_csv_export_reads_back_cell_by_cell(world, organizer):
    s, a, b, c = _report_fixture(world)
    client = client_for(organizer)
    resp = client.get(f"/classes/{s.pk}/attendance.csv")
    assert resp.status_code == 200
    text = resp.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["党员", "支部", "观看分钟", "出勤情况", "补学", "事由", "签到时间"]
    assert sorted(rows[1:]) == sorted(
        [
            ["张三", "孵化器联合党支部", "50", "出勤", "", "", ""],
            ["李四", "孵化器联合党支部", "10", "缺勤", "", "", ""],
            ["王五", "孵化器联合党支部", "0", "请假", "", "病假", ""],
        ]
    )


def test_a_member_cannot_read_the_attendance_of_a_class(world, member):
    s, *_ = _report_fixture(world)
    client = client_for(member)
    assert client.get(f"/classes/{s.pk}/attendance/").status_code == 403
    assert client.get(f"/classes/{s.pk}/attendance.xlsx").status_code == 403
