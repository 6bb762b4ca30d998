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
    DuplicateForm,
    HistoryForm,
    ProductFormSet,
    PromotionForm,
    RejectForm,
    RepeatForm,
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
    editable,
    enterprises_of_merchant,
    get_sales_session_for_user,
    latest_booking,
    measured_peak,
    pending_images_of,
    products_editable,
    products_with_results,
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
    pending_image_keep,
    promotion_schedule,
    sales_result_report,
    sales_session_approve,
    sales_session_book_studio,
    sales_session_cancel,
    sales_session_register,
    sales_session_reject,
    sales_session_repeat,
    sales_session_update,
)
from livestreams.services.sales_import import TEMPLATE_HEADER, mappings_shown, results_import_start
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


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def _product_rows(request, products) -> list[ProductData]:
    """The valid formset's rows as ProductData (images found by _keep_images)."""
    rows = []
    for pf in products.forms:
        if not (pf.has_changed() and pf.cleaned_data):
            continue
        c = pf.cleaned_data
        rows.append(
            ProductData(
                name=c["name"],
                price=c["price"],
                link=c["link"],
                pending=pf.pending,
                source=pf.source_product,
            )
        )
    return rows


def _source_id(pf) -> int | None:
    return _int(pf.data.get(f"{pf.prefix}-source") if pf.is_bound else pf.initial.get("source"))


def _keep_images(request, products) -> None:
    """Each row's image, whatever else is wrong: a new upload is kept server-side at once (already cleaned
    by hub.images) as the user's pending image; else the pending one the page sent back; else the source
    product's. Sets pf.pending / pf.source_product for the service and the template."""
    forms = products.forms
    posted = {pf.prefix: _int(request.POST.get(f"{pf.prefix}-pending_image")) for pf in forms}
    pending = pending_images_of(user=request.user, ids=[i for i in posted.values() if i])
    sources = products_editable(user=request.user, ids=[i for i in map(_source_id, forms) if i])
    for pf in forms:
        pf.source_product = sources.get(_source_id(pf) or 0)
        image = getattr(pf, "cleaned_data", {}).get("image")
        if image:
            pf.pending = pending_image_keep(user=request.user, image=image)
        else:
            pf.pending = pending.get(posted[pf.prefix] or 0)


def _registration_kwargs(data, rows) -> dict:
    return {
        "title": data["title"],
        "description": data["description"],
        "host_names": data["host_names"],
        "host_users": list(data["host_users"]),
        "platform": data["platform"],
        "external_url": data["external_url"],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "studio": data["studio"],
        "campaign": data["campaign"],
        "products": rows,
    }


def _registration_post(request, form, products, save):
    """Validate, call save(data, rows); returns (saved or None, conflict). Images are kept either way."""
    form_ok, products_ok = form.is_valid(), products.is_valid()
    _keep_images(request, products)
    if not (form_ok and products_ok):
        return None, None
    rows = _product_rows(request, products)
    try:
        return save(form.cleaned_data, rows), None
    except StudioConflict as exc:
        form.add_error("studio", exc.describe())
        return None, exc
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return None, None


def _source_initial(request, ss) -> tuple[dict, list[dict]]:
    """The registration form's initial values from an existing session (to change it or to copy it)."""
    session = ss.session
    booking = latest_booking(ss)
    initial = {
        "enterprise": ss.enterprise_id,
        "title": session.title,
        "description": session.description,
        "host_names": ss.host_names,
        "host_users": [u.pk for u in session.hosts.all() if u.pk != request.user.pk],
        "platform": ss.platform,
        "external_url": session.external_url,
        "studio": booking.studio_id if booking is not None else None,
        "campaign": ss.campaign_id,
    }
    products = [{"name": p.name, "price": p.price, "link": p.link, "source": p.pk} for p in ss.products.all()]
    return initial, products


def _with_source_images(user, products) -> None:
    """Unbound formset from initial rows: show the source product's image."""
    sources = products_editable(user=user, ids=[i for i in map(_source_id, products.forms) if i])
    for pf in products.forms:
        pf.source_product = sources.get(_source_id(pf) or 0)
        pf.pending = None


@role_required("merchant")
def sales_new(request):
    """Register a session; ?from=<pk> copies a session of one's enterprise (a new time to choose)."""
    conflict = None
    source = None
    query = DuplicateForm({"source": request.GET["from"]}) if "from" in request.GET else None
    if query is not None:
        if not query.is_valid():
            raise Http404
        source = get_sales_session_for_user(request.user, query.cleaned_data["source"])
        if not source.can_edit:
            raise PermissionDenied
    if request.method == "POST":
        form = SalesSessionForm(request.POST, user=request.user)
        products = ProductFormSet(request.POST, request.FILES, prefix="products")

        def save(data, rows):
            return sales_session_register(
                user=request.user, enterprise=data["enterprise"], **_registration_kwargs(data, rows)
            )

        ss, conflict = _registration_post(request, form, products, save)
        if ss is not None:
            messages.success(request, _("Registered. The building's managers have been asked to approve it."))
            return redirect("sales:detail", pk=ss.pk)
    elif source is not None:
        initial, rows = _source_initial(request, source.ss)
        form = SalesSessionForm(user=request.user, initial={**initial, **_initial_from_query(request)})
        products = ProductFormSet(prefix="products", initial=rows)
        _with_source_images(request.user, products)
    else:
        form = SalesSessionForm(user=request.user, initial=_initial_from_query(request))
        products = ProductFormSet(prefix="products")
        _with_source_images(request.user, products)
    return render(
        request,
        "livestreams/sales/new.html",
        {"form": form, "products": products, "conflict": conflict, "source": source.ss if source else None},
    )


@login_required
def sales_edit(request, pk: int):
    """Change a registration awaiting approval, or fix a rejected one and submit it again."""
    access = get_sales_session_for_user(request.user, pk)
    if not access.can_edit:
        raise PermissionDenied
    ss = access.ss
    if not editable(ss):
        messages.info(request, _("Only a registration that awaits approval or was rejected can be changed."))
        return redirect("sales:detail", pk=pk)
    conflict = None
    if request.method == "POST":
        form = SalesSessionForm(request.POST, user=request.user, fixed_enterprise=ss.enterprise)
        products = ProductFormSet(request.POST, request.FILES, prefix="products")

        def save(data, rows):
            return sales_session_update(
                sales_session=ss, user=request.user, **_registration_kwargs(data, rows)
            )

        saved, conflict = _registration_post(request, form, products, save)
        if saved is not None:
            messages.success(request, _("Saved and submitted for approval."))
            return redirect("sales:detail", pk=pk)
    else:
        initial, rows = _source_initial(request, ss)
        session = ss.session
        initial["starts_at"], initial["ends_at"] = session.starts_at, session.ends_at
        form = SalesSessionForm(user=request.user, initial=initial, fixed_enterprise=ss.enterprise)
        products = ProductFormSet(prefix="products", initial=rows)
        _with_source_images(request.user, products)
    booking = latest_booking(ss)
    return render(
        request,
        "livestreams/sales/edit.html",
        {
            "ss": ss,
            "form": form,
            "products": products,
            "conflict": conflict,
            "previous_slot": booking,
        },
    )


@login_required
def sales_repeat(request, pk: int):
    """Register the session again on the following weeks: all or nothing, every conflict listed."""
    access = get_sales_session_for_user(request.user, pk)
    if not access.can_edit:
        raise PermissionDenied
    form = RepeatForm(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            created = sales_session_repeat(
                sales_session=access.ss, user=request.user, weeks=form.cleaned_data["weeks"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                form_add_service_errors(form, exc)
            else:
                problems = exc.messages
        else:
            messages.success(
                request,
                _("Registered %(count)s weekly sessions; each awaits approval.") % {"count": len(created)},
            )
            return redirect("sales:list")
    return render(
        request,
        "livestreams/sales/repeat.html",
        {"ss": access.ss, "session": access.ss.session, "form": form, "problems": problems},
    )


def _detail_context(request, access, **extra) -> dict:
    ss = access.ss
    now = timezone.now()
    booking = latest_booking(ss)
    upcoming = ss.session.starts_at > now and ss.session.status in ("draft", "scheduled")
    mine = access.can_edit and ss.session.status != "cancelled"
    products = products_with_results(ss)
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
        "products": products,
        "product_results": any(p.result_or_none for p in products),
        "product_clicks_total": session_clicks(ss),
        "result": getattr(ss, "result", None),
        "reportable": result_reportable(ss, now),
        "can_cancel": access.can_edit and upcoming,
        "can_book": can_book,
        "book_form": BookStudioForm(user=request.user) if can_book else None,
        "reject_form": RejectForm() if access.can_review and ss.approval == A.PENDING else None,
        "too_late": ss.session.starts_at <= now,
        "can_change": mine and editable(ss) and upcoming,
        "can_copy": mine and get_scope(request.user).enterprise_ids,
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
                platform=form.cleaned_data["platform"],
            )
            return redirect("sales:import_status", pk=job.pk)
    else:
        form = ResultsImportForm()
    return render(
        request,
        "livestreams/sales/import.html",
        {
            "form": form,
            "awaiting": awaiting_results(user=request.user)[:50],
            "mappings": mappings_shown(),
        },
    )


@role_required("merchant", "staff")
def sales_import_status(request, pk: int):
    """Progress, then the outcome, of one of the user's imports; htmx polls the partial while it runs."""
    job = results_import_get_for_user(request.user, pk)
    context = {
        "job": job,
        "S": ResultsImport.State,
        "running": job.state in RUNNING,
        "poll_url": request.path,
        "upload_url": reverse("sales:import"),
    }
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
    chart = {
        "months": [r.month.strftime("%Y-%m") for r in rows],
        "gmv": [float(r.gmv) for r in rows],
        "growth": [None if r.gmv_growth is None else float(r.gmv_growth) for r in rows],
        "labels": {"gmv": _("GMV (yuan)"), "growth": _("Month over month"), "no_data": _("No results yet.")},
    }
    return render(
        request,
        "livestreams/sales/history.html",
        {
            "form": form,
            "enterprise": enterprise,
            "rows": rows,
            "rows_desc": list(reversed(rows)),
            "chart": chart,
        },
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
