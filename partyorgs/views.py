"""Pages of the registry: the organization tree, enterprises, incubators; one's account (roles, branch,
notifications) and invitations. Thin: parse, authorize, render."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hub.forms_utils import form_add_service_errors
from hub.pagination import paginate
from hub.selectors import notifications_for
from hub.services import notification_mark_read

from . import selectors, services
from .adapters import INVITATION_SESSION_KEY
from .forms import EnterpriseFilterForm, InvitationForm, TenantFilterForm
from .permissions import get_object_in_scope, role_required

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


# --- Account and invitations -------------------------------------------------------------------


@login_required
def account(request):
    member = getattr(request.user, "party_member", None) if hasattr(request.user, "party_member") else None
    return render(
        request,
        "partyorgs/account.html",
        {
            "roles": selectors.roles_of(user=request.user),
            "member": member,
            "notifications": notifications_for(user=request.user),
        },
    )


@login_required
@require_POST
def notifications_read(request):
    notification_mark_read(user=request.user)
    return redirect(reverse("partyorgs:account") + "#notifications")


@role_required("organizer", "staff")
def invitations(request):
    initial = {}
    org_id = request.GET.get("organization", "")
    if org_id.isdigit():
        initial["organization"] = int(org_id)
    form = InvitationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                user=request.user,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The invitation was sent to %(email)s. You can also share its link below.")
                % {"email": invitation.email},
            )
            return redirect("partyorgs:invitations")
    return render(
        request,
        "partyorgs/invitations.html",
        {"form": form, "invitations": selectors.invitations_visible(user=request.user)[:100]},
    )


@role_required("organizer", "staff")
@require_POST
def invitation_revoke(request, pk: int):
    # Invitations the user may not see do not exist for them.
    invitation = get_object_in_scope(selectors.invitations_visible(user=request.user), Q(), pk=pk)
    try:
        if services.invitation_revoke(invitation=invitation, user=request.user):
            messages.success(
                request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
            )
        else:
            messages.info(request, _("This invitation was already withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("partyorgs:invitations")


@never_cache
def invitation_open(request, token: str):
    """The link of an invitation email. A newcomer signs up (with the address verified by this click);
    someone with an account signs in and accepts."""
    invitation = selectors.invitation_get_usable(token=token)
    if invitation is None:
        return render(request, "partyorgs/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token
        if get_user_model().objects.filter(email__iexact=invitation.email).exists():
            messages.info(request, _("You already have an account: sign in to accept the invitation."))
            return redirect(reverse("account_login") + "?" + urlencode({"next": request.path}))
        # The click on the emailed link proves the address: allauth marks it verified at sign-up.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return redirect(reverse("account_signup") + "?" + urlencode({"email": invitation.email}))
    wrong_person = (request.user.email or "").lower() != invitation.email.lower()
    if request.method == "POST" and not wrong_person:
        if services.invitation_accept(token=token, user=request.user):
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(
                request,
                _("Welcome: you are now %(role)s of %(scope)s.")
                % {"role": invitation.get_role_kind_display(), "scope": invitation.scope},
            )
        return redirect("partyorgs:account")
    return render(
        request,
        "partyorgs/invitation_open.html",
        {"invitation": invitation, "wrong_person": wrong_person},
        status=403 if wrong_person else 200,
    )
