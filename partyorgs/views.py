"""Pages of the registry: the organization tree, enterprises, incubators; one's account (roles, branch,
notifications) and invitations. Thin: parse, authorize, render."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hub.exports import Sheet, xlsx_response
from hub.forms_utils import form_add_service_errors
from hub.pagination import paginate
from hub.selectors import notifications_for
from hub.services import notification_mark_read

from . import selectors, services
from .adapters import INVITATION_SESSION_KEY
from .forms import (
    EnterpriseFilterForm,
    InvitationForm,
    MemberForm,
    PhoneInvitationAcceptForm,
    RosterImportForm,
    TenantFilterForm,
)
from .models import Invitation, RosterImport
from .permissions import get_object_in_scope, role_required
from .roster_import import TEMPLATE_HEADER, roster_import_start

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
        initial["role_kind"] = Invitation.RoleKind.MEMBER
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
            if invitation.phone:
                text = _("The invitation was sent by SMS to %(phone)s. You can also share its link below.")
            else:
                text = _("The invitation was sent to %(email)s. You can also share its link below.")
            messages.success(request, text % {"email": invitation.email, "phone": invitation.phone})
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
                request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.contact}
            )
        else:
            messages.info(request, _("This invitation was already withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("partyorgs:invitations")


def _invitation_open_anonymous(request, invitation: Invitation):
    """A newcomer: by email, allauth's sign-up (the click verified the address); by SMS, a name to confirm
    on this page (the click proved the number). Someone with an account signs in and accepts."""
    request.session[INVITATION_SESSION_KEY] = invitation.token
    if services.account_for_contact(email=invitation.email, phone=invitation.phone) is not None:
        messages.info(request, _("You already have an account: sign in to accept the invitation."))
        return redirect(reverse("account_login") + "?" + urlencode({"next": request.path}))
    if invitation.email:
        # The click on the emailed link proves the address: allauth marks it verified at sign-up.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return redirect(reverse("account_signup") + "?" + urlencode({"email": invitation.email}))
    form = PhoneInvitationAcceptForm(request.POST or None, initial={"name": invitation.name})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept_new_account(
                token=invitation.token, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _welcome(invitation))
            return redirect("partyorgs:account")
    return render(request, "partyorgs/invitation_phone.html", {"invitation": invitation, "form": form})


def _welcome(invitation: Invitation) -> str:
    return _("Welcome: you are now %(role)s of %(scope)s.") % {
        "role": invitation.get_role_kind_display(),
        "scope": invitation.scope,
    }


@never_cache
def invitation_open(request, token: str):
    """The link of an invitation (email or SMS). A newcomer joins (the address or number verified by this
    click); someone with an account signs in and accepts."""
    invitation = selectors.invitation_get_usable(token=token)
    if invitation is None:
        return render(request, "partyorgs/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        return _invitation_open_anonymous(request, invitation)
    wrong_person = not selectors.invitation_acceptable_by(invitation=invitation, user=request.user)
    if request.method == "POST" and not wrong_person:
        try:
            accepted = services.invitation_accept(token=token, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if accepted:
                request.session.pop(INVITATION_SESSION_KEY, None)
                messages.success(request, _welcome(invitation))
        return redirect("partyorgs:account")
    return render(
        request,
        "partyorgs/invitation_open.html",
        {"invitation": invitation, "wrong_person": wrong_person},
        status=403 if wrong_person else 200,
    )


# --- The roster ----------------------------------------------------------------------------------------

ROSTER_RUNNING = (RosterImport.State.QUEUED, RosterImport.State.CHECKING)


@role_required("organizer", "staff")
def roster(request, pk: int):
    """A branch's roster: every member record (those who left, marked), with its data or "not entered"."""
    branch = selectors.roster_branch_get(user=request.user, pk=pk)
    members = selectors.roster_members(branch=branch)
    today = timezone.localdate()
    return render(
        request,
        "partyorgs/roster/roster.html",
        {"branch": branch, "members": members, "today": today},
    )


@role_required("organizer", "staff")
def member_edit(request, pk: int):
    member = selectors.member_get_for_manager(user=request.user, pk=pk)
    initial = {
        "name": member.user.name,
        "status": member.status,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
    }
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.member_update(user=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            if changes:
                messages.success(request, _("The roster was corrected."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("partyorgs:roster", pk=member.branch_id)
    return render(
        request,
        "partyorgs/roster/member_edit.html",
        {"member": member, "form": form, "changes": selectors.member_changes(member=member)},
    )


@role_required("organizer", "staff")
def roster_import(request, pk: int):
    """The upload form; the file is checked by a Celery task while the organizer watches its page."""
    branch = selectors.roster_branch_get(user=request.user, pk=pk)
    form = RosterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = roster_import_start(
                user=request.user,
                branch=branch,
                file_name=upload.name,
                content=upload.read(),
                language=translation.get_language() or "",
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("partyorgs:roster_import_status", pk=job.pk)
    return render(request, "partyorgs/roster/import.html", {"branch": branch, "form": form})


@role_required("organizer", "staff")
def roster_import_status(request, pk: int):
    """Progress, then the outcome, of one of the user's roster imports; htmx polls the partial while it runs."""
    job = selectors.roster_import_get_for_user(user=request.user, pk=pk)
    context = {
        "job": job,
        "S": RosterImport.State,
        "running": job.state in ROSTER_RUNNING,
        "poll_url": request.path,
        "upload_url": reverse("partyorgs:roster_import", args=[job.branch_id]),
    }
    if request.htmx:
        return render(request, "partyorgs/roster/_import_status.html", context)
    return render(request, "partyorgs/roster/import_status.html", context)


@role_required("organizer", "staff")
def roster_template(request, pk: int):
    """The roster template (.xlsx): the first sheet is the one imported, with only its header (an example
    row would invite its made-up number if uploaded unchanged); the second explains each column."""
    branch = selectors.roster_branch_get(user=request.user, pk=pk)
    notes = [
        ["姓名", _("Required.")],
        ["手机号", _("The invitation goes by SMS to this number. Give a number or an email address.")],
        ["邮箱", _("Used when the row has no mobile number.")],
        ["党员状态", _("正式党员 or 预备党员; may be left empty.")],
        ["入党日期", _("A date such as 2021-07-01; may be left empty.")],
    ]
    return xlsx_response(
        f"roster-{branch.pk}",
        [
            Sheet(title=str(_("Roster")), columns=TEMPLATE_HEADER, rows=[]),
            Sheet(
                title=str(_("How to fill it in")),
                columns=[str(_("Column")), str(_("What to write"))],
                rows=notes,
            ),
        ],
    )
