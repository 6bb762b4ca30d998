from django.conf import settings

from hub.permissions import get_scope


def hub(request):
    user = getattr(request, "user", None)
    scope = get_scope(user) if user is not None else None
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"site_name": settings.HUB_SITE_NAME, "scope": scope, "unread_notifications": unread}
