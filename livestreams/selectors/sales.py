"""Reads of sales sessions, campaigns and results, always through the viewer's scope.

Who sees a sales session on the management pages (/sales/...):
- the merchants of its enterprise and its hosts (every state);
- its reviewers: organizers at or above the Party organization of its building, and hub staff;
- officials of its region, read-only, once it is approved.
Everyone else gets 404: merchants never see other enterprises' drafts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from hub.models import User
from livestreams.models import (
    Campaign,
    LiveSession,
    PendingProductImage,
    Product,
    PromotionSession,
    ResultsImport,
    SalesResult,
    SalesSession,
    StudioBooking,
)
from livestreams.selectors.sales_room import product_clicks as product_clicks  # clicks per product (room)
from livestreams.selectors.sales_room import session_clicks as session_clicks
from partyorgs.models import Enterprise, PartyOrganization, Role, ancestor_paths
from partyorgs.permissions import Scope, get_scope

A = SalesSession.Approval
S = LiveSession.Status


# --- Scope ---------------------------------------------------------------------------------------------


def review_q(scope: Scope) -> Q:
    """SalesSession rows the user reviews (approves or rejects)."""
    if scope.is_staff:
        return Q()
    if not scope.organizer_paths:
        return Q(pk__in=[])
    # A merchant who also organizes never reviews their own enterprise's sessions.
    return scope.managed_orgs_q("building__party_organization__") & ~Q(enterprise_id__in=scope.enterprise_ids)


def sales_visible_q(scope: Scope, user_id: int | None) -> Q:
    if scope.is_staff:
        return Q()
    q = Q(pk__in=[])
    if scope.enterprise_ids:
        q |= Q(enterprise_id__in=scope.enterprise_ids)
    if scope.organizer_paths:
        q |= scope.managed_orgs_q("building__party_organization__")
    if scope.region_ids:
        q |= Q(session__region_id__in=scope.region_ids, approval=A.APPROVED)
    if user_id is not None:
        q |= Q(
            Exists(LiveSession.hosts.through.objects.filter(livesession_id=OuterRef("pk"), user_id=user_id))
        )
    return q


def _base() -> QuerySet[SalesSession]:
    return SalesSession.objects.select_related(
        "session", "enterprise", "campaign", "building", "result", "building__party_organization"
    )


def sales_sessions_visible(user: User | AnonymousUser) -> QuerySet[SalesSession]:
    scope = get_scope(user)
    return _base().filter(sales_visible_q(scope, user.pk if scope.is_authenticated else None))


def can_edit(user: User, ss: SalesSession) -> bool:
    """Merchants of the enterprise (and staff) change the session and report its results."""
    scope = get_scope(user)
    return scope.is_staff or ss.enterprise_id in scope.enterprise_ids


def can_review(user: User, ss: SalesSession) -> bool:
    scope = get_scope(user)
    if scope.is_staff:
        return True
    if ss.enterprise_id in scope.enterprise_ids or ss.building is None:
        return False
    org = ss.building.party_organization
    return org is not None and scope.manages_org_path(org.path)


@dataclass
class SalesAccess:
    ss: SalesSession
    can_edit: bool
    can_review: bool


def get_sales_session_for_user(user: User, pk: int) -> SalesAccess:
    """The sales session with what the user may do to it; 404 when it is outside their scope."""
    ss = sales_sessions_visible(user).filter(pk=pk).first()
    if ss is None:
        raise Http404
    return SalesAccess(ss=ss, can_edit=can_edit(user, ss), can_review=can_review(user, ss))


# --- Lists ---------------------------------------------------------------------------------------------


def sales_sessions_list(
    *, user: User, approval: str = "", platform: str = "", enterprise_id: int | None = None
) -> QuerySet[SalesSession]:
    qs = sales_sessions_visible(user)
    if approval:
        qs = qs.filter(approval=approval)
    if platform:
        qs = qs.filter(platform=platform)
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    active_booking = StudioBooking.objects.filter(
        session_id=OuterRef("session_id"), state__in=StudioBooking.ACTIVE_STATES
    )
    return qs.annotate(has_studio=Exists(active_booking)).order_by("-session__starts_at")


def sales_inbox(*, user: User) -> list[SalesSession]:
    """Pending requests the user reviews, soonest first (the ones that start soonest need an answer first)."""
    scope = get_scope(user)
    qs = (
        _base()
        .filter(review_q(scope), approval=A.PENDING)
        .exclude(session__status=S.CANCELLED)
        .prefetch_related(
            "products",
            Prefetch(
                "session__bookings",
                queryset=StudioBooking.objects.filter(state__in=StudioBooking.ACTIVE_STATES).select_related(
                    "studio__building"
                ),
            ),
        )
        .order_by("session__starts_at")
    )
    return list(qs)


def sales_inbox_count(*, user: User) -> int:
    scope = get_scope(user)
    if not (scope.is_staff or scope.organizer_paths):
        return 0
    return (
        SalesSession.objects.filter(review_q(scope), approval=A.PENDING)
        .exclude(session__status=S.CANCELLED)
        .count()
    )


def active_booking(ss: SalesSession) -> StudioBooking | None:
    return (
        StudioBooking.objects.filter(session_id=ss.pk, state__in=StudioBooking.ACTIVE_STATES)
        .select_related("studio", "studio__building")
        .first()
    )


def editable(ss: SalesSession) -> bool:
    """A registration can be changed while it awaits approval, and fixed after a rejection, until it
    starts (services.sales.sales_session_update)."""
    return ss.approval != A.APPROVED and ss.session.status == S.DRAFT


def latest_booking(ss: SalesSession) -> StudioBooking | None:
    return (
        StudioBooking.objects.filter(session_id=ss.pk)
        .select_related("studio", "studio__building")
        .order_by("-created_at", "-pk")
        .first()
    )


def reviewers_of(ss: SalesSession) -> list[User]:
    """Organizers at or above the building's Party organization; hub staff when the building has none."""
    org = ss.building.party_organization if ss.building is not None else None
    if org is not None:
        paths = ancestor_paths(org.path)
        users = list(
            User.objects.filter(
                roles__kind=Role.Kind.ORGANIZER, roles__organization__path__in=paths, is_active=True
            ).distinct()
        )
        if users:
            return users
    return list(User.objects.filter(is_staff=True, is_active=True))


def merchants_of(ss: SalesSession) -> list[User]:
    """Everyone to tell about the session's fate: the enterprise's merchants and the session's hosts."""
    return list(
        User.objects.filter(
            Q(roles__kind=Role.Kind.MERCHANT, roles__enterprise_id=ss.enterprise_id)
            | Q(hosted_live_sessions=ss.session_id),
            is_active=True,
        ).distinct()
    )


def host_candidates(*, enterprise: Enterprise) -> QuerySet[User]:
    """People who may host an enterprise's sessions: its merchant accounts."""
    return User.objects.filter(
        roles__kind=Role.Kind.MERCHANT, roles__enterprise=enterprise, is_active=True
    ).distinct()


def promotion_host_candidates(*, user: User, organization: PartyOrganization) -> QuerySet[User]:
    """People an organizer may name as hosts of a promotional session of `organization`: accounts within the
    organizer's own scope (members and organizers of the managed organizations, merchants of enterprises the
    organizer sees) and the officials of the organization's subdistrict or district (the district head selling
    local food). Nobody else, whether or not an account exists (hub staff: anyone)."""
    scope = get_scope(user)
    active = User.objects.filter(is_active=True)
    if scope.is_staff:
        return active
    regions = [r for r in (organization.region_id, getattr(organization.region, "parent_id", None)) if r]
    q = (
        Q(pk=user.pk)
        | scope.managed_orgs_q("party_member__branch__")
        | Q(
            roles__kind=Role.Kind.ORGANIZER,
            roles__organization__in=PartyOrganization.objects.filter(scope.managed_orgs_q()),
        )
        | Q(
            roles__kind=Role.Kind.MERCHANT,
            roles__enterprise__in=Enterprise.objects.filter(scope.visible_enterprises_q()),
        )
        | Q(roles__kind=Role.Kind.OFFICIAL, roles__region_id__in=regions)
    )
    return active.filter(q).distinct()


def enterprises_of_merchant(user: User) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(pk__in=get_scope(user).enterprise_ids).order_by("name")


def enterprises_with_history(user: User) -> QuerySet[Enterprise]:
    """Enterprises whose sales history the user may look at: their own (merchants), those in their
    buildings or under their organizations (organizers), those of their region (officials)."""
    return Enterprise.objects.filter(get_scope(user).visible_enterprises_q()).order_by("name")


# --- Results and growth -----------------------------------------------------------------------------------


def result_reportable(ss: SalesSession, now: datetime | None = None) -> bool:
    """Results come after an approved session has ended (by the clock, even if nobody ended it)."""
    now = now or timezone.now()
    session = ss.session
    return (
        ss.approval == A.APPROVED
        and session.status != S.CANCELLED
        and (session.status == S.ENDED or session.ends_at <= now)
    )


def measured_peak(ss: SalesSession) -> int | None:
    """The peak the hub's own room measured, when the session ran there (went live)."""
    session = ss.session
    if ss.platform == SalesSession.Platform.HUB and session.went_live_at is not None:
        return session.peak_viewers
    return None


def awaiting_results(*, user: User) -> QuerySet[SalesSession]:
    """The merchant's approved sessions that have ended without results (for the import template)."""
    scope = get_scope(user)
    qs = SalesSession.objects.select_related("session", "enterprise").filter(
        approval=A.APPROVED, result__isnull=True, session__ends_at__lte=timezone.now()
    )
    qs = qs.exclude(session__status=S.CANCELLED)
    if not scope.is_staff:
        qs = qs.filter(enterprise_id__in=scope.enterprise_ids)
    return qs.order_by("session__starts_at")


def growth_percent(current: Decimal | int, previous: Decimal | int) -> Decimal | None:
    """Month-over-month growth in percent, one decimal; None when there is nothing to compare with."""
    current, previous = Decimal(current), Decimal(previous)
    if previous == 0:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class MonthRow:
    month: date
    sessions: int
    gmv: Decimal
    orders: int
    viewers: int
    new_followers: int
    gmv_growth: Decimal | None
    orders_growth: Decimal | None


def _month_add(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def sales_monthly_history(
    *, enterprise_ids: Iterable[int], months: int = 12, today: date | None = None
) -> list[MonthRow]:
    """The last `months` calendar months (this one included) of reported results, by the month the
    session started in (Asia/Shanghai), with month-over-month growth. Months without sessions are zeros."""
    today = today or timezone.localdate()
    last = today.replace(day=1)
    first = _month_add(last, -(months - 1))
    previous = _month_add(first, -1)  # one month more, so that the first row has a growth figure too
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime(previous.year, previous.month, 1, tzinfo=tz)
    end_month = _month_add(last, 1)
    end = datetime(end_month.year, end_month.month, 1, tzinfo=tz)
    rows = (
        SalesResult.objects.filter(
            sales_session__enterprise_id__in=list(enterprise_ids),
            sales_session__session__starts_at__gte=start,
            sales_session__session__starts_at__lt=end,
        )
        .annotate(month=TruncMonth("sales_session__session__starts_at", tzinfo=tz))
        .values("month")
        .annotate(
            sessions=Count("pk"),
            gmv=Sum("gmv"),
            orders=Sum("orders"),
            viewers=Sum("viewers"),
            new_followers=Sum("new_followers"),
        )
    )
    by_month: dict[date, Mapping[str, Any]] = {}
    for row in rows:
        m = row["month"]
        # PostgreSQL hands back the month's first instant in UTC; read it in the hub's time zone.
        key = timezone.localtime(m, tz).date() if isinstance(m, datetime) else m
        by_month[key.replace(day=1)] = row
    history = []
    prev = by_month.get(previous, {})
    for i in range(months):
        month = _month_add(first, i)
        r = by_month.get(month, {})
        # SQLite sums decimals with more places than the column has.
        gmv = (r.get("gmv") or Decimal("0")).quantize(Decimal("0.01"))
        orders = r.get("orders") or 0
        history.append(
            MonthRow(
                month=month,
                sessions=r.get("sessions") or 0,
                gmv=gmv,
                orders=orders,
                viewers=r.get("viewers") or 0,
                new_followers=r.get("new_followers") or 0,
                gmv_growth=growth_percent(gmv, (prev.get("gmv") or Decimal("0")).quantize(Decimal("0.01"))),
                orders_growth=growth_percent(orders, prev.get("orders") or 0),
            )
        )
        prev = r
    return history


# --- Public schedule and campaigns ------------------------------------------------------------------------

PUBLIC_KINDS = [LiveSession.Kind.SALES, LiveSession.Kind.PROMOTION]


def public_sales_q() -> Q:
    """Approved sales sessions and promotional sessions that anyone may watch."""
    return (
        Q(kind__in=PUBLIC_KINDS, visibility=LiveSession.Visibility.PUBLIC)
        & ~Q(status__in=[S.DRAFT, S.CANCELLED])
        & (Q(kind=LiveSession.Kind.PROMOTION) | Q(sales__approval=A.APPROVED))
    )


def _with_extensions(qs: QuerySet[LiveSession]) -> QuerySet[LiveSession]:
    return qs.select_related(
        "host_enterprise",
        "host_organization",
        "sales",
        "sales__campaign",
        "promotion",
        "promotion__campaign",
    )


def public_schedule(*, now: datetime | None = None, limit: int = 200) -> list[LiveSession]:
    """What is live and what comes next, soonest first."""
    now = now or timezone.now()
    qs = LiveSession.objects.filter(public_sales_q(), ends_at__gte=now, status__in=[S.SCHEDULED, S.LIVE])
    return list(_with_extensions(qs).order_by("starts_at")[:limit])


def campaigns_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("building", "region").annotate(
        sessions=Count("sales_sessions", filter=Q(sales_sessions__approval=A.APPROVED), distinct=True),
        promotions_count=Count("promotions", distinct=True),
    )


def campaign_sessions(*, campaign: Campaign) -> list[LiveSession]:
    qs = LiveSession.objects.filter(public_sales_q()).filter(
        Q(sales__campaign=campaign) | Q(promotion__campaign=campaign)
    )
    return list(_with_extensions(qs).order_by("starts_at"))


def can_manage_campaign(user: User, campaign: Campaign) -> bool:
    scope = get_scope(user)
    if scope.is_staff:
        return True
    org = campaign.building.party_organization if campaign.building is not None else None
    return org is not None and scope.manages_org_path(org.path)


def promotions_of(campaign: Campaign) -> QuerySet[PromotionSession]:
    return PromotionSession.objects.filter(campaign=campaign).select_related("session")


# --- Results imports ----------------------------------------------------------------------------------------

IMPORT_STALE_AFTER = timedelta(minutes=3)  # longer than the check task's hard time limit (90 s)


def results_import_get_for_user(user: User, pk: int) -> ResultsImport:
    """One of the user's own imports (404 otherwise). A check that has not finished long after the task's
    time limit was interrupted (a worker killed by the file): it is shown as failed."""
    job = ResultsImport.objects.filter(pk=pk, user=user).defer("content").first()
    if job is None:
        raise Http404
    unfinished = job.state in (ResultsImport.State.QUEUED, ResultsImport.State.CHECKING)
    if unfinished and job.created_at < timezone.now() - IMPORT_STALE_AFTER:
        job.state = ResultsImport.State.FAILED
    return job


# --- Registration rows ---------------------------------------------------------------------------------


def pending_images_of(*, user: User, ids: Iterable[int]) -> dict[int, PendingProductImage]:
    """The user's own kept product images among ids, not expired; anyone else's are ignored."""
    since = timezone.now() - PendingProductImage.EXPIRES
    rows = PendingProductImage.objects.filter(pk__in=list(ids), user_id=user.pk, created_at__gte=since)
    return {p.pk: p for p in rows}


def products_editable(*, user: User, ids: Iterable[int]) -> dict[int, Product]:
    """Products among ids of sessions the user may change (their enterprises'; staff: any)."""
    scope = get_scope(user)
    qs = Product.objects.filter(pk__in=list(ids))
    if not scope.is_staff:
        qs = qs.filter(sales_session__enterprise_id__in=scope.enterprise_ids)
    return {p.pk: p for p in qs}


def products_with_results(ss: SalesSession) -> list[Product]:
    """The session's products, each with `result_or_none` (its ProductResult, or None): one query."""
    products = list(Product.objects.filter(sales_session=ss).select_related("result"))
    for p in products:
        p.result_or_none = getattr(p, "result", None)  # type: ignore[attr-defined]  # set for the template
    return products
