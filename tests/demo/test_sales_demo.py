"""seed_demo's sales part: studios, the 新品首发周 campaign, a year of results up 30% since March.

The demo is seeded once for the tests of tests/demo/ (`seeded_demo`); each test sees it, and its own
writes roll back."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from livestreams.demo.sales import CAMPAIGN, last_march
from livestreams.models import (
    Campaign,
    LiveSession,
    PromotionSession,
    SalesResult,
    SalesSession,
    Studio,
    StudioBooking,
)
from livestreams.selectors.sales import public_schedule, sales_monthly_history
from partyorgs.models import Enterprise
from tests.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def seed():
    out = io.StringIO()
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Studio,
            Campaign,
            LiveSession,
            SalesSession,
            SalesResult,
            StudioBooking,
            PromotionSession,
        )
    }


def test_the_demo_seeds_sales_and_a_second_run_creates_nothing(seeded_demo):
    assert "sales sessions" in seeded_demo and "studios" in seeded_demo
    before = counts()
    second = seed()
    assert "nothing new" in second
    assert counts() == before


def test_the_demo_has_studios_in_both_buildings_and_the_campaign_with_the_leaders_session():
    buildings = set(Studio.objects.values_list("building__name", flat=True))
    assert buildings == {"二七丝路网红大厦", "中国鞋都电商创业园"}
    campaign = Campaign.objects.get(name=CAMPAIGN)
    promo = PromotionSession.objects.get(campaign=campaign)
    assert promo.session.kind == LiveSession.Kind.PROMOTION
    assert promo.session.hosts.filter(email="official@example.com").exists()
    assert "区长" in promo.host_names
    assert promo.session in public_schedule()
    assert SalesSession.objects.filter(campaign=campaign, approval=SalesSession.Approval.APPROVED).exists()
    for state in SalesSession.Approval.values:
        assert SalesSession.objects.filter(approval=state, session__starts_at__gt=timezone.now()).exists(), (
            state
        )


def test_jiarun_ran_a_six_hour_session():
    ss = SalesSession.objects.get(session__title="佳润天成6小时直播带货专场")
    assert ss.session.duration == timedelta(hours=6)
    assert ss.enterprise.name == "晋江市佳润天成电子商务有限公司"
    assert ss.result.gmv > 0
    assert StudioBooking.objects.filter(
        session_id=ss.pk, studio__building__name="中国鞋都电商创业园"
    ).exists()


@pytest.mark.parametrize("enterprise", ["郑州丝路优选电子商务有限公司", "晋江市佳润天成电子商务有限公司"])
def test_a_year_of_results_with_sales_at_least_30_percent_up_since_march(enterprise):
    e = Enterprise.objects.get(name=enterprise)
    history = sales_monthly_history(enterprise_ids=[e.pk], months=13)
    assert all(row.sessions > 0 for row in history[:-1])  # every month of the last year (this one is partial)
    march = next(row for row in history if row.month == last_march(timezone.localdate()))
    complete = [row for row in history[:-1] if row.month > march.month]
    assert complete, "months after March"
    for row in complete:
        assert row.gmv >= march.gmv * Decimal("1.3"), (row.month, row.gmv, march.gmv)


def test_the_demo_merchant_sees_their_sessions_and_the_organizer_their_inbox(client):
    from hub.models import User

    client.force_login(User.objects.get(email="merchant@example.com"))
    assert "丝路优选冬季家乡好物专场" in client.get("/sales/").content.decode()
    client.force_login(User.objects.get(email="organizer@example.com"))
    assert "丝路优选冬季家乡好物专场" in client.get("/sales/inbox/").content.decode()
    assert SalesResult.objects.filter(flagged=True).exists()


def test_every_pending_demo_session_is_a_draft_a_building_organizer_can_review():
    """Issue 11, item 19: the room demo seeded a pending session that was scheduled, public and had no
    building, so only hub staff could review it."""
    from livestreams.selectors.sales import can_review, sales_inbox
    from partyorgs.models import Role

    seed()
    organizers = [r.user for r in Role.objects.filter(kind=Role.Kind.ORGANIZER).select_related("user")]
    pending = SalesSession.objects.filter(approval=SalesSession.Approval.PENDING).select_related("session")
    assert pending.exists()
    for ss in pending:
        assert ss.building_id is not None, ss.session.title
        assert ss.session.status == LiveSession.Status.DRAFT, ss.session.title
        assert ss.session.visibility != LiveSession.Visibility.PUBLIC, ss.session.title
        reviewers = [u for u in organizers if can_review(u, ss)]
        assert reviewers, ss.session.title
        assert any(ss in sales_inbox(user=u) for u in reviewers)
    # What the public sees is approved.
    public = SalesSession.objects.filter(
        session__visibility=LiveSession.Visibility.PUBLIC,
        session__status__in=[LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE],
    )
    assert public.exists()
    assert not public.exclude(approval=SalesSession.Approval.APPROVED).exists()
