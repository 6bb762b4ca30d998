from django.urls import path, re_path

from livestreams.views import share

app_name = "share"

urlpatterns = [
    re_path(r"^s/(?P<code>[0-9A-Za-z]{1,12})/$", share.short, name="short"),
    re_path(
        r"^s/(?P<code>[0-9A-Za-z]{1,12})/in/(?P<token>[0-9A-Za-z_\-.:]{10,200})/$",
        share.venue_checkin,
        name="venue",
    ),
    path("live/<int:pk>/share/", share.card, name="card"),
    path("live/<int:pk>/share/print/", share.print_page, name="print"),
    path("live/<int:pk>/qr.svg", share.qr_image, {"fmt": "svg"}, name="qr_svg"),
    path("live/<int:pk>/qr.png", share.qr_image, {"fmt": "png"}, name="qr_png"),
    path("live/<int:pk>/checkin/", share.room_checkin, name="checkin"),
    path("live/<int:pk>/checkin/screen/", share.checkin_screen, name="screen"),
]
