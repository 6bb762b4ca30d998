from django.urls import path

from livestreams.views import room

app_name = "livestreams"

urlpatterns = [
    path("live/<int:pk>/", room.room, name="room"),
]
