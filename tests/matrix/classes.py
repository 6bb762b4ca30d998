"""Pages of the Party-class area. A class of subdistrict A for the member's branch, ended and with attendance."""

from datetime import timedelta

from django.utils import timezone

from livestreams.models import CalendarFeed, LiveSession
from tests import factories as f


def setup(w):
    now = timezone.now()
    ended = f.LiveSessionFactory(
        host_organization=w.world.root_a,
        status=LiveSession.Status.ENDED,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2) + timedelta(hours=1),
        audience_orgs=[w.world.branch_a],
    )
    f.PartyClassFactory(session=ended)
    upcoming = f.LiveSessionFactory(host_organization=w.world.root_a, audience_orgs=[w.world.branch_a])
    f.PartyClassFactory(session=upcoming)
    w.class_ended, w.class_upcoming = ended, upcoming
    w.feed = CalendarFeed.objects.create(user=w.member)


def pages(w):
    signed_in = dict.fromkeys(["organizer", "merchant", "official", "member", "outsider", "staff"], 200)
    anon = {"anonymous": 302}
    yield "/classes/", {**signed_in, **anon}
    yield "/classes/calendar/", {**signed_in, **anon}
    yield "/classes/calendar/?view=week", {**signed_in, **anon}
    yield "/classes/new/", {"organizer": 200, "staff": 200, **anon}, 403
    yield "/classes/records/", {"organizer": 200, "official": 200, "staff": 200, **anon}, 403
    yield "/classes/records.xlsx", {"organizer": 200, "official": 200, "staff": 200, **anon}, 403
    yield "/classes/records.csv", {"organizer": 200, "official": 200, "staff": 200, **anon}, 403
    viewers = {"organizer": 200, "official": 200, "member": 200, "staff": 200, **anon}
    for s in (w.class_ended, w.class_upcoming):
        yield f"/classes/{s.pk}/", viewers
    # Managers edit; people who can see the class but not manage it get 403, everyone else 404.
    readonly = {"official": 403, "member": 403}
    yield f"/classes/{w.class_upcoming.pk}/edit/", {"organizer": 200, "staff": 200, **readonly, **anon}
    yield f"/classes/{w.class_upcoming.pk}/cancel/", {"organizer": 200, "staff": 200, **readonly, **anon}
    records = {"organizer": 200, "official": 200, "staff": 200, "member": 403, **anon}
    yield f"/classes/{w.class_ended.pk}/attendance/", records
    yield f"/classes/{w.class_ended.pk}/attendance.xlsx", records
    yield f"/classes/{w.class_ended.pk}/attendance.csv", records
    yield "/classes/999999/", {**anon}
    # The feed needs no sign-in: its secret token is the credential.
    everyone = dict.fromkeys(
        ["organizer", "merchant", "official", "member", "outsider", "staff", "anonymous"], 200
    )
    yield f"/classes/ical/{w.feed.token}.ics", everyone
