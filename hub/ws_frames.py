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
When twisted has nothing buffered for the socket, the frame is sent at once (see `write`).
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
        transport = protocol.transport
        if _idle_plain_tcp(transport):
            # Nothing is waiting in twisted's buffer: send now, as asyncio's transports do, instead of
            # registering the socket with the event loop for every frame (twisted's write does that, and
            # with thousands of sockets per event the registering cost more than the sending).
            try:
                sent = transport.socket.send(frame)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                return False  # the connection is breaking: twisted notices and closes it
            if sent == len(frame):
                return True
            frame = frame[sent:]
        transport.write(frame)  # the rest, after what is already buffered, when the socket can take it
        return True

    return write


def _idle_plain_tcp(transport) -> bool:
    """A plain TCP connection (no TLS layer) with nothing buffered in twisted: bytes sent directly to its
    socket then keep their order. Anything else (an attribute twisted no longer has) answers False."""
    return (
        getattr(transport, "TLS", True) is False
        and getattr(transport, "connected", False)
        and not getattr(transport, "disconnecting", True)
        and getattr(transport, "_tempDataLen", 1) == 0
        and len(getattr(transport, "dataBuffer", b"x")) == getattr(transport, "offset", -1)
        and getattr(transport, "socket", None) is not None
    )


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
