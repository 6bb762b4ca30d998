from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub.health import health_report


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    status = 200 if all(part["ok"] for part in report["checks"].values()) else 503
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})
