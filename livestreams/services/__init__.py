"""Writes of live sessions, one module per subdomain (sessions, room, classes, sales, studios, media)."""
