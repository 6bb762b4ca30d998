"""Pages of the registry: the organization tree, enterprises, incubators. Thin: parse, authorize, render."""

from __future__ import annotations

from django.shortcuts import render

from hub.pagination import paginate
from hub.permissions import role_required

from . import selectors
from .forms import EnterpriseFilterForm, TenantFilterForm

# The registry is for people with a role; a signed-in person without one gets 403.
ANY_ROLE = ("official", "organizer", "merchant", "member", "staff")
ENTERPRISES_PER_PAGE = 20


@role_required(*ANY_ROLE)
def org_tree(request):
    rows = selectors.org_tree(user=request.user)
    return render(request, "partyorgs/org_tree.html", {"rows": rows})


@role_required(*ANY_ROLE)
def org_detail(request, pk: int):
    detail = selectors.org_detail(user=request.user, pk=pk)
    return render(request, "partyorgs/org_detail.html", {"d": detail, "org": detail.org})


@role_required(*ANY_ROLE)
def enterprise_list(request):
    buildings, alliances = selectors.enterprise_filter_choices(user=request.user)
    form = EnterpriseFilterForm(request.GET or None, buildings=buildings, alliances=alliances)
    filters = form.filters() if form.is_bound else {}
    page_number = form.cleaned_data.get("page") if form.is_bound and "page" not in form.errors else None
    page = paginate(
        request,
        selectors.enterprise_list(user=request.user, **filters),
        page_number=page_number,
        per_page=ENTERPRISES_PER_PAGE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "partyorgs/_enterprise_results.html" if request.htmx else "partyorgs/enterprise_list.html"
    return render(request, template, context)


@role_required(*ANY_ROLE)
def enterprise_detail(request, pk: int):
    enterprise, can_manage = selectors.enterprise_get_for_user(user=request.user, pk=pk)
    tenancies = list(enterprise.tenancies.select_related("incubator"))
    return render(
        request,
        "partyorgs/enterprise_detail.html",
        {"enterprise": enterprise, "can_manage": can_manage, "tenancies": tenancies},
    )


@role_required(*ANY_ROLE)
def incubator_list(request):
    return render(
        request, "partyorgs/incubator_list.html", {"incubators": selectors.incubator_list(user=request.user)}
    )


@role_required(*ANY_ROLE)
def incubator_detail(request, pk: int):
    incubator = selectors.incubator_get_for_user(user=request.user, pk=pk)
    form = TenantFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
    all_tenants = selectors.incubator_tenants(incubator=incubator)
    tenants = [t for t in all_tenants if not status or t.status == status]
    moved_in = [t for t in all_tenants if t.status == t.Status.MOVED_IN]
    return render(
        request,
        "partyorgs/incubator_detail.html",
        {
            "incubator": incubator,
            "form": form,
            "tenants": tenants,
            "moved_in": len(moved_in),
            "workstations_used": sum(t.workstations for t in moved_in),
        },
    )
