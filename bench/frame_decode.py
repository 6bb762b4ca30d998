"""What the sockets' one frame decoder (hub.consumers.decode_frame) costs per frame, next to a bare json.loads.

    .venv/bin/python bench/frame_decode.py [--number 20000]

Every client frame of every socket goes through it (at most 30 frames in a burst, 3 per second sustained,
per connection), so its cost bounds what a flood of bad frames can take from a daphne process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from hub.consumers import FrameError, decode_frame  # noqa: E402

FRAMES = {
    "a comment (104 chars)": json.dumps(
        {"type": "comment", "text": "学习了！讲得很好" * 5, "nonce": "c1700000000000abcdef"},
        ensure_ascii=False,
    ),
    "ping": '{"type":"ping"}',
    "mark_read, 500 ids (2.4k chars)": json.dumps({"type": "mark_read", "ids": list(range(500))}),
    '"[" * 4096 (refused)': "[" * 4096,
    '"[{" * 2000 (refused)': "[{" * 2000,
    "4,000-digit number (refused)": '{"type":"ping","x":' + "9" * 4000 + "}",
    "duplicate keys (refused)": '{"type":"ping","type":"comment"}',
    'unclosed string of 2,000 \\" (refused)': '"' + '\\"' * 2000,
}


def per_frame(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=3)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    print("| frame | decode_frame | json.loads |")
    print("| --- | --- | --- |")
    for name, frame in FRAMES.items():

        def decode(frame=frame):
            try:
                decode_frame(frame, None, max_chars=4096)
            except FrameError:
                pass

        def plain(frame=frame):
            try:
                json.loads(frame)
            except (ValueError, RecursionError):
                pass

        print(
            f"| {name} | {per_frame(decode, args.number):.1f} µs | {per_frame(plain, args.number):.1f} µs |"
        )


if __name__ == "__main__":
    main()
