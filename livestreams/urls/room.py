from django.urls import path

from livestreams.views import room

app_name = "livestreams"

urlpatterns = [
    path("live/<int:pk>/", room.room, name="room"),
    path("live/<int:pk>/comments/", room.comment_create, name="comment_create"),
]
