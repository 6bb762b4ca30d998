from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hub import selectors, services
from hub.adapters import INVITATION_SESSION_KEY
from hub.forms import InvitationForm
from hub.health import health_report
from hub.permissions import get_object_in_scope, role_required
from livestreams.selectors import sessions_live_now, sessions_upcoming


def home(request):
    return render(
        request,
        "hub/home.html",
        {
            "live_now": sessions_live_now(user=request.user),
            "upcoming": sessions_upcoming(user=request.user),
        },
    )


@login_required
def account(request):
    member = getattr(request.user, "party_member", None) if hasattr(request.user, "party_member") else None
    return render(
        request,
        "hub/account.html",
        {
            "roles": selectors.roles_of(user=request.user),
            "member": member,
            "notifications": selectors.notifications_for(user=request.user),
        },
    )


@login_required
@require_POST
def notifications_read(request):
    services.notification_mark_read(user=request.user)
    return redirect(reverse("hub:account") + "#notifications")


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
                created_by=request.user,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The invitation was sent to %(email)s. You can also share its link below.")
                % {"email": invitation.email},
            )
            return redirect("hub:invitations")
    return render(
        request,
        "hub/invitations.html",
        {"form": form, "invitations": selectors.invitations_visible(user=request.user)[:100]},
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@role_required("organizer", "staff")
@require_POST
def invitation_revoke(request, pk: int):
    # Invitations the user may not see do not exist for them.
    invitation = get_object_in_scope(selectors.invitations_visible(user=request.user), Q(), pk=pk)
    try:
        if services.invitation_revoke(invitation=invitation, by=request.user):
            messages.success(
                request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
            )
        else:
            messages.info(request, _("This invitation was already withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("hub:invitations")


@never_cache
def invitation_open(request, token: str):
    """The link of an invitation email. A newcomer signs up (with the address verified by this click);
    someone with an account signs in and accepts."""
    invitation = selectors.invitation_get_usable(token=token)
    if invitation is None:
        return render(request, "hub/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token
        if get_user_model().objects.filter(email__iexact=invitation.email).exists():
            messages.info(request, _("You already have an account: sign in to accept the invitation."))
            return redirect(reverse("account_login") + "?" + urlencode({"next": request.path}))
        from allauth.account.adapter import get_adapter

        # The click on the emailed link proves the address: allauth marks it verified at sign-up.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return redirect(reverse("account_signup") + "?" + urlencode({"email": invitation.email}))
    wrong_person = request.user.email.lower() != invitation.email.lower()
    if request.method == "POST" and not wrong_person:
        if services.invitation_accept(token=token, user=request.user):
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(
                request,
                _("Welcome: you are now %(role)s of %(scope)s.")
                % {"role": invitation.get_role_kind_display(), "scope": invitation.scope},
            )
        return redirect("hub:account")
    return render(
        request,
        "hub/invitation_open.html",
        {"invitation": invitation, "wrong_person": wrong_person},
        status=403 if wrong_person else 200,
    )


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    status = 200 if all(part["ok"] for part in report["checks"].values()) else 503
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})
