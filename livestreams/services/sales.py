"""Writes of livestream sales: registration, approval, results, campaigns and promotional sessions.

A merchant's session is a LiveSession of kind "sales" in DRAFT with SalesSession.approval "pending" until
a manager of its building approves it; approval makes it SCHEDULED and public (the lifecycle beat of the
classes area then opens and ends it on time and reminds its hosts), rejection keeps it a draft with the
reason. Merchants and hosts are told live (notification_send) and by email.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub.emails import email_queue
from hub.models import User
from hub.services import notification_send
from livestreams.models import (
    Campaign,
    LiveSession,
    PendingProductImage,
    Product,
    ProductResult,
    PromotionSession,
    SalesResult,
    SalesSession,
    Studio,
    StudioBooking,
)
from livestreams.selectors.sales import (
    can_edit,
    can_manage_campaign,
    can_review,
    latest_booking,
    measured_peak,
    merchants_of,
    promotion_host_candidates,
    result_reportable,
    reviewers_of,
)
from livestreams.selectors.studios import booking_conflicts, merchant_building_ids
from livestreams.services.sessions import session_cancel
from livestreams.services.studios import (
    booking_window_errors,
    studio_book,
    studio_booking_cancel,
    studio_booking_confirm,
)
from livestreams.services.studios import studio_booking_release as _release
from partyorgs.models import Building, Enterprise, IncubatorTenant, PartyOrganization
from partyorgs.permissions import get_scope

if TYPE_CHECKING:
    # Only for annotations: sales_import imports this module (sales_results_import) at import time.
    from livestreams.services.sales_import import ProductRow, ResultRow

logger = logging.getLogger(__name__)

A = SalesSession.Approval
S = LiveSession.Status
MIN_SESSION = timedelta(minutes=15)
MAX_SESSION = timedelta(hours=12)
# A self-reported peak is flagged when it is more than PEAK_FLAG_RATIO times the measured one and at least
# PEAK_FLAG_MIN_EXCESS people more (so that 3 reported against 1 measured is not an alarm).
PEAK_FLAG_RATIO = Decimal("1.5")
PEAK_FLAG_MIN_EXCESS = 20


@dataclass
class ProductData:
    name: str
    price: Decimal
    link: str = ""
    image: object = None  # an uploaded (already cleaned) file, or None
    # An image kept from a form that came back with an error (taken over by the product).
    pending: PendingProductImage | None = None
    # Editing: the product of this session the row changes. Otherwise (duplicating): whose image to reuse.
    source: Product | None = None


# --- Notifications and email ------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.HUB_PUBLIC_URL.rstrip("/") + path


def host_refusal(emails: list[str]) -> str:
    """One sentence for every address that cannot host: no account, or an account outside the scope."""
    return _(
        "These addresses cannot host this session: %(emails)s. Hosts are accounts within your organizations "
        "or officials of its subdistrict or district."
    ) % {"emails": ", ".join(emails)}


def _notify(users: list[User], *, kind: str, title: str, body: str = "", url: str = "") -> None:
    if users:
        notification_send(users=users, kind=kind, title=title, body=body, url=url)


def _tell_merchants(ss: SalesSession, *, kind: str, title: str, body: str, email: str | None) -> None:
    """In-app (pushed live to the bell) and by email, both sent once the change commits."""
    recipients = merchants_of(ss)
    url = reverse("sales:detail", args=[ss.pk])
    _notify(recipients, kind=kind, title=title, body=body, url=url)
    if email:
        context = {
            "title": ss.session.title,
            "enterprise": ss.enterprise.name,
            "starts_at": ss.session.starts_at,
            "ends_at": ss.session.ends_at,
            "reason": ss.reject_reason,
            "url": _absolute(url),
        }
        # The outbox row is written with the change and sent once it commits (hub.emails).
        email_queue(recipients=recipients, template=f"emails/sales_{email}", context=context)


def notify_bookings_released(*, booking_ids: list[int]) -> None:
    """Tell the merchants that their held studio slots were released (no approval before the deadline)."""
    bookings = StudioBooking.objects.filter(pk__in=booking_ids).select_related("studio", "session")
    with translation.override(settings.LANGUAGE_CODE):
        for b in bookings:
            ss = SalesSession.objects.filter(pk=b.session_id).select_related("session", "enterprise").first()
            if ss is None:
                continue
            _tell_merchants(
                ss,
                kind="studio_released",
                title=_("Studio slot released: %(title)s") % {"title": ss.session.title},
                body=_(
                    "%(studio)s was held for this session until %(deadline)s, but the session was not approved by then. Book a studio again on the session's page."
                )
                % {
                    "studio": str(b.studio),
                    "deadline": timezone.localtime(b.hold_expires_at).strftime("%Y-%m-%d %H:%M"),
                },
                email=None,
            )


# --- Registration ---------------------------------------------------------------------------------------------


def approving_building(enterprise: Enterprise) -> Building | None:
    """The building whose managers approve an enterprise's sessions without a studio: where it sits, or the
    building of the incubator it moved into."""
    if enterprise.building_id:
        return enterprise.building
    tenancy = (
        IncubatorTenant.objects.filter(enterprise=enterprise, status=IncubatorTenant.Status.MOVED_IN)
        .select_related("incubator__building")
        .first()
    )
    return tenancy.incubator.building if tenancy else None


def _time_errors(
    starts_at: datetime, ends_at: datetime, now: datetime, campaign: Campaign | None
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("The session must end after it starts."))
    elif ends_at - starts_at < MIN_SESSION:
        errors.setdefault("ends_at", []).append(
            _("A session lasts at least %(minutes)s minutes.") % {"minutes": int(MIN_SESSION.seconds / 60)}
        )
    elif ends_at - starts_at > MAX_SESSION:
        errors.setdefault("ends_at", []).append(
            _("A session lasts at most %(hours)s hours.") % {"hours": int(MAX_SESSION.seconds / 3600)}
        )
    if starts_at <= now:
        errors.setdefault("starts_at", []).append(_("The session must start in the future."))
    if campaign is not None:
        day = timezone.localdate(starts_at)
        if not (campaign.starts_on <= day <= campaign.ends_on):
            errors.setdefault("campaign", []).append(
                _("%(campaign)s runs from %(start)s to %(end)s; the session must take place within it.")
                % {"campaign": campaign.name, "start": campaign.starts_on, "end": campaign.ends_on}
            )
    return errors


def _playback(platform: str) -> str:
    return (
        LiveSession.Playback.HUB if platform == SalesSession.Platform.HUB else LiveSession.Playback.EXTERNAL
    )


@transaction.atomic
def sales_session_register(
    *,
    user: User,
    enterprise: Enterprise,
    title: str,
    platform: str,
    starts_at: datetime,
    ends_at: datetime,
    host_names: str,
    products: list[ProductData],
    description: str = "",
    external_url: str = "",
    host_users: Iterable[User] = (),
    campaign: Campaign | None = None,
    studio: Studio | None = None,
    now: datetime | None = None,
) -> SalesSession:
    """Register a merchant's session for approval, with its products and (optionally) a held studio slot.

    Raises PermissionDenied for a user who is not a merchant of the enterprise, ValidationError (by field)
    for bad input, and StudioConflict when the studio slot is taken."""
    now = now or timezone.now()
    scope = get_scope(user)
    if enterprise.pk not in scope.enterprise_ids:
        raise PermissionDenied
    errors = _time_errors(starts_at, ends_at, now, campaign)
    if not products:
        errors.setdefault("products", []).append(_("Add at least one product."))
    if studio is not None and studio.building_id not in merchant_building_ids(scope):
        errors.setdefault("studio", []).append(_("You cannot book this studio."))
    if errors:
        raise ValidationError(errors)

    session = LiveSession(
        kind=LiveSession.Kind.SALES,
        title=title,
        description=description,
        host_enterprise=enterprise,
        region_id=enterprise.region_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=S.DRAFT,
        visibility=LiveSession.Visibility.AUDIENCE,
        playback=_playback(platform),
        external_url=external_url,
        created_by=user,
    )
    session.full_clean()
    session.save()
    session.hosts.set({user.pk, *(u.pk for u in host_users)})
    ss = SalesSession(
        session=session,
        enterprise=enterprise,
        building=studio.building if studio is not None else approving_building(enterprise),
        platform=platform,
        host_names=host_names,
        campaign=campaign,
        approval=A.PENDING,
    )
    ss.full_clean()
    ss.save()
    _products_save(ss, products)
    if studio is not None:
        studio_book(
            studio=studio,
            enterprise=enterprise,
            starts_at=starts_at,
            ends_at=ends_at,
            user=user,
            session=session,
            now=now,
        )
    reviewers = reviewers_of(ss)
    with translation.override(settings.LANGUAGE_CODE):
        _notify(
            reviewers,
            kind="sales_request",
            title=_("New livestream sales session to approve: %(title)s") % {"title": title},
            body=_("%(enterprise)s, %(start)s")
            % {
                "enterprise": enterprise.name,
                "start": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"),
            },
            url=reverse("sales:inbox"),
        )
    return ss


def _products_save(ss: SalesSession, products: list[ProductData]) -> None:
    """Create or change the session's products; those of the session no row names any more are deleted.
    An image is a new upload, a pending one (taken over: its row goes, its file stays), or the one the
    source product already has (a duplicate shares the file)."""
    existing = {p.pk: p for p in ss.products.all()}
    kept: set[int] = set()
    used_pending: list[int] = []
    for data in products:
        own = data.source if data.source is not None and data.source.pk in existing else None
        product = existing[own.pk] if own is not None else Product(sales_session=ss)
        if own is not None:
            kept.add(own.pk)
        product.name, product.price, product.link = data.name, data.price, data.link
        if data.image:
            product.image = data.image
        elif data.pending is not None:
            product.image = data.pending.image.name
            used_pending.append(data.pending.pk)
        elif own is None and data.source is not None and data.source.image:
            product.image = data.source.image.name
        product.full_clean()
        product.save()
    Product.objects.filter(pk__in=set(existing) - kept).delete()
    if used_pending:
        PendingProductImage.objects.filter(pk__in=used_pending).delete()


def products_of(ss: SalesSession) -> list[ProductData]:
    """A session's products as registration rows, images included (to duplicate or repeat it)."""
    return [ProductData(name=p.name, price=p.price, link=p.link, source=p) for p in ss.products.all()]


@transaction.atomic
def sales_session_update(
    *,
    sales_session: SalesSession,
    user: User,
    title: str,
    platform: str,
    starts_at: datetime,
    ends_at: datetime,
    host_names: str,
    products: list[ProductData],
    description: str = "",
    external_url: str = "",
    host_users: Iterable[User] = (),
    campaign: Campaign | None = None,
    studio: Studio | None = None,
    now: datetime | None = None,
) -> SalesSession:
    """Change a registration that awaits approval, or fix a rejected one and submit it again (it awaits
    approval again and the reviewers are told).

    The studio slot is kept when the studio and the times stay the same; otherwise the old slot is let go
    and the new one booked in the same transaction. A rejected session's slot was released: submitting
    again books it anew while it is still free. A StudioConflict (with the nearest free slots) or a
    ValidationError changes nothing."""
    now = now or timezone.now()
    ss = SalesSession.objects.select_for_update().select_related("enterprise").get(pk=sales_session.pk)
    if not can_edit(user, ss):
        raise PermissionDenied
    session = LiveSession.objects.get(pk=ss.pk)
    if ss.approval == A.APPROVED or session.status != S.DRAFT:
        raise ValidationError(_("Only a registration that awaits approval or was rejected can be changed."))
    scope = get_scope(user)
    errors = _time_errors(starts_at, ends_at, now, campaign)
    if not products:
        errors.setdefault("products", []).append(_("Add at least one product."))
    if studio is not None and not scope.is_staff and studio.building_id not in merchant_building_ids(scope):
        errors.setdefault("studio", []).append(_("You cannot book this studio."))
    if errors:
        raise ValidationError(errors)
    resubmitted = ss.approval == A.REJECTED
    session.title, session.description = title, description
    session.starts_at, session.ends_at = starts_at, ends_at
    session.playback, session.external_url = _playback(platform), external_url
    session.full_clean()
    session.save()
    session.hosts.set({user.pk, *(u.pk for u in host_users)})
    ss.platform, ss.host_names, ss.campaign = platform, host_names, campaign
    ss.building = studio.building if studio is not None else approving_building(ss.enterprise)
    ss.approval, ss.reviewed_by, ss.reviewed_at, ss.reject_reason = A.PENDING, None, None, ""
    ss.full_clean()
    ss.save()
    _products_save(ss, products)
    active = StudioBooking.objects.filter(session_id=ss.pk, state__in=StudioBooking.ACTIVE_STATES).first()
    unchanged = (
        active is not None
        and studio is not None
        and active.studio_id == studio.pk
        and (active.starts_at, active.ends_at) == (starts_at, ends_at)
    )
    if not unchanged:
        if active is not None:
            studio_booking_cancel(booking=active, now=now)
        if studio is not None:
            studio_book(
                studio=studio,
                enterprise=ss.enterprise,
                starts_at=starts_at,
                ends_at=ends_at,
                user=user,
                session=session,
                now=now,
            )
    with translation.override(settings.LANGUAGE_CODE):
        _notify(
            reviewers_of(ss),
            kind="sales_request",
            title=(
                _("Submitted again after a rejection: %(title)s")
                if resubmitted
                else _("Registration changed, to approve: %(title)s")
            )
            % {"title": title},
            body=_("%(enterprise)s, %(start)s")
            % {
                "enterprise": ss.enterprise.name,
                "start": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"),
            },
            url=reverse("sales:inbox"),
        )
    return ss


MAX_REPEAT_WEEKS = 12


def _week_problems(
    ss: SalesSession, studio: Studio | None, starts_at: datetime, ends_at: datetime, now: datetime
) -> list[str]:
    errors = _time_errors(starts_at, ends_at, now, None)
    problems = [str(m) for messages in errors.values() for m in messages]
    if studio is not None and not problems:
        problems += booking_window_errors(studio=studio, starts_at=starts_at, ends_at=ends_at, now=now)
        blocked_until = ends_at + timedelta(minutes=studio.changeover_minutes)
        for b in booking_conflicts(studio_id=studio.pk, starts_at=starts_at, blocked_until=blocked_until):
            problems.append(
                _("%(studio)s is booked from %(start)s to %(end)s.")
                % {
                    "studio": studio.name,
                    "start": timezone.localtime(b.starts_at).strftime("%H:%M"),
                    "end": timezone.localtime(b.ends_at).strftime("%H:%M"),
                }
            )
    return problems


@transaction.atomic
def sales_session_repeat(
    *, sales_session: SalesSession, user: User, weeks: int, now: datetime | None = None
) -> list[SalesSession]:
    """Register the session again on each of the `weeks` weeks that follow it: same weekday and time, title,
    platform, hosts, products and studio, each awaiting approval (a campaign only for the weeks inside it).

    All or nothing: when any week cannot be registered (in the past, a studio conflict, outside opening
    hours) nothing is, and the ValidationError lists every such week with its reason."""
    now = now or timezone.now()
    ss = sales_session
    if not can_edit(user, ss):
        raise PermissionDenied
    if not 1 <= weeks <= MAX_REPEAT_WEEKS:
        raise ValidationError({"weeks": [_("Repeat for 1 to %(max)s weeks.") % {"max": MAX_REPEAT_WEEKS}]})
    session = ss.session
    booking = latest_booking(ss)
    studio = booking.studio if booking is not None and booking.studio.is_active else None
    plan = [
        (session.starts_at + timedelta(weeks=k), session.ends_at + timedelta(weeks=k))
        for k in range(1, weeks + 1)
    ]
    problems = []
    for starts_at, ends_at in plan:
        for problem in _week_problems(ss, studio, starts_at, ends_at, now):
            problems.append(
                _("%(day)s: %(problem)s")
                % {"day": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"), "problem": problem}
            )
    if problems:
        raise ValidationError(problems)
    created = []
    for starts_at, ends_at in plan:
        campaign = ss.campaign
        if campaign is not None and not (
            campaign.starts_on <= timezone.localdate(starts_at) <= campaign.ends_on
        ):
            campaign = None
        created.append(
            sales_session_register(
                user=user,
                enterprise=ss.enterprise,
                title=session.title,
                description=session.description,
                platform=ss.platform,
                external_url=session.external_url,
                starts_at=starts_at,
                ends_at=ends_at,
                host_names=ss.host_names,
                host_users=[u for u in session.hosts.all() if u.pk != user.pk],
                products=products_of(ss),
                campaign=campaign,
                studio=studio,
                now=now,
            )
        )
    return created


# --- Approval -----------------------------------------------------------------------------------------------


@transaction.atomic
def sales_session_approve(*, sales_session: SalesSession, user: User, now: datetime | None = None) -> bool:
    """Approve a pending session: SCHEDULED, public, its held studio slot confirmed, the merchant told.
    True when this call approved it; False when it had already been reviewed (a second click, a colleague)."""
    now = now or timezone.now()
    ss = sales_session
    if not can_review(user, ss):
        raise PermissionDenied
    session = LiveSession.objects.get(pk=ss.pk)
    if session.status == S.CANCELLED:
        raise ValidationError(_("The merchant has cancelled this session."))
    if session.starts_at <= now:
        raise ValidationError(_("This session has already started; it can no longer be approved."))
    changed = SalesSession.objects.filter(pk=ss.pk, approval=A.PENDING).update(
        approval=A.APPROVED, reviewed_by=user, reviewed_at=now, reject_reason=""
    )
    if not changed:
        return False
    LiveSession.objects.filter(pk=ss.pk, status=S.DRAFT).update(
        status=S.SCHEDULED, visibility=LiveSession.Visibility.PUBLIC, updated_at=now
    )
    for booking in StudioBooking.objects.filter(session_id=ss.pk, state=StudioBooking.State.HELD):
        studio_booking_confirm(booking=booking)
    ss.refresh_from_db()
    with translation.override(settings.LANGUAGE_CODE):
        _tell_merchants(
            ss,
            kind="sales_approved",
            title=_("Approved: %(title)s") % {"title": ss.session.title},
            body=_("Your livestream sales session is on the public schedule."),
            email="approved",
        )
    return True


@transaction.atomic
def sales_session_reject(
    *, sales_session: SalesSession, user: User, reason: str, now: datetime | None = None
) -> bool:
    """Reject a pending session with a reason: it stays off the schedule and its held slot is released."""
    now = now or timezone.now()
    ss = sales_session
    if not can_review(user, ss):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the session is rejected.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Keep the reason under 300 characters.")]})
    changed = SalesSession.objects.filter(pk=ss.pk, approval=A.PENDING).update(
        approval=A.REJECTED, reviewed_by=user, reviewed_at=now, reject_reason=reason
    )
    if not changed:
        return False
    for booking in StudioBooking.objects.filter(session_id=ss.pk, state=StudioBooking.State.HELD):
        _release(booking=booking, now=now)
    ss.refresh_from_db()
    with translation.override(settings.LANGUAGE_CODE):
        _tell_merchants(
            ss,
            kind="sales_rejected",
            title=_("Not approved: %(title)s") % {"title": ss.session.title},
            body=reason,
            email="rejected",
        )
    return True


@transaction.atomic
def sales_session_cancel(*, sales_session: SalesSession, user: User, now: datetime | None = None) -> bool:
    """The merchant calls a session off before it starts; its studio slot is freed."""
    now = now or timezone.now()
    ss = sales_session
    if not can_edit(user, ss):
        raise PermissionDenied
    if ss.session.starts_at <= now:
        raise ValidationError(_("A session that has started cannot be cancelled."))
    if not session_cancel(session_id=ss.pk, now=now):
        return False
    for booking in StudioBooking.objects.filter(session_id=ss.pk, state__in=StudioBooking.ACTIVE_STATES):
        studio_booking_cancel(booking=booking, now=now)
    return True


@transaction.atomic
def sales_session_book_studio(
    *, sales_session: SalesSession, studio: Studio, user: User, now: datetime | None = None
) -> StudioBooking:
    """Book a studio for a registered session that has none (never booked, or its slot was released).
    The slot is confirmed at once for an approved session and held for a pending one."""
    now = now or timezone.now()
    ss = sales_session
    if not can_edit(user, ss):
        raise PermissionDenied
    scope = get_scope(user)
    if not scope.is_staff and studio.building_id not in merchant_building_ids(scope):
        raise ValidationError({"studio": [_("You cannot book this studio.")]})
    session = LiveSession.objects.get(pk=ss.pk)
    if ss.approval == A.REJECTED or session.status not in (S.DRAFT, S.SCHEDULED):
        raise ValidationError(_("Only upcoming sessions can book a studio."))
    if StudioBooking.objects.filter(session_id=ss.pk, state__in=StudioBooking.ACTIVE_STATES).exists():
        raise ValidationError(_("This session already has a studio."))
    booking = studio_book(
        studio=studio,
        enterprise=ss.enterprise,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        user=user,
        session=session,
        confirmed=ss.approval == A.APPROVED,
        now=now,
    )
    if ss.approval == A.PENDING and ss.building_id != studio.building_id:
        SalesSession.objects.filter(pk=ss.pk).update(building=studio.building)
    return booking


# --- Results --------------------------------------------------------------------------------------------------


def peak_is_suspicious(reported: int, measured: int | None) -> bool:
    if measured is None:
        return False
    return reported > measured * PEAK_FLAG_RATIO and reported - measured >= PEAK_FLAG_MIN_EXCESS


def _result_save(
    ss: SalesSession,
    *,
    user: User,
    gmv: Decimal,
    orders: int,
    peak_viewers: int,
    viewers: int,
    new_followers: int,
) -> SalesResult:
    measured = measured_peak(ss)
    flagged = peak_is_suspicious(peak_viewers, measured)
    result = SalesResult.objects.filter(sales_session=ss).first() or SalesResult(sales_session=ss)
    result.gmv = gmv
    result.orders = orders
    result.peak_viewers = peak_viewers
    result.viewers = viewers
    result.new_followers = new_followers
    result.measured_peak_viewers = measured
    result.flagged = flagged
    result.flag_reason = f"reported peak {peak_viewers} vs measured {measured}" if flagged else ""
    result.reported_by = user
    result.full_clean()
    result.save()
    return result


@transaction.atomic
def sales_result_report(
    *,
    sales_session: SalesSession,
    user: User,
    gmv: Decimal,
    orders: int,
    peak_viewers: int,
    viewers: int = 0,
    new_followers: int = 0,
    now: datetime | None = None,
) -> SalesResult:
    """Record (or correct) the results of an approved session that has ended. A peak far above the one the
    hub's own room measured is kept but flagged for the managers."""
    ss = sales_session
    if not can_edit(user, ss):
        raise PermissionDenied
    if not result_reportable(ss, now):
        raise ValidationError(_("Results can be reported once an approved session has ended."))
    return _result_save(
        ss,
        user=user,
        gmv=gmv,
        orders=orders,
        peak_viewers=peak_viewers,
        viewers=viewers,
        new_followers=new_followers,
    )


@transaction.atomic
def sales_results_import(*, user: User, rows: Iterable[ResultRow]) -> int:
    """Write results already checked by livestreams.services.sales_import.parse_results (every row valid).
    All or nothing: one transaction."""
    count = 0
    for row in rows:
        _result_save(
            row.sales_session,
            user=user,
            gmv=row.gmv,
            orders=row.orders,
            peak_viewers=row.peak_viewers,
            viewers=row.viewers,
            new_followers=row.new_followers,
        )
        count += 1
    return count


@transaction.atomic
def product_results_import(*, user: User, rows: Iterable[ProductRow]) -> int:
    """Write per-product figures already checked by sales_import.parse_results (every row valid), each
    product's replacing what it had. All or nothing: one transaction."""
    count = 0
    for row in rows:
        result = ProductResult.objects.filter(product=row.product).first() or ProductResult(
            product=row.product
        )
        result.units, result.gmv, result.clicks = row.units, row.gmv, row.clicks
        result.reported_by = user
        result.full_clean()
        result.save()
        count += 1
    return count


# --- Campaigns and promotional sessions ------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *, user: User, name: str, building: Building, starts_on: date, ends_on: date, description: str = ""
) -> Campaign:
    scope = get_scope(user)
    org = building.party_organization
    if not (scope.is_staff or (org is not None and scope.manages_org_path(org.path))):
        raise PermissionDenied
    campaign = Campaign(
        name=name,
        building=building,
        region_id=building.region_id,
        starts_on=starts_on,
        ends_on=ends_on,
        description=description,
        created_by=user,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, user: User, **fields: Any) -> Campaign:
    if not can_manage_campaign(user, campaign):
        raise PermissionDenied
    for name, value in fields.items():
        if name not in ("name", "starts_on", "ends_on", "description"):
            raise TypeError(name)
        setattr(campaign, name, value)
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def promotion_schedule(
    *,
    user: User,
    campaign: Campaign,
    organization: PartyOrganization,
    title: str,
    host_names: str,
    starts_at: datetime,
    ends_at: datetime,
    platform: str = SalesSession.Platform.HUB,
    external_url: str = "",
    description: str = "",
    host_users: Iterable[User] = (),
    now: datetime | None = None,
) -> PromotionSession:
    """Schedule an official's promotional livestream in a campaign (e.g. the district head selling local
    food during 新品首发周). It is public and SCHEDULED at once: organizers need no approval."""
    now = now or timezone.now()
    scope = get_scope(user)
    if not can_manage_campaign(user, campaign) or not scope.manages_org_path(organization.path):
        raise PermissionDenied
    errors = _time_errors(starts_at, ends_at, now, campaign)
    host_users = list(host_users)
    allowed = set(
        promotion_host_candidates(user=user, organization=organization)
        .filter(pk__in=[u.pk for u in host_users])
        .values_list("pk", flat=True)
    )
    refused = sorted(u.email or str(u) for u in host_users if u.pk not in allowed)
    if refused:
        errors.setdefault("host_emails", []).append(host_refusal(refused))
    if errors:
        raise ValidationError(errors)
    session = LiveSession(
        kind=LiveSession.Kind.PROMOTION,
        title=title,
        description=description,
        host_organization=organization,
        region_id=organization.region_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=S.SCHEDULED,
        visibility=LiveSession.Visibility.PUBLIC,
        playback=_playback(platform),
        external_url=external_url,
        created_by=user,
    )
    session.full_clean()
    session.save()
    session.hosts.set({user.pk, *(u.pk for u in host_users)})
    promotion = PromotionSession(session=session, campaign=campaign, host_names=host_names, platform=platform)
    promotion.full_clean()
    promotion.save()
    return promotion


# --- Product images kept while a form comes back with an error -------------------------------------------------


@transaction.atomic
def pending_image_keep(*, user: User, image: Any) -> PendingProductImage:
    """Keep an image already cleaned by hub.images (the form field's ContentFile) for its uploader."""
    pending = PendingProductImage(user=user, image=image)
    pending.full_clean()
    pending.save()
    return pending


def pending_images_cleanup(*, now: datetime | None = None) -> int:
    """Delete the kept images nobody came back for (older than PendingProductImage.EXPIRES), files too.
    A file that a product took over is never deleted: its row went when the product took it."""
    now = now or timezone.now()
    count = 0
    for pending in PendingProductImage.objects.filter(created_at__lt=now - PendingProductImage.EXPIRES):
        name = pending.image.name
        # The conditional delete is the claim: two sweeps never delete one file twice.
        if PendingProductImage.objects.filter(pk=pending.pk).delete()[0]:
            if name and not Product.objects.filter(image=name).exists():
                pending.image.storage.delete(name)
            count += 1
    return count
