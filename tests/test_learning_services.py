"""Issue 15, the learning side of classes: courseware checked by content, leave requested and decided, make-up
by replay accumulated on the server, the learning record, its points and the rankings (with query counts)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hub.models import Notification
from livestreams.models import Attendance, Courseware, LeaveRequest, LiveSession, PartyClass, ReplayWatch
from livestreams.selectors import learning as sel
from livestreams.selectors.classes import offset_label
from livestreams.services.attendance import attendance_compute
from livestreams.services.learning import (
    PING_MAX_GAP_SECONDS,
    courseware_add,
    courseware_remove,
    leave_decide,
    leave_request,
    replay_ping,
)
from tests import factories as f
from tests.classes_helpers import class_session, members_of

pytestmark = pytest.mark.django_db
S = LiveSession.Status

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PPT = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def pptx_bytes(with_presentation=True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        if with_presentation:
            z.writestr("ppt/presentation.xml", "<p:presentation/>")
        else:
            z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _ended(world, minutes=60, **pc_fields):
    now = timezone.now()
    s = class_session(
        world,
        status=S.ENDED,
        starts_at=now - timedelta(minutes=minutes + 5),
        ends_at=now - timedelta(minutes=5),
    )
    LiveSession.objects.filter(pk=s.pk).update(went_live_at=s.starts_at, ended_at=s.ends_at)
    if pc_fields:
        PartyClass.objects.filter(pk=s.pk).update(**pc_fields)
    s.refresh_from_db()
    return s


# --- Courseware ------------------------------------------------------------------------------------------


def test_it_attaches_a_pdf_pptx_and_ppt_checked_by_content(world, organizer, settings, tmp_path):
    settings.HUB_PRIVATE_MEDIA_ROOT = tmp_path
    s = class_session(world)
    kinds = [
        courseware_add(user=organizer, session=s, upload=upload("讲义.pdf", PDF)).kind,
        courseware_add(
            user=organizer, session=s, upload=upload("slides.pptx", pptx_bytes()), title="课件"
        ).kind,
        courseware_add(user=organizer, session=s, upload=upload("old.ppt", PPT)).kind,
    ]
    assert kinds == ["pdf", "pptx", "ppt"]
    items = list(Courseware.objects.filter(session=s))
    assert [i.title for i in items] == ["讲义", "课件", "old"]
    # Stored privately under a random name, never the uploaded one.
    assert all(i.file.name.startswith("courseware/") and "讲义" not in i.file.name for i in items)
    assert (tmp_path / items[0].file.name).read_bytes() == PDF


@pytest.mark.parametrize(
    "name, content",
    [
        ("evil.pdf", b"<html><script>alert(1)</script>"),  # a name that lies
        ("doc.pptx", pptx_bytes(with_presentation=False)),  # a zip that is not a presentation
        ("broken.pptx", b"PK\x03\x04garbage"),
        ("empty.pdf", b""),
        ("pic.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
    ],
)
def test_it_refuses_files_that_are_not_pdf_or_powerpoint(world, organizer, settings, tmp_path, name, content):
    settings.HUB_PRIVATE_MEDIA_ROOT = tmp_path
    s = class_session(world)
    with pytest.raises(ValidationError):
        courseware_add(user=organizer, session=s, upload=upload(name, content))
    assert not Courseware.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(world, organizer, settings, tmp_path):
    settings.HUB_PRIVATE_MEDIA_ROOT = tmp_path
    settings.HUB_COURSEWARE_MAX_MB = 1
    s = class_session(world)
    with pytest.raises(ValidationError) as exc:
        courseware_add(user=organizer, session=s, upload=upload("big.pdf", PDF + b"0" * (1024 * 1024)))
    assert "1 MB" in " ".join(exc.value.messages)


def test_only_managers_attach_or_remove_courseware(world, organizer, member, settings, tmp_path):
    settings.HUB_PRIVATE_MEDIA_ROOT = tmp_path
    s = class_session(world)
    with pytest.raises(PermissionDenied):
        courseware_add(user=member, session=s, upload=upload("a.pdf", PDF))
    item = courseware_add(user=organizer, session=s, upload=upload("a.pdf", PDF))
    with pytest.raises(PermissionDenied):
        courseware_remove(user=member, item=item)
    courseware_remove(user=organizer, item=item)
    assert not Courseware.objects.exists()


# --- Leave ---------------------------------------------------------------------------------------------


def test_a_member_asks_for_leave_and_the_organizer_approves_it_as_excused(world, organizer, member):
    s = class_session(world, created_by=organizer)
    leave = leave_request(user=member, session=s, reason="出差")
    assert leave.state == LeaveRequest.State.PENDING
    assert Notification.objects.filter(user=organizer, kind="leave_request").exists()
    # Asking again while it waits changes the reason, it makes no second request.
    leave_request(user=member, session=s, reason="出差（外地）")
    assert LeaveRequest.objects.get().reason == "出差（外地）"
    leave_decide(user=organizer, leave=leave, approve=True)
    att = Attendance.objects.get(session=s, member__user=member)
    assert att.excused and "出差（外地）" in att.excuse_reason
    assert Notification.objects.filter(user=member, kind="leave_decided").exists()
    with pytest.raises(ValidationError):
        leave_request(user=member, session=s, reason="again")  # decided already
    # Declined after all: the excuse is withdrawn.
    leave_decide(user=organizer, leave=leave, approve=False)
    assert not Attendance.objects.get(session=s, member__user=member).excused


def test_leave_is_refused_outside_the_audience_without_a_reason_or_after_the_end(
    world, organizer, member, outsider
):
    s = class_session(world)
    with pytest.raises(ValidationError):
        leave_request(user=outsider, session=s, reason="x")
    other = f.MemberFactory(branch=world.branch_b).user
    with pytest.raises(ValidationError):
        leave_request(user=other, session=s, reason="x")
    with pytest.raises(ValidationError):
        leave_request(user=member, session=s, reason="   ")
    with pytest.raises(ValidationError):
        leave_request(user=member, session=s, reason="长" * 201)
    ended = _ended(world)
    with pytest.raises(ValidationError):
        leave_request(user=member, session=ended, reason="x")
    assert not LeaveRequest.objects.exists()


def test_only_managers_decide_leave(world, organizer, member):
    s = class_session(world)
    leave = leave_request(user=member, session=s, reason="病假")
    with pytest.raises(PermissionDenied):
        leave_decide(user=member, leave=leave, approve=True)
    assert LeaveRequest.objects.get().state == LeaveRequest.State.PENDING


# --- Make-up ------------------------------------------------------------------------------------------


def test_replay_pings_add_up_on_the_server_and_make_up_the_class(world, member):
    s = _ended(world, minutes=2, attendance_threshold=50)  # a 2-minute class: 60 s of replay make it up
    t = timezone.now()
    w = replay_ping(user=member, session=s, now=t)
    assert w.seconds == 0 and w.made_up_at is None
    w = replay_ping(user=member, session=s, now=t + timedelta(seconds=30))
    assert w.seconds == 30 and w.made_up_at is None
    # A ping long after the previous one (the page was closed) adds nothing for the gap.
    w = replay_ping(user=member, session=s, now=t + timedelta(seconds=600))
    assert w.seconds == 30
    # Pings faster than the player sends them add only the real time between them.
    for i in range(1, 31):
        w = replay_ping(user=member, session=s, now=t + timedelta(seconds=600 + i))
    assert w.seconds == 60 and w.made_up_at is not None
    assert s.pk in {r.session.pk for r in sel.learning_record(member=member.party_member, year=t.year).rows}


def test_replay_after_the_make_up_period_counts_time_but_no_make_up(world, member):
    s = _ended(world, minutes=1, attendance_threshold=10, makeup_days=1)
    t = s.ended_at + timedelta(days=2)
    replay_ping(user=member, session=s, now=t)
    w = replay_ping(user=member, session=s, now=t + timedelta(seconds=PING_MAX_GAP_SECONDS))
    assert w.seconds == PING_MAX_GAP_SECONDS and w.made_up_at is None


def test_a_live_session_has_no_replay_pings(world, member):
    s = class_session(world, status=S.LIVE)
    with pytest.raises(ValidationError):
        replay_ping(user=member, session=s)
    assert not ReplayWatch.objects.exists()


# --- The record, the points, the rankings -------------------------------------------------------------------


def test_the_learning_record_has_live_make_up_leave_and_absent_with_hours_and_points(world, organizer):
    a, b, c, d = members_of(world.branch_a, 4)
    now = timezone.now()
    s = _ended(world, minutes=90)
    Attendance.objects.create(session=s, member=a, seconds_watched=90 * 60, attended=True)
    ReplayWatch.objects.create(session=s, user=b.user, seconds=80 * 60, made_up_at=now)
    LeaveRequest.objects.create(session=s, member=c, reason="病假", state=LeaveRequest.State.APPROVED)
    outcomes = {
        m.pk: sel.learning_record(member=m, year=timezone.localdate().year).rows[0] for m in (a, b, c, d)
    }
    assert [outcomes[m.pk].outcome for m in (a, b, c, d)] == ["attended", "made_up", "leave", "absent"]
    assert outcomes[a.pk].points == sel.POINTS_ATTEND and outcomes[a.pk].study_hours == 2.0  # 90 min / 45
    assert outcomes[b.pk].points == sel.POINTS_MAKEUP and outcomes[b.pk].minutes == 80
    assert outcomes[c.pk].points == 0 and outcomes[d.pk].points == 0
    ranking = sel.rankings(branches=sel.branch_peers(a), year=timezone.localdate().year)
    assert ranking.members[a.pk][0] == 1 and ranking.members[b.pk][0] == 2
    assert ranking.branches[0].pk == world.branch_a.pk
    assert ranking.subdistricts[0].name == "淮河路街道"


def test_the_rankings_cost_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    year = timezone.localdate().year
    for _i in range(3):
        s = _ended(world)
        for m in members_of(world.branch_a, 5, prefix=f"r{s.pk}-"):
            Attendance.objects.create(session=s, member=m, seconds_watched=3600, attended=True)
    branches = sel.branch_peers(world.branch_a.members.first())
    with django_assert_max_num_queries(8):
        ranking = sel.rankings(branches=branches, year=year)
    assert ranking.branches[0].members == 15


def test_attendance_recount_keeps_an_approved_leave(world, organizer, member):
    s = class_session(world, status=S.LIVE, starts_at=timezone.now() - timedelta(minutes=5))
    leave = leave_request(user=member, session=s, reason="出差")
    leave_decide(user=organizer, leave=leave, approve=True)
    attendance_compute(session_id=s.pk)
    assert Attendance.objects.get(session=s, member__user=member).excused


def test_reminder_offsets_read_as_people_say_them():
    from django.utils import translation

    with translation.override("en"):
        assert offset_label(1440) == "1 day"
        assert offset_label(10080) == "7 days"
        assert offset_label(180) == "3 hours"
        assert offset_label(15) == "15 minutes"
    with translation.override("zh-hans"):
        assert offset_label(1440) == "1 天"
        assert offset_label(60) == "1 小时"


def test_the_dashboard_gains_participation_figures(world, organizer):
    from hub.dashboards.filters import DashboardFilter
    from hub.dashboards.selectors import learning_figures

    a, b, c, d = members_of(world.branch_a, 4, prefix="dash")
    s = _ended(world)
    Attendance.objects.create(session=s, member=a, seconds_watched=3600, attended=True)
    Attendance.objects.create(session=s, member=b, seconds_watched=0, attended=False)
    Attendance.objects.create(session=s, member=c, seconds_watched=0, attended=False, excused=True)
    Attendance.objects.create(session=s, member=d, seconds_watched=0, attended=False)
    ReplayWatch.objects.create(session=s, user=b.user, seconds=3600, made_up_at=timezone.now())
    ReplayWatch.objects.create(
        session=s, user=a.user, seconds=3600, made_up_at=timezone.now()
    )  # attended: not counted
    LeaveRequest.objects.create(session=s, member=c, reason="病假", state=LeaveRequest.State.APPROVED)
    today = timezone.localdate()
    figures = learning_figures(
        DashboardFilter(
            region_ids=(world.district_a.pk, world.sub_a.pk),
            date_from=today - timedelta(days=1),
            date_to=today,
        )
    )
    assert figures["attended"] == 1 and figures["made_up"] == 1 and figures["leave"] == 1
    assert figures["participation_rate"] == round(2 * 100 / 3, 1)  # (attended + made up) / (4 - 1 excused)


def _quiz(session, right_users, wrong_users):
    from livestreams.models import Poll, PollAnswer

    for i in range(2):
        poll = Poll.objects.create(
            session=session,
            kind=Poll.Kind.QUIZ,
            prompt=f"第{i + 1}题",
            state=Poll.State.CLOSED,
            opened_at=session.starts_at,
        )
        for u in right_users:
            PollAnswer.objects.create(poll=poll, user=u, correct=True)
        for u in wrong_users:
            PollAnswer.objects.create(poll=poll, user=u, correct=False)


def test_quiz_scores_count_in_the_record_points_and_the_dashboard(world):
    from hub.dashboards.filters import DashboardFilter
    from hub.dashboards.selectors import learning_figures

    a, b = members_of(world.branch_a, 2, prefix="quiz")
    s = _ended(world)
    Attendance.objects.create(session=s, member=a, seconds_watched=3600, attended=True)
    _quiz(s, right_users=[a.user], wrong_users=[b.user])
    year = timezone.localdate().year
    row_a = sel.learning_record(member=a, year=year).rows[0]
    row_b = sel.learning_record(member=b, year=year).rows[0]
    assert (row_a.quiz_correct, row_a.quiz_total) == (2, 2)
    assert row_a.points == sel.POINTS_ATTEND + 2 * sel.POINTS_CORRECT
    assert (row_b.quiz_correct, row_b.quiz_total) == (0, 2) and row_b.points == 0
    today = timezone.localdate()
    figures = learning_figures(
        DashboardFilter(
            region_ids=(world.district_a.pk, world.sub_a.pk),
            date_from=today - timedelta(days=1),
            date_to=today,
        )
    )
    assert figures["quiz_answers"] == 4 and figures["quiz_accuracy"] == 50.0
