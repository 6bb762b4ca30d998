from django.urls import path

from hub.consumers import NotificationConsumer
from hub.dashboards.consumers import LiveNowConsumer

websocket_urlpatterns: list = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/live-now/", LiveNowConsumer.as_asgi()),
]
