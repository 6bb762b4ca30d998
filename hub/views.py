from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub.health import health_report
from hub.models import Role
from hub.permissions import get_scope
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
    roles = Role.objects.filter(user=request.user).select_related("region", "organization", "enterprise")
    member = getattr(request.user, "party_member", None) if hasattr(request.user, "party_member") else None
    return render(
        request, "hub/account.html", {"roles": roles, "member": member, "scope": get_scope(request.user)}
    )


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    status = 200 if all(part["ok"] for part in report["checks"].values()) else 503
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})
