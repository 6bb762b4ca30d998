"""Images people upload (class covers, product pictures): the one way they are checked and stored.

A photo straight from a phone carries EXIF (with the GPS position of where it was taken), XMP, IPTC, ICC
profiles and, in PNG, text chunks; a crafted file can declare billions of pixels (a decompression bomb) or
be something else with an image's name. So every upload is:

1. bounded in bytes, then in pixels from the header alone, before any pixel is decoded;
2. decoded by Pillow (a file Pillow cannot fully decode is refused);
3. turned upright as the camera meant it, flattened onto white, shrunk to fit a box;
4. re-encoded as a new JPEG under a random name: the copy carries no metadata at all.

`ImageUploadField` (forms) and `CleanImageField` (models: its form field, in the admin too) run it, so no
path stores an uploaded image as it came.
"""

from __future__ import annotations

import uuid
from io import BytesIO

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
ACCEPT_ATTR = "image/jpeg,image/png,image/webp,image/gif"
MAX_PIXELS = 40_000_000  # checked from the header; Pillow's own bomb guard (178 MP) is the backstop

COVER_BOX = (1280, 720)
PRODUCT_BOX = (1200, 1200)


def image_process(upload, *, box: tuple[int, int], max_bytes: int | None = None) -> ContentFile:
    """A checked, upright, resized JPEG copy of `upload` without any metadata; ValidationError (in the
    user's language) for anything that is not a readable image within the limits."""
    max_bytes = max_bytes or settings.HUB_IMAGE_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The image is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}, code="too_large"
        )
    not_an_image = ValidationError(
        _("The file is not an image we can read (JPEG, PNG, WebP or GIF)."), code="invalid_image"
    )
    too_many_pixels = ValidationError(
        _("The image has too many pixels; use one under %(mp)s megapixels.")
        % {"mp": MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )
    try:
        upload.seek(0)
        probe = Image.open(upload)
        if probe.format not in ACCEPTED_FORMATS:
            raise not_an_image
        if probe.width * probe.height > MAX_PIXELS:
            raise too_many_pixels
        probe.verify()  # checks the file's structure; the image must be opened again afterwards
        upload.seek(0)
        img = Image.open(upload)
        img.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise not_an_image from None
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        img = background
    else:
        img = img.convert("RGB")
    img.thumbnail(box, Image.Resampling.LANCZOS)
    out = BytesIO()
    # A new image from the pixels only: no exif=, icc_profile= or text: the copy carries no metadata.
    Image.frombytes("RGB", img.size, img.tobytes()).save(out, "JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


class ImageUploadField(forms.FileField):
    """A file field whose cleaned value is the processed copy (a ContentFile), never the upload."""

    default_error_messages = {"invalid_image": gettext_lazy("The file is not an image we can read.")}

    def __init__(self, *, box: tuple[int, int] = PRODUCT_BOX, max_bytes: int | None = None, **kwargs):
        self.box = box
        self.max_bytes = max_bytes
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR}))
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        return image_process(upload, box=self.box, max_bytes=self.max_bytes)


class CleanImageField(models.ImageField):
    """An ImageField whose form field (in every ModelForm, the admin included) processes the upload.

    It is stored as a plain ImageField: deconstruct() names Django's class, so the column and the
    migrations are unchanged."""

    def __init__(self, *args, box: tuple[int, int] = PRODUCT_BOX, **kwargs):
        self.box = box
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs

    def formfield(self, **kwargs):
        return models.FileField.formfield(self, **{"form_class": ImageUploadField, "box": self.box, **kwargs})
