"""Reads of live sessions, one module per subdomain; always through the viewer's scope."""

from .sessions import sessions_live_now, sessions_upcoming

__all__ = ["sessions_live_now", "sessions_upcoming"]
