from django.urls import path

from livestreams.views import console, learning

app_name = "learning"

urlpatterns = [
    path("classes/learning/", learning.my_record, name="record"),
    path("classes/learning.xlsx", learning.my_record_export, name="record_xlsx"),
    path("classes/learning/rules/", learning.record_rules, name="rules"),
    path("classes/learning/rankings/", learning.rankings, name="rankings"),
    path("classes/<int:pk>/courseware/", learning.courseware_upload, name="courseware_upload"),
    path("classes/<int:pk>/courseware/<int:item_pk>/", learning.courseware_download, name="courseware"),
    path(
        "classes/<int:pk>/courseware/<int:item_pk>/remove/",
        learning.courseware_delete,
        name="courseware_remove",
    ),
    path("classes/<int:pk>/leave/", learning.leave_request_view, name="leave"),
    path("classes/<int:pk>/leave/<int:leave_pk>/decide/", learning.leave_decide_view, name="leave_decide"),
    path("live/<int:pk>/replay/ping/", learning.replay_ping_view, name="replay_ping"),
    path("live/<int:pk>/end/", console.end_now, name="end_now"),
    path("live/<int:pk>/cohosts/", console.cohost_add, name="cohost_add"),
    path("live/<int:pk>/cohosts/<int:user_pk>/remove/", console.cohost_remove, name="cohost_remove"),
]
