"""Share cards, short links, QR codes and sign-in (签到) by tapping or scanning (livestreams/share.py)."""

from livestreams import share
from livestreams.models import LiveSession
from tests import factories as f

S = LiveSession.Status


def setup(w):
    world = w.world
    w.c14_class = f.LiveSessionFactory(
        host_organization=world.root_a, status=S.LIVE, audience_orgs=[world.branch_a]
    )
    f.PartyClassFactory(session=w.c14_class)
    w.c14_public = f.SalesSessionFactory(enterprise=world.enterprise_a, session__status=S.SCHEDULED).session
    w.c14_elsewhere = f.LiveSessionFactory(
        host_organization=world.root_b, status=S.LIVE, audience_orgs=[world.branch_b]
    )
    f.PartyClassFactory(session=w.c14_elsewhere)


def pages(w):
    c, p, e = w.c14_class.pk, w.c14_public.pk, w.c14_elsewhere.pk
    # Who may see the class: its organizer, its audience (the member), the region's official, staff.
    seers = {"organizer": 200, "official": 200, "member": 200, "staff": 200, "anonymous": 302}
    # The short link only redirects; the room it opens checks who may watch.
    yield f"/s/{share.short_code(c)}/", {}, 302
    yield f"/s/{share.short_code(e)}/", {}, 302
    for url in (f"/live/{c}/share/", f"/live/{c}/share/print/", f"/live/{c}/qr.svg", f"/live/{c}/qr.png"):
        yield url, seers
    for url in (f"/live/{p}/share/", f"/live/{p}/share/print/", f"/live/{p}/qr.svg", f"/live/{p}/qr.png"):
        yield url, {}, 200
    yield f"/live/{e}/share/", {"staff": 200, "anonymous": 302}
    yield f"/live/{e}/qr.png", {"staff": 200, "anonymous": 302}
    # The venue's sign-in screen is for those who manage the class; others who see it get 403.
    yield (
        f"/live/{c}/checkin/screen/",
        {"organizer": 200, "staff": 200, "official": 403, "member": 403, "anonymous": 302},
    )
    yield f"/live/{p}/checkin/screen/", {}, 404  # not a class
    yield f"/live/{e}/checkin/screen/", {"staff": 200, "anonymous": 302}
    # Scanning the venue's code: sign in first; then back to the room (signed in, or told why not); 404 outside.
    venue = share.venue_path(w.c14_class, kind="wall")
    yield venue, {"organizer": 302, "official": 302, "member": 302, "staff": 302, "anonymous": 302}
    yield share.venue_path(w.c14_elsewhere, kind="wall"), {"staff": 302, "anonymous": 302}
    # The room's sign-in button posts (with JavaScript it goes over the room's socket).
    yield f"/live/{c}/checkin/", {}, 405
