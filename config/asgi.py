import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# Django must be set up before the consumers (and the models they import) are loaded.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from hub.ws_frames import FrameWriterMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Websockets only from allowed origins, authenticated by the session cookie; a live room writes one
        # ready-made frame to many sockets (hub/ws_frames.py).
        "websocket": FrameWriterMiddleware(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# A daphne process holding thousands of live-room sockets keeps hundreds of thousands of long-lived objects;
# with the default thresholds the collector's full passes over them stalled the event loop for hundreds of
# milliseconds (bench/room_fanout.py: fan-out p99 530 ms -> 270-290 ms with this). Everything loaded so far is
# frozen out of collection, and the young generation is collected less often.
gc.freeze()
gc.set_threshold(100_000, 50, 100)
