from django.urls import path, re_path

from livestreams.views import classes as v
from livestreams.views import interaction as iv

app_name = "classes"

urlpatterns = [
    path("classes/", v.class_list, name="list"),
    path("classes/new/", v.class_new, name="new"),
    path("classes/calendar/", v.calendar, name="calendar"),
    path("classes/calendar/feed/", v.calendar_feed, name="calendar_feed"),
    re_path(r"^classes/ical/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", v.ical_feed, name="ical"),
    path("classes/records/", v.records, name="records"),
    path("classes/records.xlsx", v.records_export, {"fmt": "xlsx"}, name="records_xlsx"),
    path("classes/records.csv", v.records_export, {"fmt": "csv"}, name="records_csv"),
    path("classes/<int:pk>/", v.class_detail, name="detail"),
    path("classes/<int:pk>/edit/", v.class_edit, name="edit"),
    path("classes/<int:pk>/cancel/", v.class_cancel, name="cancel"),
    path("classes/<int:pk>/replay/", v.class_replay, name="replay"),
    path("classes/<int:pk>/sign-in/", v.class_sign_in, name="sign_in"),
    path("classes/<int:pk>/attendance/", v.attendance, name="attendance"),
    path("classes/<int:pk>/polls/", iv.polls, name="polls"),
    path("classes/<int:pk>/polls/<int:poll_pk>/edit/", iv.poll_edit, name="poll_edit"),
    path("classes/<int:pk>/polls/<int:poll_pk>/delete/", iv.poll_remove, name="poll_delete"),
    path("classes/<int:pk>/attendance/excuse/", v.attendance_excuse_view, name="excuse"),
    path("classes/<int:pk>/attendance/recount/", v.attendance_recompute, name="recount"),
    path("classes/<int:pk>/attendance.xlsx", v.attendance_export, {"fmt": "xlsx"}, name="attendance_xlsx"),
    path("classes/<int:pk>/attendance.csv", v.attendance_export, {"fmt": "csv"}, name="attendance_csv"),
]
