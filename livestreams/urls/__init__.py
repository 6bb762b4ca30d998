"""URL modules of the live-session areas; config/urls.py includes each with its own namespace."""
