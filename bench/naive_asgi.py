"""The textbook live room, for comparison only (bench/room_fanout.py --naive); never routed in the hub.

Every socket joins a channels_redis group; each comment is one group_send, and each join or leave sends the
new viewer count to the whole group, so the layer serializes and stores one copy per viewer per message.
"""

import json
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.db import database_sync_to_async  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from hub.redis import get_async_redis, key  # noqa: E402
from livestreams.models import LiveSession  # noqa: E402
from livestreams.selectors.room import comment_payload  # noqa: E402
from livestreams.services.room import RoomError, comment_post  # noqa: E402


@database_sync_to_async
def _post(session_id, user, text):
    return comment_post(session=LiveSession.objects.get(pk=session_id), user=user, text=text)


class NaiveRoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.group = f"naive-{self.session_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        count = await get_async_redis().incr(key("naive", self.session_id))
        await self.channel_layer.group_send(
            self.group, {"type": "room.event", "text": json.dumps({"type": "viewers", "count": count})}
        )

    async def disconnect(self, code):
        count = await get_async_redis().decr(key("naive", self.session_id))
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.channel_layer.group_send(
            self.group, {"type": "room.event", "text": json.dumps({"type": "viewers", "count": count})}
        )

    async def receive(self, text_data=None, bytes_data=None):
        message = json.loads(text_data)
        if message.get("type") != "comment":
            return
        try:
            comment = await _post(self.session_id, self.scope["user"], message["text"])
        except RoomError as error:
            await self.send(text_data=json.dumps({"type": "error", "code": error.code}))
            return
        await self.send(
            text_data=json.dumps({"type": "ack", "id": comment.pk, "nonce": message.get("nonce")})
        )
        payload = json.dumps(comment_payload(comment), ensure_ascii=False)
        await self.channel_layer.group_send(self.group, {"type": "room.event", "text": payload})

    async def room_event(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/naive/<int:session_id>/", NaiveRoomConsumer.as_asgi())]))
        ),
    }
)
