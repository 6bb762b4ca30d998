from django.urls import path

from livestreams import views

app_name = "livestreams"

urlpatterns = [
    path("live/<int:pk>/", views.room, name="room"),
]
