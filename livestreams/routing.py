# The live-room socket (/ws/live/<id>/) is added by the live-rooms work.
websocket_urlpatterns: list = []
