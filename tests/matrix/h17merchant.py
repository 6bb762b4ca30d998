"""Merchant tools of issue 17: changing, duplicating and repeating a registration; studio availability."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from livestreams.models import SalesSession
from livestreams.services.sales import ProductData, sales_session_register


def _local(days, hour):
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def setup(w):
    w.h17_pending = sales_session_register(
        user=w.merchant,
        enterprise=w.world.enterprise_a,
        title="矩阵待修改场次",
        platform=SalesSession.Platform.KUAISHOU,
        starts_at=_local(5, 10),
        ends_at=_local(5, 12),
        host_names="主播",
        products=[ProductData(name="商品", price=Decimal("1.00"))],
    )


def _statuses(ok, forbidden=(), missing=(), anonymous=302):
    spec = {p: 200 for p in ok}
    spec.update({p: 403 for p in forbidden})
    spec.update({p: 404 for p in missing})
    spec["anonymous"] = anonymous
    return spec


def pages(w):
    pk = w.h17_pending.pk
    # Its merchant (and staff) change it; its reviewers see it but may not; officials never see drafts.
    yield (
        f"/sales/{pk}/edit/",
        _statuses(["merchant", "staff"], forbidden=["organizer"], missing=["official", "member", "outsider"]),
    )
    yield (
        f"/sales/{pk}/repeat/",
        _statuses(["merchant", "staff"], forbidden=["organizer"], missing=["official", "member", "outsider"]),
    )
    yield (
        "/sales/999999/edit/",
        _statuses([], missing=["merchant", "organizer", "official", "staff", "member", "outsider"]),
    )
    yield (
        f"/sales/new/?from={pk}",
        _statuses(["merchant"], forbidden=["organizer", "official", "member", "outsider", "staff"]),
    )
    yield (
        "/studios/availability/",
        _statuses(["merchant", "organizer", "official", "staff"], forbidden=["member", "outsider"]),
    )
