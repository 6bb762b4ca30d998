"""Helpers shared by the Party-class tests (tests/test_classes_*.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from livestreams.models import LiveSession, PartyClass
from livestreams.services.classes import ClassDetails, Recurrence, party_class_schedule
from tests import factories as f

TZ = timezone.get_default_timezone()


def local(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def soon(hours: float = 48) -> datetime:
    """A whole minute some hours from now."""
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def details(world, **kw) -> ClassDetails:
    start = kw.pop("starts_at", soon())
    values = dict(
        title="学习贯彻党的二十大精神",
        class_kind=PartyClass.ClassKind.PARTY_LECTURE,
        host_organization=world.root_a,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        audience_orgs=[world.branch_a],
    )
    values.update(kw)
    return ClassDetails(**values)


def schedule(world, organizer, recurrence: Recurrence | None = None, **kw) -> list[PartyClass]:
    return party_class_schedule(user=organizer, details=details(world, **kw), recurrence=recurrence)


def members_of(branch, n: int, prefix: str = "m"):
    return [
        f.MemberFactory(user=f.UserFactory(email=f"{prefix}{i}-{branch.pk}@example.com"), branch=branch)
        for i in range(n)
    ]


def class_session(world, *, status=LiveSession.Status.SCHEDULED, audience=None, **kw) -> LiveSession:
    """A Party class built with the factories (not the service), for lifecycle and attendance tests."""
    session = f.LiveSessionFactory(
        host_organization=world.root_a, status=status, audience_orgs=audience or [world.branch_a], **kw
    )
    f.PartyClassFactory(session=session)
    return session


def image_upload(
    name="cover.jpg", size=(3000, 2000), fmt="JPEG", exif=True, color=(200, 16, 46)
) -> SimpleUploadedFile:
    img = Image.new("RGB", size, color)
    out = BytesIO()
    kwargs = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "PhoneMaker"  # Make
        ex[0x0112] = 6  # Orientation: rotate 90° when shown
        kwargs["exif"] = ex.tobytes()
    img.save(out, fmt, **kwargs)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")
