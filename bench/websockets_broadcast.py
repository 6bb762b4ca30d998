#!/usr/bin/env python
"""The yardstick of bench/room_fanout.py --compare: a plain `websockets` server with `websockets.broadcast`.

    .venv/bin/python bench/websockets_broadcast.py --port 9020

No Django, no database, no Redis: every socket on any path is in one room; a {"type": "comment", ...} frame is
answered with an ack and broadcast as a comment event to every socket, the frame built once and written to
each connection. It does the least a room can do, so the hub's figures divided by its figures, measured by the
same load generator in the same run, say what the hub costs on top of the machine it runs on.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from websockets import broadcast
from websockets.asyncio.server import serve


async def main(port: int) -> None:
    sockets = set()
    next_id = 0

    async def room(ws):
        nonlocal next_id
        sockets.add(ws)
        try:
            await ws.send(json.dumps({"type": "welcome"}))
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") != "comment":
                    continue
                next_id += 1
                await ws.send(json.dumps({"type": "ack", "id": next_id, "nonce": message.get("nonce")}))
                event = {"type": "comment", "id": next_id, "text": message.get("text", "")}
                broadcast(sockets, json.dumps(event, ensure_ascii=False, separators=(",", ":")))
        finally:
            sockets.discard(ws)

    async with serve(room, "127.0.0.1", port, compression=None, max_queue=None, ping_interval=None):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
