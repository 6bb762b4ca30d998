"""Private files: what only the hub's processes read (recorded lectures), kept out of the public media.

MEDIA_ROOT is served to anyone at MEDIA_URL (covers and product images); a file of a private class must never
be there. This storage lives in HUB_PRIVATE_MEDIA_ROOT, which the settings refuse inside MEDIA_ROOT, and it has
no URL: a private file reaches a browser only through a view or a signed link that checks who asks.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateFileStorage(FileSystemStorage):
    # Read from the settings at every use (not cached) so that tests and servers agree on one folder.
    @property
    def base_location(self):
        return settings.HUB_PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL.")


def private_storage() -> PrivateFileStorage:
    """The storage of private files (a callable, so that FileField and migrations name it, not a path)."""
    return storages["private"]


def random_name(folder: str, original_name: str) -> str:
    """A stored name that says nothing of the upload: a random name with the (checked) extension."""
    return f"{folder}/{uuid.uuid4().hex}{Path(original_name).suffix.lower()[:10]}"
