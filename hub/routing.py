# The notifications socket (/ws/notifications/) is added by the live-rooms work.
websocket_urlpatterns: list = []
