"""Helpers of the sales and studios tests: local times, registering through the service, past sessions."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from livestreams.models import LiveSession, SalesSession
from livestreams.services.sales import ProductData, sales_session_register
from tests import factories as f


def local(days: int, hour: int, minute: int = 0) -> datetime:
    """An aware datetime `days` from today at hour:minute, Asia/Shanghai."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())


def register(
    merchant, enterprise, *, studio=None, days=3, start=14, hours=2, title="丝路优选秋季新品专场", **extra
):
    return sales_session_register(
        user=merchant,
        enterprise=enterprise,
        title=title,
        platform=extra.pop("platform", SalesSession.Platform.DOUYIN),
        starts_at=local(days, start),
        ends_at=local(days, start + hours),
        host_names="李商家",
        products=[ProductData(name="郑州烩面礼盒", price=Decimal("59.90"))],
        studio=studio,
        **extra,
    )


def ended_sales_session(
    enterprise, *, platform=SalesSession.Platform.DOUYIN, days_ago=1, peak=0, went_live=False
):
    """An approved sales session that took place in the past (made directly: the service refuses the past)."""
    starts = local(-days_ago, 19)
    session = f.LiveSessionFactory(
        kind=LiveSession.Kind.SALES,
        host_organization=None,
        host_enterprise=enterprise,
        region=enterprise.region,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        status=LiveSession.Status.ENDED,
        visibility=LiveSession.Visibility.PUBLIC,
        playback=LiveSession.Playback.HUB
        if platform == SalesSession.Platform.HUB
        else LiveSession.Playback.EXTERNAL,
        peak_viewers=peak,
        went_live_at=starts if went_live else None,
        title=f"{enterprise.name}直播专场{days_ago}",
    )
    return SalesSession.objects.create(
        session=session,
        enterprise=enterprise,
        building=enterprise.building,
        platform=platform,
        approval=SalesSession.Approval.APPROVED,
        host_names="主播",
    )
