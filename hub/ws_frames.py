"""Writing one ready-made websocket frame to many sockets, as `websockets.broadcast` does.

A live room sends the same event to thousands of sockets. Through ASGI each `websocket.send` passes the
consumer, channels' wrappers, daphne's reply handler and autobahn's `sendMessage`, which encodes the text and
builds the frame again for every socket. The room instead builds the frame once per event (`text_frame`) and
hands the same bytes to each socket's transport.

ASGI has no message for a ready-made frame, so daphne's connection is reached the one way it is handed to the
application: the `send` callable daphne gives it is `functools.partial(server.handle_reply, protocol)`.
`FrameWriterMiddleware` recognises that and offers consumers a writer in the scope, under
scope["extensions"]["hub.frame"]["write"]; under any other server (or the test communicator) there is no
writer and frames go through ASGI `send` as before. The writer declines (returns False) whenever autobahn
would do more than write the bytes: a socket not open, a negotiated compression, autobahn's own send queue.
"""

from __future__ import annotations

import functools
import struct

EXTENSION = "hub.frame"


def text_frame(payload: bytes) -> bytes:
    """A server-to-client text frame (RFC 6455 5.2): FIN, opcode 1, unmasked, the payload in one frame."""
    n = len(payload)
    if n < 126:
        header = bytes((0x81, n))
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + payload


def daphne_frame_writer(send):
    """A function writing a ready-made frame to the socket behind daphne's `send`, or None elsewhere."""
    if not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return None
    protocol = send.args[0]
    if not isinstance(protocol, WebSocketProtocol):
        return None
    open_state = WebSocketProtocol.STATE_OPEN

    def write(frame: bytes) -> bool:
        if (
            protocol.state != open_state
            or protocol.send_queue
            or protocol._perMessageCompress is not None
            or protocol.maskServerFrames
        ):
            return False
        protocol.transport.write(frame)
        return True

    return write


class FrameWriterMiddleware:
    """Offers websocket consumers a ready-made-frame writer where the server allows it (see above)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            write = daphne_frame_writer(send)
            if write is not None:
                extensions = {**(scope.get("extensions") or {}), EXTENSION: {"write": write}}
                scope = {**scope, "extensions": extensions}
        return await self.app(scope, receive, send)
