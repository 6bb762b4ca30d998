"""Websocket consumers of the live room; the per-process room registry is in fanout.py."""
