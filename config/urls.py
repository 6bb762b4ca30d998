from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from hub.views import language_set

urlpatterns = [
    # Django's set_language, extended: a signed-in person's choice is also stored on the account.
    path("i18n/setlang/", language_set, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("hub.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("partyorgs.urls")),
    path("", include("livestreams.urls.room")),
    path("", include("livestreams.urls.share")),
    path("", include("livestreams.urls.classes")),
    path("", include("livestreams.urls.sales")),
    path("", include("livestreams.urls.studios")),
    path("", include("livestreams.urls.media")),
    path("", include("livestreams.urls.learning")),  # issue 15 (e15record)
    path("", include("hub.dashboards.urls")),
]
# Refusals and errors in the site's layout (templates/403.html, 404.html, 500.html; hub/errors.py).
handler500 = "hub.errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
