from django.urls import path, re_path

from livestreams.views import classes as v
from livestreams.views import interaction as iv
from livestreams.views import meetings as mv

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
    # --- meeting records (三会一课台账) ---
    path("classes/records/branch/<int:pk>/", mv.branch_meetings, name="records_branch"),
    path("classes/records/rules/", mv.rules, name="meeting_rules"),
    path("classes/plans/<int:pk>/", mv.plan, name="plan"),
    path("classes/meetings/new/", mv.record_new, name="meeting_new"),
    path("classes/meetings/<int:pk>/", mv.record_detail, name="meeting"),
    path("classes/meetings/<int:pk>/edit/", mv.record_edit, name="meeting_edit"),
    path("classes/meetings/<int:pk>/print/", mv.record_print, name="meeting_print"),
    path("classes/meetings/<int:pk>/attendance/", mv.record_attendance, name="meeting_attendance"),
    path("classes/meetings/<int:pk>/photos/", mv.photo_add, name="meeting_photo_add"),
    path("classes/meetings/<int:pk>/photos/<int:photo_pk>.jpg", mv.photo_file, name="meeting_photo"),
    path(
        "classes/meetings/<int:pk>/photos/<int:photo_pk>/remove/",
        mv.photo_remove,
        name="meeting_photo_remove",
    ),
    path("classes/meetings/<int:pk>/attachments/", mv.attachment_add, name="meeting_attachment_add"),
    path(
        "classes/meetings/<int:pk>/attachments/<int:att_pk>/remove/",
        mv.attachment_remove,
        name="meeting_attachment_remove",
    ),
    path(
        "classes/meetings/<int:pk>/attachments/<int:att_pk>/", mv.attachment_file, name="meeting_attachment"
    ),
    re_path(
        r"^classes/meetings/(?P<pk>[0-9]+)/sign-in/(?P<token>[A-Za-z0-9_:-]{10,80})/$",
        mv.record_sign_in,
        name="meeting_sign_in",
    ),
    path("classes/<int:pk>/meeting/", mv.record_for_class, name="class_meeting"),
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
