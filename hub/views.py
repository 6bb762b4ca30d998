from django.contrib import messages
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub.health import health_report
from hub.language import language_cookie_set, language_valid
from hub.redirects import redirect_next
from hub.services import language_refused_message, user_language_set


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    status = 200 if all(part["ok"] for part in report["checks"].values()) else 503
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})


@never_cache
def language_set(request):
    """The header's language switcher (Django's set_language, extended): the choice goes into this browser's
    language cookie and, for a signed-in person, onto their account (hub.services.user_language_set), so that
    their emails and text messages and their next sign-in elsewhere follow it. Anything but one of the site's
    languages changes nothing and says so. Back to `next` by the hub's rule (hub.redirects)."""
    response = redirect_next(request, "/")
    if request.method != "POST":
        return response
    code = request.POST.get("language", "")
    if not language_valid(code):
        messages.error(request, language_refused_message())
        return response
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=code)
    language_cookie_set(response, code)
    return response
