"""Sales sessions, campaigns and studios: every page × every persona."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from livestreams.models import LiveSession, ResultsImport, SalesSession
from livestreams.services.sales import ProductData, campaign_create, sales_session_register
from tests import factories as f


def _local(days, hour):
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def setup(w):
    world = w.world
    w.studio = f.StudioFactory(
        building=world.building_a, name="矩阵直播间", opens_at=time(8), closes_at=time(22)
    )
    w.pending = sales_session_register(
        user=w.merchant,
        enterprise=world.enterprise_a,
        title="矩阵待审批场次",
        platform=SalesSession.Platform.DOUYIN,
        starts_at=_local(3, 10),
        ends_at=_local(3, 12),
        host_names="主播",
        products=[ProductData(name="商品", price=Decimal("1.00"))],
        studio=w.studio,
    )
    # An approved session that has ended (results can be reported).
    session = f.LiveSessionFactory(
        kind=LiveSession.Kind.SALES,
        host_organization=None,
        host_enterprise=world.enterprise_a,
        region=world.sub_a,
        starts_at=_local(-2, 10),
        ends_at=_local(-2, 12),
        status=LiveSession.Status.ENDED,
        visibility=LiveSession.Visibility.PUBLIC,
    )
    w.ended = SalesSession.objects.create(
        session=session,
        enterprise=world.enterprise_a,
        building=world.building_a,
        platform="douyin",
        approval=SalesSession.Approval.APPROVED,
    )
    w.results_import = ResultsImport.objects.create(user=w.merchant, file_name="results.csv")
    w.campaign = campaign_create(
        user=w.organizer,
        name="矩阵首发周",
        building=world.building_a,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=7),
    )


ALL = ["organizer", "merchant", "official", "member", "outsider", "staff", "anonymous"]


def _statuses(ok, forbidden=(), missing=(), anonymous=302):
    spec = {p: 200 for p in ok}
    spec.update({p: 403 for p in forbidden})
    spec.update({p: 404 for p in missing})
    spec["anonymous"] = anonymous
    return spec


def pages(w):
    roles = ["organizer", "merchant", "official", "staff"]
    yield "/sales/", _statuses(roles, forbidden=["member", "outsider"])
    yield (
        "/sales/new/",
        _statuses(["merchant"], forbidden=["organizer", "official", "member", "outsider", "staff"]),
    )
    yield (
        "/sales/inbox/",
        _statuses(["organizer", "staff"], forbidden=["merchant", "official", "member", "outsider"]),
    )
    yield "/sales/schedule/", dict.fromkeys(ALL, 200)
    yield "/sales/history/", _statuses(roles, forbidden=["member", "outsider"])
    yield (
        "/sales/results/import/",
        _statuses(["merchant", "staff"], forbidden=["organizer", "official", "member", "outsider"]),
    )
    # An import is its uploader's only: another merchant, staff included, gets 404.
    yield (
        f"/sales/results/import/{w.results_import.pk}/",
        _statuses(["merchant"], forbidden=["organizer", "official", "member", "outsider"], missing=["staff"]),
    )
    yield (
        "/sales/results/template.csv",
        _statuses(["merchant", "staff"], forbidden=["organizer", "official", "member", "outsider"]),
    )
    # A pending session: its merchant, its reviewers and staff; officials see drafts of nobody.
    yield (
        f"/sales/{w.pending.pk}/",
        _statuses(["merchant", "organizer", "staff"], missing=["official", "member", "outsider"]),
    )
    yield (
        f"/sales/{w.pending.pk}/results/",
        _statuses(["merchant", "staff"], forbidden=["organizer"], missing=["official", "member", "outsider"]),
    )
    # An approved session is visible read-only to the region's officials.
    yield (
        f"/sales/{w.ended.pk}/",
        _statuses(["merchant", "organizer", "official", "staff"], missing=["member", "outsider"]),
    )
    yield (
        f"/sales/{w.ended.pk}/results/",
        _statuses(["merchant", "staff"], forbidden=["organizer", "official"], missing=["member", "outsider"]),
    )
    yield (
        "/sales/999999/",
        _statuses([], missing=["merchant", "organizer", "official", "staff", "member", "outsider"]),
    )
    yield "/campaigns/", dict.fromkeys(ALL, 200)
    yield f"/campaigns/{w.campaign.pk}/", dict.fromkeys(ALL, 200)
    yield (
        "/campaigns/new/",
        _statuses(["organizer", "staff"], forbidden=["merchant", "official", "member", "outsider"]),
    )
    yield (
        f"/campaigns/{w.campaign.pk}/edit/",
        _statuses(["organizer", "staff"], forbidden=["merchant", "official", "member", "outsider"]),
    )
    yield (
        f"/campaigns/{w.campaign.pk}/promotions/new/",
        _statuses(["organizer", "staff"], forbidden=["merchant", "official", "member", "outsider"]),
    )
    yield "/campaigns/999999/", {**dict.fromkeys(ALL, 404)}
    yield "/studios/", _statuses(roles, forbidden=["member", "outsider"])
    yield (
        "/studios/new/",
        _statuses(["organizer", "staff"], forbidden=["merchant", "official", "member", "outsider"]),
    )
    yield f"/studios/{w.studio.pk}/", _statuses(roles, missing=["member", "outsider"])
    yield (
        f"/studios/{w.studio.pk}/edit/",
        _statuses(["organizer", "staff"], forbidden=["merchant", "official"], missing=["member", "outsider"]),
    )
