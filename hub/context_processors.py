from django.conf import settings


def hub(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"site_name": settings.HUB_SITE_NAME, "unread_notifications": unread}
