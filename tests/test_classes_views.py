"""The class pages: list, detail, scheduling and editing through HTTP, calendar, the private .ics feed, and
the 三会一课 records with the flagged branches. Bad input never 500s; other people's classes are 404."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from hub.models import Notification
from livestreams.models import Attendance, CalendarFeed, LiveSession, MeetingRecord, PartyClass
from livestreams.selectors.classes import current_quarter, quarter_bounds
from tests import factories as f
from tests.classes_helpers import class_session, schedule, soon
from tests.support import client_for

pytestmark = pytest.mark.django_db
S = LiveSession.Status
FMT = "%Y-%m-%dT%H:%M"


def post_data(world, **kw):
    start = kw.pop("start", soon())
    d = {
        "title": "网上党课：红色家书",
        "class_kind": "party_lecture",
        "host_organization": world.root_a.pk,
        "audience_orgs": [world.branch_a.pk],
        "starts_at": timezone.localtime(start).strftime(FMT),
        "ends_at": timezone.localtime(start + timedelta(hours=1)).strftime(FMT),
        "playback": "hub",
        "visibility": "audience",
        "reminder_offsets": ["1440", "15"],
        "attendance_threshold": "60",
    }
    d.update(kw)
    return d


def test_an_organizer_schedules_a_class_through_the_form(world, organizer, member):
    resp = client_for(organizer).post("/classes/new/", post_data(world))
    pc = PartyClass.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/classes/{pc.pk}/"
    assert Notification.objects.filter(user=member, kind="class_scheduled").exists()


def test_bad_input_re_renders_the_form_with_messages_and_creates_nothing(world, organizer):
    resp = client_for(organizer).post(
        "/classes/new/", post_data(world, starts_at="2020-13-45T99:99", audience_orgs=[])
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors.keys() >= {"starts_at", "audience_orgs"}
    assert not LiveSession.objects.exists()


def test_a_tampered_organization_id_is_an_invalid_choice_not_a_500(world, organizer):
    resp = client_for(organizer).post("/classes/new/", post_data(world, audience_orgs=["abc", "999999"]))
    assert resp.status_code == 200 and "audience_orgs" in resp.context["form"].errors


def test_only_organizers_may_open_the_scheduling_page(world, member, merchant, official):
    for user in (member, merchant, official):
        assert client_for(user).get("/classes/new/").status_code == 403


def test_the_list_shows_a_members_classes_with_their_live_room_links(world, organizer, member):
    (pc,) = schedule(world, organizer, title="我的支部党课")
    other = class_session(world, audience=[world.branch_b], title="别人的党课")
    resp = client_for(member).get("/classes/")
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "我的支部党课" in body and f"/live/{pc.pk}/" in body
    assert other.title not in body


def test_the_list_splits_live_upcoming_and_past(world, member):
    live = class_session(world, status=S.LIVE, title="正在直播")
    past = class_session(world, status=S.ENDED, title="已结束", starts_at=timezone.now() - timedelta(days=3))
    upcoming = class_session(world, title="即将开始")
    ctx = client_for(member).get("/classes/").context
    assert [s.pk for s in ctx["live"]] == [live.pk]
    assert [s.pk for s in ctx["upcoming"]] == [upcoming.pk]
    assert [s.pk for s in ctx["past_page"].object_list] == [past.pk]


@pytest.mark.parametrize("query", ["?page=abc", "?page=-1", "?kind=nonsense", "?page=999999999999"])
def test_bad_list_parameters_get_a_message_not_a_500(world, member, query):
    resp = client_for(member).get("/classes/" + query)
    assert resp.status_code == 200


def test_the_list_flags_the_organizers_branches_without_a_party_class_this_quarter(world, organizer):
    f.MemberFactory(branch=world.branch_a)
    f.MemberFactory(branch=world.branch_a2)
    f.MemberFactory(branch=world.branch_b)
    resp = client_for(organizer).get("/classes/")
    behind = {b.pk for b in resp.context["behind"]}
    assert behind == {world.branch_a.pk, world.branch_a2.pk}


def test_the_list_runs_in_a_bounded_number_of_queries(world, member, django_assert_max_num_queries):
    for _i in range(5):
        class_session(world)
        class_session(world, status=S.ENDED, starts_at=timezone.now() - timedelta(days=2))
    client = client_for(member)
    client.get("/classes/")
    with django_assert_max_num_queries(16):
        assert client.get("/classes/").status_code == 200


def test_the_detail_page_links_the_room_and_shows_the_archive_and_replay_after_the_class(world, member):
    s = class_session(
        world,
        status=S.ENDED,
        starts_at=timezone.now() - timedelta(days=1),
        replay_url="https://replay.example.com/v/1",
    )
    f.CommentFactory(session=s, author=member, text="学习了，很受启发")
    body = client_for(member).get(f"/classes/{s.pk}/").content.decode()
    assert "学习了，很受启发" in body
    assert "https://replay.example.com/v/1" in body


def test_a_removed_comment_is_not_in_the_archive(world, member):
    s = class_session(world, status=S.ENDED, starts_at=timezone.now() - timedelta(days=1))
    f.CommentFactory(session=s, author=member, text="已删除的评论", removed_at=timezone.now())
    assert "已删除的评论" not in client_for(member).get(f"/classes/{s.pk}/").content.decode()


def test_other_peoples_classes_are_404_and_a_members_edit_is_403(
    world, organizer, member, other_organizer, outsider
):
    (pc,) = schedule(world, organizer)
    assert client_for(other_organizer).get(f"/classes/{pc.pk}/").status_code == 404
    assert client_for(outsider).get(f"/classes/{pc.pk}/").status_code == 404
    assert client_for(other_organizer).get(f"/classes/{pc.pk}/edit/").status_code == 404
    assert client_for(member).get(f"/classes/{pc.pk}/edit/").status_code == 403
    assert client_for(member).post(f"/classes/{pc.pk}/cancel/").status_code == 403
    assert Client().get(f"/classes/{pc.pk}/").status_code == 302


def test_a_session_of_another_kind_is_not_a_class_page(world, merchant):
    sales = f.SalesSessionFactory(enterprise=world.enterprise_a)
    assert client_for(merchant).get(f"/classes/{sales.pk}/").status_code == 404


def test_the_organizer_edits_and_moves_a_class(world, organizer, member):
    (pc,) = schedule(world, organizer)
    new_start = pc.session.starts_at + timedelta(days=1)
    client = client_for(organizer)
    assert client.get(f"/classes/{pc.pk}/edit/").status_code == 200
    resp = client.post(f"/classes/{pc.pk}/edit/", post_data(world, start=new_start, title="改期后的党课"))
    assert resp.status_code == 302
    pc.session.refresh_from_db()
    assert pc.session.starts_at == new_start and pc.session.title == "改期后的党课"
    assert Notification.objects.filter(user=member, kind="class_moved").exists()


def test_the_organizer_cancels_a_class_with_a_reason(world, organizer, member):
    (pc,) = schedule(world, organizer)
    client = client_for(organizer)
    assert client.get(f"/classes/{pc.pk}/cancel/").status_code == 200
    assert client.post(f"/classes/{pc.pk}/cancel/", {"reason": "台风天气"}).status_code == 302
    assert LiveSession.objects.get(pk=pc.pk).status == S.CANCELLED
    resp = client.post(f"/classes/{pc.pk}/cancel/", {"reason": "再次"}, follow=True)
    assert resp.status_code == 200
    assert Notification.objects.filter(user=member, kind="class_cancelled").count() == 1


def test_a_member_signs_in_with_the_code_during_the_class(world, member):
    s = class_session(world, status=S.LIVE)
    PartyClass.objects.filter(pk=s.pk).update(signin_code="KLM345")
    client = client_for(member)
    assert "sign-in" in client.get(f"/classes/{s.pk}/").content.decode()
    client.post(f"/classes/{s.pk}/sign-in/", {"code": "wrong"})
    assert not s.attendances.filter(signed_in_at__isnull=False).exists()
    client.post(f"/classes/{s.pk}/sign-in/", {"code": "klm345"})
    assert s.attendances.get().signed_in_at is not None


def test_the_organizer_saves_a_replay_link_and_a_bad_one_is_refused(world, organizer):
    s = class_session(world, status=S.ENDED, starts_at=timezone.now() - timedelta(days=1))
    client = client_for(organizer)
    client.post(f"/classes/{s.pk}/replay/", {"replay_url": "javascript:alert(1)"})
    s.refresh_from_db()
    assert s.replay_url == ""
    client.post(f"/classes/{s.pk}/replay/", {"replay_url": "https://replay.example.com/a"})
    s.refresh_from_db()
    assert s.replay_url == "https://replay.example.com/a"


def test_the_organizer_records_an_excuse_from_the_attendance_page(world, organizer, member):
    s = class_session(world, status=S.ENDED, starts_at=timezone.now() - timedelta(days=1))
    client = client_for(organizer)
    assert client.get(f"/classes/{s.pk}/attendance/").status_code == 200
    mid = member.party_member.pk
    client.post(f"/classes/{s.pk}/attendance/excuse/", {"member": mid, "reason": "", "excused": "on"})
    assert not s.attendances.exists()
    client.post(f"/classes/{s.pk}/attendance/excuse/", {"member": "x", "reason": "出差"})
    client.post(f"/classes/{s.pk}/attendance/excuse/", {"member": mid, "reason": "出差", "excused": "on"})
    assert s.attendances.get().excuse_reason == "出差"


def test_an_official_reads_attendance_but_cannot_excuse(world, official):
    s = class_session(world, status=S.ENDED, starts_at=timezone.now() - timedelta(days=1))
    client = client_for(official)
    assert client.get(f"/classes/{s.pk}/attendance/").status_code == 200
    assert client.post(f"/classes/{s.pk}/attendance/excuse/", {"member": 1, "reason": "x"}).status_code == 403


# --- Calendar and feed ---------------------------------------------------------------------------


def test_the_month_calendar_shows_the_class_on_its_day(world, organizer, member):
    (pc,) = schedule(world, organizer, title="月历上的党课")
    day = timezone.localtime(pc.session.starts_at).date()
    resp = client_for(member).get(f"/classes/calendar/?view=month&date={day:%Y-%m-%d}")
    cell = next(d for w in resp.context["weeks"] for d in w if d["date"] == day)
    assert [s.pk for s in cell["sessions"]] == [pc.pk]
    assert "月历上的党课" in resp.content.decode()
    assert len(resp.context["weeks"]) in (4, 5, 6)


def test_the_week_calendar_starts_on_monday_and_shows_the_class(world, organizer, member):
    (pc,) = schedule(world, organizer)
    day = timezone.localtime(pc.session.starts_at).date()
    resp = client_for(member).get(f"/classes/calendar/?view=week&date={day:%Y-%m-%d}")
    days = resp.context["days"]
    assert len(days) == 7 and days[0]["date"].weekday() == 0
    assert pc.pk in [s.pk for d in days for s in d["sessions"]]


@pytest.mark.parametrize(
    "query", ["?date=2026-02-30", "?date=abc", "?view=year", "?date=9999-01-01", "?date=0001-01-01"]
)
def test_a_bad_calendar_date_shows_today_with_a_message(world, member, query):
    resp = client_for(member).get("/classes/calendar/" + query)
    assert resp.status_code == 200
    assert resp.context["day"] == timezone.localdate()


def test_the_private_feed_lists_the_members_classes_and_stops_when_revoked(world, organizer, member):
    (pc,) = schedule(world, organizer, title="订阅里的党课")
    hidden = class_session(world, audience=[world.branch_b], title="看不到的党课")
    client = client_for(member)
    client.post("/classes/calendar/feed/", {"action": "create"})
    feed = CalendarFeed.objects.get(user=member)
    page = client.get("/classes/calendar/").content.decode()
    url = f"/classes/ical/{feed.token}.ics"
    assert url in page
    resp = Client().get(url)  # calendar apps do not sign in
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(resp.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert "订阅里的党课" in events and hidden.title not in events
    ev = events["订阅里的党课"]
    assert ev.decoded("dtstart") == pc.session.starts_at
    assert f"/live/{pc.pk}/" in str(ev["url"])
    client.post("/classes/calendar/feed/", {"action": "revoke"})
    assert Client().get(url).status_code == 404


def test_renewing_the_feed_gives_a_new_address_and_kills_the_old(world, member):
    client = client_for(member)
    client.post("/classes/calendar/feed/", {"action": "create"})
    old = CalendarFeed.objects.get(user=member).token
    client.post("/classes/calendar/feed/", {"action": "renew"})
    new = CalendarFeed.objects.get(user=member).token
    assert new != old
    assert Client().get(f"/classes/ical/{old}.ics").status_code == 404
    assert Client().get(f"/classes/ical/{new}.ics").status_code == 200


def test_a_cancelled_class_is_marked_cancelled_in_the_feed(world, organizer, member):
    from livestreams.services.classes import party_class_cancel

    (pc,) = schedule(world, organizer)
    party_class_cancel(user=organizer, party_class=pc)
    feed = CalendarFeed.objects.create(user=member)
    cal = Calendar.from_ical(Client().get(f"/classes/ical/{feed.token}.ics").content)
    assert [str(e["status"]) for e in cal.walk("VEVENT")] == ["CANCELLED"]


def test_an_unknown_feed_token_is_404(world):
    assert Client().get("/classes/ical/" + "x" * 32 + ".ics").status_code == 404
    assert Client().get("/classes/ical/short.ics").status_code == 404


def test_an_unknown_feed_action_changes_nothing(world, member):
    client_for(member).post("/classes/calendar/feed/", {"action": "explode"})
    assert not CalendarFeed.objects.exists()


# --- Records -------------------------------------------------------------------------------------


def _ended_in_quarter(world, host, audience, kind="party_lecture"):
    start, _end = quarter_bounds(*current_quarter())
    begin = max(start + timedelta(hours=1), timezone.now() - timedelta(days=1))
    if begin >= timezone.now():  # the first hour of a quarter: nothing can have ended in it yet
        begin = start
    s = f.LiveSessionFactory(
        host_organization=host,
        status=S.ENDED,
        starts_at=begin,
        ends_at=begin + timedelta(minutes=30),
        audience_orgs=audience,
    )
    f.PartyClassFactory(session=s, class_kind=kind)
    # Held as the validity rules want (selectors.meetings): long enough, someone there, minutes written.
    Attendance.objects.create(session=s, member=f.MemberFactory(branch=world.branch_b), attended=True)
    MeetingRecord.objects.create(
        organization=host,
        region=host.region,
        session=s,
        kind=kind,
        topic=s.title,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        place="线上",
        minutes="会议记录",
    )
    return s


def test_the_records_count_classes_per_branch_and_flag_the_ones_behind(world, organizer):
    f.MemberFactory(branch=world.branch_a2)
    _ended_in_quarter(world, world.branch_a, [world.branch_a])
    _ended_in_quarter(world, world.branch_a2, [world.branch_a2], kind="committee_meeting")
    resp = client_for(organizer).get("/classes/records/")
    records = {r.branch.pk: r for r in resp.context["records"]}
    assert records[world.branch_a.pk].party_lectures == 1 and not records[world.branch_a.pk].flagged
    assert records[world.branch_a2.pk].counts == {"committee_meeting": 1}
    assert records[world.branch_a2.pk].flagged
    assert world.branch_b.pk not in records
    assert "机关党支部" in resp.content.decode()


def test_a_committee_class_for_its_whole_subtree_counts_for_each_branch(world, organizer):
    _ended_in_quarter(world, world.root_a, [world.root_a])
    resp = client_for(organizer).get("/classes/records/")
    assert not any(r.flagged for r in resp.context["records"])


def test_an_official_reads_the_records_of_the_district_and_a_member_may_not(world, official, member):
    assert client_for(official).get("/classes/records/").status_code == 200
    assert client_for(member).get("/classes/records/").status_code == 403


@pytest.mark.parametrize("query", ["?year=abc", "?quarter=7", "?year=1800&quarter=1"])
def test_bad_record_parameters_show_this_quarter(world, organizer, query):
    resp = client_for(organizer).get("/classes/records/" + query)
    assert resp.status_code == 200
    assert (resp.context["year"], resp.context["quarter"]) == current_quarter()


def test_a_branch_with_no_members_yet_is_listed_but_not_flagged(world, organizer):
    records = {r.branch.pk: r for r in client_for(organizer).get("/classes/records/").context["records"]}
    assert records[world.branch_a2.pk].members == 0 and not records[world.branch_a2.pk].flagged


def test_the_records_export_reads_back_cell_by_cell(world, organizer):
    import csv
    import io

    from openpyxl import load_workbook

    f.MemberFactory(branch=world.branch_a2)
    _ended_in_quarter(world, world.branch_a, [world.branch_a])
    client = client_for(organizer)
    wb = load_workbook(io.BytesIO(client.get("/classes/records.xlsx").content))
    rows = [[c.value for c in r] for r in wb.worksheets[0].iter_rows()]
    assert rows[0] == [
        "支部",
        "党员人数",
        "支部党员大会",
        "支委会",
        "党小组会",
        "党课",
        "主题党日",
        "开展总数",
        "不计入",
        "本季度计划",
        "差额",
        "其他活动（不计入总数）",
        "出勤率",
        "本季度未开展党课",
    ]
    # The plan of a branch without one is the norms: 1 + 3 + 3 + 1 + 3 meetings a quarter.
    assert rows[1:] == [
        ["孵化器联合党支部", 0, 0, 0, 0, 1, 0, 1, 0, 11, 10, 0, None, None],
        ["机关党支部", 1, 0, 0, 0, 0, 0, 0, 0, 11, 11, 0, None, "是"],
    ]
    text = client.get("/classes/records.csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[2] == [
        "机关党支部",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "11",
        "11",
        "0",
        "",
        "是",
    ]


def test_the_records_run_in_a_bounded_number_of_queries(world, organizer, django_assert_max_num_queries):
    for _i in range(4):
        _ended_in_quarter(world, world.root_a, [world.root_a])
    client = client_for(organizer)
    client.get("/classes/records/")
    with django_assert_max_num_queries(14):
        client.get("/classes/records/")
