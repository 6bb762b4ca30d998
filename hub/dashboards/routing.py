from django.urls import path

from hub.dashboards.consumers import LiveNowConsumer

websocket_urlpatterns: list = [
    path("ws/live-now/", LiveNowConsumer.as_asgi()),
]
