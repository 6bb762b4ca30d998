from django.urls import path

from livestreams.consumers.room import RoomConsumer

websocket_urlpatterns: list = [
    path("ws/live/<int:session_id>/", RoomConsumer.as_asgi()),
]
