"""Issue 14: organizers correct the roster of the branches of their subtree (name, status, date of joining,
leaving the branch: the record stays, and from that day the member is out of the audience and attendance);
every change is audited. The roster import is checked by the same rules, all or nothing."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hub import sms
from hub.exports import Sheet, xlsx_bytes
from hub.models import User
from hub.tabular import Limits, read_table
from livestreams.models import Attendance, LiveSession
from livestreams.selectors.classes import audience_members
from livestreams.selectors.meetings import branch_ledger, ledger_branches
from livestreams.services.attendance import attendance_compute
from partyorgs.models import Invitation, PartyMember, RosterChange
from partyorgs.permissions import get_scope
from partyorgs.roster_import import TEMPLATE_HEADER, parse_roster, roster_import_apply
from partyorgs.services import invitation_create, member_update
from tests import factories as f
from tests.dashboard_fixtures import party_class
from tests.support import client_for

pytestmark = pytest.mark.django_db
ST = PartyMember.Status


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _member_record(member_user) -> PartyMember:
    return PartyMember.objects.get(user=member_user)


def test_the_roster_lists_the_branch_with_what_was_not_entered_shown_as_such(
    organizer, member, world, django_assert_max_num_queries
):
    for i in range(5):
        f.MemberFactory(
            user=f.UserFactory(email=f"m{i}@example.com", name=f"党员{i}"),
            branch=world.branch_a,
            status="",
            joined_on=None,
        )
    client = client_for(organizer)
    with django_assert_max_num_queries(12):
        page = client.get(f"/orgs/{world.branch_a.pk}/roster/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "陈党员" in body and "党员4" in body
    assert body.count("未填写") == 11  # the fixture's member has no status either


def test_an_organizer_corrects_a_member_and_the_change_is_audited(organizer, member, world):
    record = _member_record(member)
    client = client_for(organizer)
    response = client.post(
        f"/roster/members/{record.pk}/",
        {"name": "陈正名", "status": ST.PROBATIONARY, "joined_on": "2020-07-01", "left_on": ""},
    )
    assert response["Location"] == f"/orgs/{world.branch_a.pk}/roster/"
    record.refresh_from_db()
    member.refresh_from_db()
    assert (member.name, record.status, record.joined_on) == ("陈正名", ST.PROBATIONARY, date(2020, 7, 1))
    change = RosterChange.objects.get(member=record)
    assert change.user == organizer
    fields = {c["field"]: (c["before"], c["after"]) for c in change.changes}
    assert fields["姓名"] == ("陈党员", "陈正名")
    page = client.get(f"/roster/members/{record.pk}/").content.decode()
    assert "陈党员 → 陈正名" in page and "王组织" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"joined_on": "2999-01-01"}, "入党日期不能晚于今天"),
        ({"left_on": "2999-01-01"}, "离开党支部的日期不能晚于今天"),
        ({"joined_on": "2020-01-01", "left_on": "2019-01-01"}, "离开党支部的日期不能早于入党日期"),
        ({"status": "boss"}, "选择一个有效的选项"),
        ({"joined_on": "yesterday"}, "输入一个有效的日期"),
        ({"name": "名" * 51}, "50"),
    ],
)
def test_bad_corrections_get_a_clear_message_and_nothing_changes(organizer, member, world, data, message):
    record = _member_record(member)
    before = (record.status, record.joined_on, record.left_on, member.name)
    payload = {"name": "陈党员", "status": record.status, "joined_on": "2015-07-01", "left_on": "", **data}
    response = client_for(organizer).post(f"/roster/members/{record.pk}/", payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    record.refresh_from_db()
    member.refresh_from_db()
    assert (record.status, record.joined_on, record.left_on, member.name) == before
    assert not RosterChange.objects.exists()


def test_the_roster_of_a_branch_outside_the_subtree_does_not_exist_for_the_organizer(
    organizer, other_organizer, member, world
):
    record = _member_record(member)
    outside = client_for(other_organizer)
    assert outside.get(f"/orgs/{world.branch_a.pk}/roster/").status_code == 404
    assert outside.get(f"/roster/members/{record.pk}/").status_code == 404
    response = outside.post(f"/roster/members/{record.pk}/", {"name": "改名", "status": "", "joined_on": ""})
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.name == "陈党员"
    # A committee is not a branch: it has no roster.
    assert client_for(organizer).get(f"/orgs/{world.committee_a.pk}/roster/").status_code == 404


def test_a_member_who_left_stays_on_record_but_no_longer_counts_from_that_day(organizer, member, world):
    record = _member_record(member)
    today = timezone.localdate()
    past = f.LiveSessionFactory(
        host_organization=world.branch_a,
        starts_at=timezone.now() - timedelta(days=10),
        audience_orgs=[world.branch_a],
    )
    future = f.LiveSessionFactory(
        host_organization=world.branch_a,
        starts_at=timezone.now() + timedelta(days=10),
        audience_orgs=[world.branch_a],
    )
    member_update(
        user=organizer,
        member=record,
        name="陈党员",
        status=record.status,
        joined_on=record.joined_on,
        left_on=today,
    )
    assert PartyMember.objects.filter(pk=record.pk).exists()  # the record stays
    assert record in audience_members(past)  # before leaving, they were in the audience
    assert record not in audience_members(future)  # from that day on, they are not
    member_user = User.objects.get(pk=member.pk)
    assert not get_scope(member_user).is_member
    [ledger] = branch_ledger(
        branches=ledger_branches(organizer).filter(pk=world.branch_a.pk),
        year=today.year,
        quarter=(today.month - 1) // 3 + 1,
    )
    assert ledger.members == 0
    page = client_for(organizer).get(f"/orgs/{world.branch_a.pk}/roster/").content.decode()
    assert "陈党员" in page and f"已于 {today:%Y-%m-%d} 离开" in page


def _xlsx(rows) -> bytes:
    return xlsx_bytes([Sheet(title="名册", columns=TEMPLATE_HEADER, rows=rows)])


def test_a_roster_file_with_problems_lists_every_one_and_changes_nothing(organizer, member, world):
    f.MemberFactory(user=f.UserFactory(email="elsewhere@example.com"), branch=world.branch_b)
    content = _xlsx(
        [
            ["", "13812345678", "", "", ""],
            ["张三", "12345", "", "", ""],
            ["李四", "", "not-an-address", "", ""],
            ["王五", "13812345670", "", "党员", ""],
            ["赵六", "13812345671", "", "", "2999-01-01"],
            ["钱七", "13812345671", "", "", "昨天"],
            ["孙八", "", "", "", ""],
            ["周九", "", "elsewhere@example.com", "", ""],
        ]
    )
    outcome = parse_roster(branch=world.branch_a, name="名册.xlsx", content=content)
    assert outcome.rows == []
    problems = [(p.row, p.column, p.message) for p in outcome.problems]
    assert problems == [
        (2, "A 姓名", "此项必填。"),
        (3, "B 手机号", "请输入11位中国大陆手机号，例如 138 1234 5678。"),
        (4, "C 邮箱", "“not-an-address”不是有效的邮箱地址。"),
        (5, "D 党员状态", "请填写“正式党员”或“预备党员”（也可留空）。"),
        (6, "E 入党日期", "入党日期不能晚于今天。"),
        (7, "E 入党日期", "“昨天”不是日期：请写成 2021-07-01 或 2021年7月1日。"),
        (8, "", "请填写党员的手机号或邮箱。"),
        (9, "C 邮箱", "无法以党员身份邀请此人：一名党员只能属于一个党支部。"),
    ]


def test_a_valid_roster_invites_newcomers_and_corrects_the_branchs_members(organizer, member, world):
    waiting = invitation_create(
        user=organizer, phone="13900000000", role_kind=Invitation.RoleKind.MEMBER, organization=world.branch_a
    )
    content = _xlsx(
        [
            ["刘一", "138 1234 5678", "", "预备党员", date(2023, 7, 1)],
            ["陈二", "", "chen2@example.com", "", ""],
            ["陈党员", "", "member@example.com", "正式党员", "2010年7月1日"],
            ["等待者", "13900000000", "", "正式", ""],
        ]
    )
    outcome = parse_roster(branch=world.branch_a, name="名册.xlsx", content=content)
    assert outcome.problems == []
    invited, updated = roster_import_apply(user=organizer, branch=world.branch_a, rows=outcome.rows)
    assert (invited, updated) == (3, 1)
    liu = Invitation.objects.get(phone="+8613812345678")
    assert (liu.name, liu.member_status, liu.member_joined_on, liu.organization) == (
        "刘一",
        ST.PROBATIONARY,
        date(2023, 7, 1),
        world.branch_a,
    )
    chen = Invitation.objects.get(email="chen2@example.com")
    assert (chen.member_status, chen.member_joined_on) == ("", None)
    waiting.refresh_from_db()
    assert (waiting.name, waiting.member_status) == ("等待者", ST.FULL)
    record = _member_record(member)
    assert record.joined_on == date(2010, 7, 1) and record.status == ST.FULL
    assert RosterChange.objects.filter(member=record, user=organizer).exists()


def test_the_template_is_an_xlsx_with_the_columns_the_import_reads(organizer, world):
    response = client_for(organizer).get(f"/orgs/{world.branch_a.pk}/roster/template/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    # Its first sheet is what the import reads: the columns are all known, and there is no row to import.
    outcome = parse_roster(branch=world.branch_a, name="t.xlsx", content=response.content)
    assert [(p.row, p.message) for p in outcome.problems] == [(2, "文件中没有党员数据行。")]
    filled = read_table("t.xlsx", response.content, Limits(max_rows=10, max_columns=10))
    assert filled[0] == TEMPLATE_HEADER


def test_the_upload_form_refuses_what_is_not_a_spreadsheet(organizer, world):
    response = client_for(organizer).post(
        f"/orgs/{world.branch_a.pk}/roster/import/", {"file": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    assert response.status_code == 200
    assert "请上传 .csv 或 .xlsx 文件" in response.content.decode()


def test_attendance_counts_a_member_who_left_for_classes_before_and_not_after(organizer, member, world):
    record = _member_record(member)
    now = timezone.now()
    before = party_class(
        world.branch_a,
        starts_at=now - timedelta(days=20),
        status=LiveSession.Status.ENDED,
        audience_orgs=[world.branch_a],
    )
    after = party_class(
        world.branch_a,
        starts_at=now - timedelta(days=2),
        status=LiveSession.Status.ENDED,
        audience_orgs=[world.branch_a],
    )
    member_update(
        user=organizer,
        member=record,
        name=member.name,
        status=record.status,
        joined_on=record.joined_on,
        left_on=timezone.localdate() - timedelta(days=10),
    )
    attendance_compute(session_id=before.pk)
    attendance_compute(session_id=after.pk)
    assert Attendance.objects.filter(session=before, member=record).exists()
    assert not Attendance.objects.filter(session=after, member=record).exists()
    # The earlier class's attendance list still names them.
    page = client_for(organizer).get(f"/classes/{before.pk}/attendance/")
    assert page.status_code == 200 and "陈党员" in page.content.decode()
