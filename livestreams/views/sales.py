"""Pages of livestream sales: register, list, one session, the approval inbox, results, import, history,
the public schedule and campaigns. Views parse, authorize, call a service and render."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub.exports import csv_response
from hub.forms_utils import form_add_service_errors
from hub.redirects import redirect_next
from livestreams.forms.sales import (
    BookStudioForm,
    CampaignForm,
    HistoryForm,
    ProductFormSet,
    PromotionForm,
    RejectForm,
    ResultsImportForm,
    SalesFilterForm,
    SalesResultForm,
    SalesSessionForm,
)
from livestreams.models import Campaign, ResultsImport, SalesSession
from livestreams.selectors.sales import (
    awaiting_results,
    campaign_sessions,
    campaigns_list,
    can_manage_campaign,
    enterprises_of_merchant,
    get_sales_session_for_user,
    latest_booking,
    measured_peak,
    public_schedule,
    result_reportable,
    results_import_get_for_user,
    sales_inbox,
    sales_monthly_history,
    sales_sessions_list,
    session_clicks,
)
from livestreams.services.sales import (
    ProductData,
    campaign_create,
    campaign_update,
    promotion_schedule,
    sales_result_report,
    sales_session_approve,
    sales_session_book_studio,
    sales_session_cancel,
    sales_session_register,
    sales_session_reject,
)
from livestreams.services.sales_import import TEMPLATE_HEADER, results_import_start
from livestreams.services.studios import StudioConflict
from partyorgs.permissions import get_scope, role_required

A = SalesSession.Approval
RUNNING = (ResultsImport.State.QUEUED, ResultsImport.State.CHECKING)


# --- Merchants' sessions --------------------------------------------------------------------------------------


@role_required("merchant", "organizer", "official", "staff")
def sales_list(request):
    form = SalesFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = sales_sessions_list(
        user=request.user, approval=filters.get("approval") or "", platform=filters.get("platform") or ""
    )
    page = Paginator(qs, 25).get_page(filters.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "livestreams/sales/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "scope": get_scope(request.user),
            "now": timezone.now(),
        },
    )


def _initial_from_query(request) -> dict:
    """Prefill from a studio calendar link (?studio=&starts_at=&ends_at=); the form validates it on submit."""
    initial = {}
    for key in ("studio", "starts_at", "ends_at"):
        value = request.GET.get(key, "")
        if value and len(value) <= 40:
            initial[key] = value
    return initial


@role_required("merchant")
def sales_new(request):
    conflict = None
    if request.method == "POST":
        form = SalesSessionForm(request.POST, user=request.user)
        products = ProductFormSet(request.POST, request.FILES, prefix="products")
        if form.is_valid() and products.is_valid():
            data = form.cleaned_data
            try:
                ss = sales_session_register(
                    user=request.user,
                    enterprise=data["enterprise"],
                    title=data["title"],
                    description=data["description"],
                    host_names=data["host_names"],
                    host_users=list(data["host_users"]),
                    platform=data["platform"],
                    external_url=data["external_url"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    studio=data["studio"],
                    campaign=data["campaign"],
                    products=[
                        ProductData(name=p["name"], price=p["price"], link=p["link"], image=p.get("image"))
                        for p in products.products()
                    ],
                )
            except StudioConflict as exc:
                conflict = exc
                form.add_error("studio", exc.describe())
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Registered. The building's managers have been asked to approve it.")
                )
                return redirect("sales:detail", pk=ss.pk)
    else:
        form = SalesSessionForm(user=request.user, initial=_initial_from_query(request))
        products = ProductFormSet(prefix="products")
    return render(
        request,
        "livestreams/sales/new.html",
        {"form": form, "products": products, "conflict": conflict},
    )


def _detail_context(request, access, **extra) -> dict:
    ss = access.ss
    now = timezone.now()
    booking = latest_booking(ss)
    upcoming = ss.session.starts_at > now and ss.session.status in ("draft", "scheduled")
    can_book = (
        access.can_edit
        and upcoming
        and ss.approval != A.REJECTED
        and (booking is None or not booking.is_active)
    )
    context = {
        "ss": ss,
        "session": ss.session,
        "access": access,
        "booking": booking,
        "products": list(ss.products.all()),
        "product_clicks_total": session_clicks(ss),
        "result": getattr(ss, "result", None),
        "reportable": result_reportable(ss, now),
        "can_cancel": access.can_edit and upcoming,
        "can_book": can_book,
        "book_form": BookStudioForm(user=request.user) if can_book else None,
        "reject_form": RejectForm() if access.can_review and ss.approval == A.PENDING else None,
        "too_late": ss.session.starts_at <= now,
    }
    context.update(extra)
    return context


@login_required
def sales_detail(request, pk: int):
    access = get_sales_session_for_user(request.user, pk)
    return render(request, "livestreams/sales/detail.html", _detail_context(request, access))


def _act(request, call, *, done: str, already: str) -> None:
    """Run a reviewing or cancelling service and say how it went: done, already done before, or why not."""
    try:
        changed = call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return
    if changed:
        messages.success(request, done)
    else:
        messages.info(request, already)


@login_required
@require_POST
def sales_approve(request, pk: int):
    access = get_sales_session_for_user(request.user, pk)
    if not access.can_review:
        raise PermissionDenied
    _act(
        request,
        lambda: sales_session_approve(sales_session=access.ss, user=request.user),
        done=_("Approved “%(title)s”; the merchant has been told.") % {"title": access.ss.session.title},
        already=_("This session had already been reviewed."),
    )
    return redirect_next(request, reverse("sales:inbox"))


@login_required
@require_POST
def sales_reject(request, pk: int):
    access = get_sales_session_for_user(request.user, pk)
    if not access.can_review:
        raise PermissionDenied
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the session is rejected."))
        return redirect_next(request, reverse("sales:inbox"))
    _act(
        request,
        lambda: sales_session_reject(
            sales_session=access.ss, user=request.user, reason=form.cleaned_data["reason"]
        ),
        done=_("Rejected “%(title)s”; the merchant has been told why.") % {"title": access.ss.session.title},
        already=_("This session had already been reviewed."),
    )
    return redirect_next(request, reverse("sales:inbox"))


@login_required
@require_POST
def sales_cancel(request, pk: int):
    access = get_sales_session_for_user(request.user, pk)
    if not access.can_edit:
        raise PermissionDenied
    _act(
        request,
        lambda: sales_session_cancel(sales_session=access.ss, user=request.user),
        done=_("The session is cancelled and its studio slot is free again."),
        already=_("This session was already cancelled or over."),
    )
    return redirect("sales:detail", pk=pk)


@login_required
@require_POST
def sales_book_studio(request, pk: int):
    access = get_sales_session_for_user(request.user, pk)
    if not access.can_edit:
        raise PermissionDenied
    form = BookStudioForm(request.POST, user=request.user)
    conflict = None
    if form.is_valid():
        try:
            sales_session_book_studio(
                sales_session=access.ss, studio=form.cleaned_data["studio"], user=request.user
            )
        except StudioConflict as exc:
            conflict = exc
            form.add_error("studio", exc.describe())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The studio is booked for this session."))
            return redirect("sales:detail", pk=pk)
    access = get_sales_session_for_user(request.user, pk)
    context = _detail_context(request, access, conflict=conflict)
    context["book_form"] = form
    return render(request, "livestreams/sales/detail.html", context, status=200)


# --- Approval inbox -------------------------------------------------------------------------------------------


@role_required("organizer", "staff")
def sales_inbox_view(request):
    pending = sales_inbox(user=request.user)
    now = timezone.now()
    return render(
        request,
        "livestreams/sales/inbox.html",
        {"pending": pending, "reject_form": RejectForm(), "now": now},
    )


# --- Results --------------------------------------------------------------------------------------------------


@login_required
def sales_results(request, pk: int):
    access = get_sales_session_for_user(request.user, pk)
    if not access.can_edit:
        raise PermissionDenied
    ss = access.ss
    result = getattr(ss, "result", None)
    measured = measured_peak(ss)
    reportable = result_reportable(ss)
    if request.method == "POST" and reportable:
        form = SalesResultForm(request.POST, instance=result)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = sales_result_report(
                    sales_session=ss,
                    user=request.user,
                    gmv=data["gmv"],
                    orders=data["orders"],
                    peak_viewers=data["peak_viewers"],
                    viewers=data["viewers"],
                    new_followers=data["new_followers"],
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                if saved.flagged:
                    messages.warning(
                        request,
                        _(
                            "Saved. The peak of %(reported)s viewers is far above the %(measured)s the hub's live room measured, so it is flagged for the managers to check."
                        )
                        % {"reported": saved.peak_viewers, "measured": saved.measured_peak_viewers},
                    )
                else:
                    messages.success(request, _("Results saved."))
                return redirect("sales:detail", pk=pk)
    else:
        initial = {}
        if result is None and measured is not None:
            initial["peak_viewers"] = measured
        form = SalesResultForm(instance=result, initial=initial)
    return render(
        request,
        "livestreams/sales/results.html",
        {"ss": ss, "session": ss.session, "form": form, "measured": measured, "reportable": reportable},
    )


@role_required("merchant", "staff")
def sales_import(request):
    """The upload form; the file is checked by a Celery task while the merchant watches its page."""
    if request.method == "POST":
        form = ResultsImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = results_import_start(
                user=request.user,
                file_name=upload.name,
                content=upload.read(),
                language=translation.get_language() or "",
            )
            return redirect("sales:import_status", pk=job.pk)
    else:
        form = ResultsImportForm()
    return render(
        request,
        "livestreams/sales/import.html",
        {"form": form, "awaiting": awaiting_results(user=request.user)[:50]},
    )


@role_required("merchant", "staff")
def sales_import_status(request, pk: int):
    """Progress, then the outcome, of one of the user's imports; htmx polls the partial while it runs."""
    job = results_import_get_for_user(request.user, pk)
    context = {"job": job, "S": ResultsImport.State, "running": job.state in RUNNING}
    if request.htmx:
        return render(request, "livestreams/sales/_import_status.html", context)
    return render(request, "livestreams/sales/import_status.html", context)


@role_required("merchant", "staff")
def sales_import_template(request):
    """A CSV (UTF-8 with BOM, so that Excel reads the Chinese) listing the sessions that await results."""
    rows = [
        [ss.pk, ss.session.title, timezone.localtime(ss.session.starts_at).strftime("%Y-%m-%d %H:%M")]
        + [""] * (len(TEMPLATE_HEADER) - 3)
        for ss in awaiting_results(user=request.user)[:1000]
    ]
    return csv_response("sales-results", TEMPLATE_HEADER, rows)


@role_required("merchant", "organizer", "official", "staff")
def sales_history(request):
    form = HistoryForm(request.GET or None, user=request.user)
    enterprise = None
    if form.is_valid():
        enterprise = form.cleaned_data.get("enterprise")
    if enterprise is None and request.GET.get("enterprise") and not form.is_valid():
        raise Http404
    if enterprise is None:
        enterprise = enterprises_of_merchant(request.user).first()
    rows = sales_monthly_history(enterprise_ids=[enterprise.pk]) if enterprise else []
    return render(
        request,
        "livestreams/sales/history.html",
        {"form": form, "enterprise": enterprise, "rows": rows, "rows_desc": list(reversed(rows))},
    )


# --- Public schedule and campaigns ---------------------------------------------------------------------------


def sales_schedule(request):
    sessions = public_schedule()
    days: dict = {}
    for s in sessions:
        days.setdefault(timezone.localdate(s.starts_at), []).append(s)
    return render(
        request, "livestreams/sales/schedule.html", {"days": sorted(days.items()), "now": timezone.now()}
    )


def campaign_list(request):
    scope = get_scope(request.user)
    return render(
        request,
        "livestreams/sales/campaign_list.html",
        {"campaigns": campaigns_list(), "can_add": scope.is_staff or scope.is_organizer},
    )


def campaign_detail(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("building", "region"), pk=pk)
    sessions = campaign_sessions(campaign=campaign)
    return render(
        request,
        "livestreams/sales/campaign_detail.html",
        {
            "campaign": campaign,
            "sessions": sessions,
            "promotions": [s for s in sessions if s.kind == "promotion"],
            "sales": [s for s in sessions if s.kind == "sales"],
            "can_manage": request.user.is_authenticated and can_manage_campaign(request.user, campaign),
        },
    )


@role_required("organizer", "staff")
def campaign_new(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                user=request.user,
                name=data["name"],
                building=data["building"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                description=data["description"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign created."))
            return redirect("sales:campaign", pk=campaign.pk)
    return render(request, "livestreams/sales/campaign_form.html", {"form": form, "campaign": None})


def _campaign_for_manager(request, pk: int) -> Campaign:
    if not request.user.is_authenticated:
        raise PermissionDenied
    campaign = get_object_or_404(Campaign.objects.select_related("building__party_organization"), pk=pk)
    if not can_manage_campaign(request.user, campaign):
        raise PermissionDenied  # campaigns are public: visible, but read-only for everyone else
    return campaign


@login_required
def campaign_edit(request, pk: int):
    campaign = _campaign_for_manager(request, pk)
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign_update(
                campaign=campaign,
                user=request.user,
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                description=data["description"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("sales:campaign", pk=campaign.pk)
    return render(request, "livestreams/sales/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
def promotion_new(request, pk: int):
    campaign = _campaign_for_manager(request, pk)
    initial = {}
    start = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    if campaign.starts_on > start.date():
        start = start.replace(
            year=campaign.starts_on.year, month=campaign.starts_on.month, day=campaign.starts_on.day
        )
    initial = {"starts_at": start, "ends_at": start + timedelta(hours=2)}
    form = PromotionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            promotion_schedule(
                user=request.user,
                campaign=campaign,
                organization=data["organization"],
                title=data["title"],
                host_names=data["host_names"],
                host_users=data["host_emails"],
                platform=data["platform"],
                external_url=data["external_url"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                description=data["description"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The promotional session is on the campaign's schedule."))
            return redirect("sales:campaign", pk=campaign.pk)
    return render(request, "livestreams/sales/promotion_form.html", {"form": form, "campaign": campaign})
