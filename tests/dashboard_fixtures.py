"""A small district whose every dashboard figure can be computed by hand (see the expected values in
tests/test_dashboard_figures.py), plus a second district whose data must never show up.

All the activity is in the first half of 2024 and the tests ask for that period explicitly
(PERIOD), so "this month" is June 2024 and "this quarter" is 2024Q2 whatever the date is today.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import factory
from django.utils import timezone

from hub.dashboards.services import dashboards_invalidate
from livestreams.models import Attendance, LiveSession, PartyClass, SalesResult, SalesSession
from partyorgs.models import AllianceMembership, IncubatorTenant, Industry, Role
from tests import factories as f

PERIOD = {"date_from": "2024-01-01", "date_to": "2024-06-30"}
S = LiveSession.Status
K = LiveSession.Kind
P = SalesSession.Platform


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(f.LiveSessionFactory)
    member = factory.SubFactory(f.MemberFactory)


class SalesResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesResult

    sales_session = factory.SubFactory(f.SalesSessionFactory)
    gmv = Decimal("100.00")
    orders = 1
    peak_viewers = 1
    viewers = 1


def at(y, m, d, hh=19, mm=0):
    """An aware datetime in Asia/Shanghai."""
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def held(start, hours, **kwargs):
    """Fields of a session that went live at `start` and ended `hours` later."""
    end = start + timedelta(hours=hours)
    return {
        "starts_at": start,
        "ends_at": end,
        "went_live_at": start,
        "ended_at": end,
        "status": S.ENDED,
        **kwargs,
    }


def party_class(org, class_kind=PartyClass.ClassKind.PARTY_LECTURE, **fields):
    session = f.LiveSessionFactory(kind=K.PARTY_CLASS, host_organization=org, **fields)
    f.PartyClassFactory(session=session, class_kind=class_kind)
    return session


def sales(enterprise, platform, *, result=None, playback=LiveSession.Playback.EXTERNAL, **fields):
    ss = f.SalesSessionFactory(
        enterprise=enterprise,
        platform=platform,
        approval=SalesSession.Approval.APPROVED,
        session__playback=playback,
        **{f"session__{k}": v for k, v in fields.items()},
    )
    if result:
        SalesResultFactory(sales_session=ss, **result)
    return ss.session


def official_of(region, email):
    user = f.UserFactory(email=email)
    Role.objects.create(user=user, kind=Role.Kind.OFFICIAL, region=region)
    return user


def build_district(world) -> SimpleNamespace:
    """District A's data (the figures below), and district B's, which must never be counted for A."""
    w = world
    ns = SimpleNamespace(world=w)

    # --- Places, organizations, members, alliance, enterprises, incubator (district A) -------------
    ns.enterprise_a2 = f.EnterpriseFactory(
        name="豫味鲜直播", region=w.sub_a, building=None, party_organization=w.branch_a2
    )
    ns.members_a = [f.MemberFactory(branch=w.branch_a) for _ in range(3)]
    ns.members_a2 = [f.MemberFactory(branch=w.branch_a2) for _ in range(2)]
    alliance_a = f.AllianceFactory(name="淮河路街道党建联盟", region=w.sub_a, lead_organization=w.root_a)
    for org in (w.branch_a, w.committee_a):
        AllianceMembership.objects.create(alliance=alliance_a, organization=org)
    incubator = f.IncubatorFactory(name="白鲸·孵化器", building=w.building_a)
    T, Ind = IncubatorTenant.Status, Industry
    for status, industry in [
        (T.MOVED_IN, Ind.TECH),
        (T.MOVED_IN, Ind.TECH),
        (T.MOVED_IN, Ind.LIVESTREAM),
        (T.GRADUATED, Ind.TECH),
        (T.LEFT, Ind.FOOD),
    ]:
        f.IncubatorTenantFactory(incubator=incubator, status=status, industry=industry)

    # --- Sessions of district A ----------------------------------------------------------------
    m1, m2, m3 = ns.members_a
    m4, m5 = ns.members_a2
    ns.p0 = party_class(w.branch_a2, **held(at(2024, 2, 20), 1))
    ns.p1 = party_class(w.branch_a, peak_viewers=3, **held(at(2024, 5, 10), 1.5))
    ns.p2 = party_class(w.root_a, audience_orgs=[w.committee_a], **held(at(2024, 6, 5), 1))
    ns.p3 = party_class(w.branch_a2, PartyClass.ClassKind.THEMED_DAY, **held(at(2024, 6, 12), 0.5))
    ns.p_scheduled = party_class(
        w.branch_a, starts_at=at(2024, 6, 29), ends_at=at(2024, 6, 29, 20), status=S.SCHEDULED
    )
    for session, member, attended, excused in [
        (ns.p1, m1, True, False),
        (ns.p1, m2, False, False),
        (ns.p1, m3, False, True),
        (ns.p2, m1, True, False),
        (ns.p2, m2, True, False),
        (ns.p2, m3, False, False),
        (ns.p3, m4, True, False),
        (ns.p3, m5, False, False),
        (ns.p0, m4, True, False),
        (ns.p0, m5, True, False),
    ]:
        AttendanceFactory(session=session, member=member, attended=attended, excused=excused)
    for member in (m1, m2):
        f.PresenceFactory(session=ns.p1, user=member.user)

    ns.s1 = sales(
        w.enterprise_a,
        P.DOUYIN,
        result={"gmv": Decimal("12000.50"), "orders": 300, "peak_viewers": 800, "viewers": 5000},
        **held(at(2024, 6, 8, 10), 6),
    )
    ns.s2 = sales(
        w.enterprise_a,
        P.HUB,
        playback=LiveSession.Playback.HUB,
        peak_viewers=40,
        result={"gmv": Decimal("3000.00"), "orders": 50, "peak_viewers": 35, "viewers": 999},
        **held(at(2024, 6, 20, 20), 2),
    )
    viewers = [f.UserFactory() for _ in range(3)]
    ns.viewer = viewers[0]
    for user in viewers:
        f.PresenceFactory(session=ns.s2, user=user)
    # The same person again after a reconnect: still one viewer of the session.
    f.PresenceFactory(
        session=ns.s2, user=viewers[0], joined_at=at(2024, 6, 20, 21), left_at=at(2024, 6, 20, 21, 30)
    )
    ns.s3 = sales(
        ns.enterprise_a2,
        P.KUAISHOU,
        result={"gmv": Decimal("5000.00"), "orders": 100, "peak_viewers": 200, "viewers": 1500},
        **held(at(2024, 5, 15, 14), 2),
    )
    ns.s4_flagged = sales(
        ns.enterprise_a2,
        P.TAOBAO,
        result={
            "gmv": Decimal("99999.00"),
            "orders": 9999,
            "peak_viewers": 50000,
            "viewers": 90000,
            "flagged": True,
        },
        **held(at(2024, 6, 25, 10), 1),
    )
    ns.s5_cancelled = sales(
        w.enterprise_a,
        P.DOUYIN,
        starts_at=at(2024, 6, 26),
        ends_at=at(2024, 6, 26, 21),
        status=S.CANCELLED,
    )
    ns.s6 = sales(
        w.enterprise_a,
        P.JD,
        result={"gmv": Decimal("1000.00"), "orders": 10, "peak_viewers": 20, "viewers": 100},
        **held(at(2024, 4, 10, 10), 1),
    )
    ns.promotion = f.LiveSessionFactory(
        kind=K.PROMOTION,
        title="区长带你逛二七",
        host_organization=w.root_a,
        visibility=LiveSession.Visibility.PUBLIC,
        peak_viewers=120,
        **held(at(2024, 6, 18, 15), 1),
    )
    f.PresenceFactory(session=ns.promotion, user=viewers[0])
    f.PresenceFactory(session=ns.promotion, user=m1.user)
    ns.draft = f.LiveSessionFactory(
        host_organization=w.root_a, starts_at=at(2024, 6, 27), ends_at=at(2024, 6, 27, 20), status=S.DRAFT
    )

    # --- District B: everything here must stay out of district A's figures ----------------------
    member_b = f.MemberFactory(branch=w.branch_b)
    alliance_b = f.AllianceFactory(name="外联盟", region=w.sub_b, lead_organization=w.root_b)
    AllianceMembership.objects.create(alliance=alliance_b, organization=w.branch_b)
    f.IncubatorTenantFactory(
        incubator=f.IncubatorFactory(name="外孵化器", building=w.building_b), industry=Industry.CULTURE
    )
    ns.pb = party_class(w.branch_b, peak_viewers=9000, **held(at(2024, 6, 6), 3))
    AttendanceFactory(session=ns.pb, member=member_b, attended=True)
    f.PresenceFactory(session=ns.pb, user=member_b.user)
    ns.sb = sales(
        w.enterprise_b,
        P.DOUYIN,
        result={"gmv": Decimal("77777.00"), "orders": 7, "peak_viewers": 7000, "viewers": 70000},
        **held(at(2024, 6, 9, 10), 4),
    )
    dashboards_invalidate()
    return ns
