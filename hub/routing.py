from django.urls import path

from hub.dashboards.consumers import LiveNowConsumer

# The notifications socket (/ws/notifications/) is added by the live-rooms work.
websocket_urlpatterns: list = [
    # --- dashboards ---
    path("ws/live-now/", LiveNowConsumer.as_asgi()),
]
