from livestreams.models import LiveSession
from tests import factories as f

S = LiveSession.Status


def setup(w):
    world = w.world
    w.room_private = f.LiveSessionFactory(
        host_organization=world.root_a, status=S.LIVE, audience_orgs=[world.branch_a]
    )
    w.room_public = f.LiveSessionFactory(
        kind=LiveSession.Kind.SALES,
        host_organization=None,
        host_enterprise=world.enterprise_a,
        status=S.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
    )
    w.room_draft = f.LiveSessionFactory(host_organization=world.root_a, status=S.DRAFT)
    w.room_elsewhere = f.LiveSessionFactory(
        host_organization=world.root_b, status=S.LIVE, audience_orgs=[world.branch_b]
    )


def pages(w):
    # Anonymous visitors are asked to sign in for anything that is not public (whether or not it exists).
    yield (
        f"/live/{w.room_private.pk}/",
        {"organizer": 200, "official": 200, "member": 200, "staff": 200, "anonymous": 302},
    )
    yield f"/live/{w.room_public.pk}/", {}, 200
    yield f"/live/{w.room_draft.pk}/", {"organizer": 200, "staff": 200, "anonymous": 302}
    yield f"/live/{w.room_elsewhere.pk}/", {"staff": 200, "anonymous": 302}
    yield "/live/999999/", {"anonymous": 302}
