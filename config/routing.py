from hub.dashboards.routing import websocket_urlpatterns as dashboards_ws
from hub.routing import websocket_urlpatterns as hub_ws
from livestreams.routing import websocket_urlpatterns as live_ws

websocket_urlpatterns = [*hub_ws, *live_ws, *dashboards_ws]
