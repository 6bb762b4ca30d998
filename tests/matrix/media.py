"""The media pages: the streams list, a session's stream key page and a Party class's recorded lecture page."""

from datetime import timedelta

from django.utils import timezone

from livestreams.models import LiveSession
from tests import factories as f


def setup(w):
    now = timezone.now()
    # A Party class of subdistrict A's working committee, for the branch of the member persona.
    w.media_class = f.PartyClassFactory(
        session__host_organization=w.world.root_a,
        session__starts_at=now + timedelta(hours=1),
        session__ends_at=now + timedelta(hours=2),
        session__audience_orgs=[w.world.branch_a],
    ).session
    # A merchant's public sales session in the hub's own room.
    w.media_sales = f.SalesSessionFactory(
        enterprise=w.world.enterprise_a,
        platform="hub",
        session__playback=LiveSession.Playback.HUB,
        session__region=w.world.sub_a,
    ).session


def pages(w):
    signed_in = {
        "organizer": 200,
        "merchant": 200,
        "official": 200,
        "member": 200,
        "outsider": 200,
        "staff": 200,
    }
    yield "/live/streams/", {**signed_in, "anonymous": 302}

    c = w.media_class.pk
    # Managers see the key; people who may only watch the class get 403; others do not see it at all.
    manage_class = {"organizer": 200, "staff": 200, "member": 403, "official": 403, "anonymous": 302}
    yield f"/live/{c}/stream/", manage_class
    yield f"/live/{c}/lecture/", manage_class

    s = w.media_sales.pk
    # A public session: everyone may watch it (403), only its merchant and staff manage it.
    manage_sales = {"merchant": 200, "staff": 200, "anonymous": 302}
    yield f"/live/{s}/stream/", manage_sales, 403
    # A sales session has no recorded lecture page.
    yield (
        f"/live/{s}/lecture/",
        {"anonymous": 302, "member": 403, "official": 403, "outsider": 403, "organizer": 403},
    )

    # Fresh signed viewing links: whoever may watch the session (the room's rule, 404 for others).
    watch_class = {"organizer": 200, "staff": 200, "member": 200, "official": 200}
    yield f"/live/{c}/links/", watch_class, 404
    yield f"/live/{s}/links/", {}, 200  # a public session: anyone, signed in or not
    # The hub's replay address: sends viewers on to a signed link, once there is a replay (none here);
    # a visitor who is not signed in is asked to sign in first.
    yield f"/live/{c}/replay/", {"anonymous": 302}, 404
    yield f"/live/{s}/replay/", {}, 404

    # Actions are POST only, and the media server's callbacks are POST only.
    for url in (
        f"/live/{c}/stream/rotate/",
        f"/live/{c}/stream/links/rotate/",
        f"/live/{c}/lecture/remove/",
        f"/live/{c}/lecture/stop/",
    ):
        yield url, {"anonymous": 302}, 405
    for event in ("on_publish", "on_update", "on_publish_done", "on_record_done"):
        yield f"/mediaserver/{event}", {}, 405
