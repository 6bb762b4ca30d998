"""The class's polls and quiz questions (prepared before the class, opened from the room): its managers only."""

from livestreams.models import LiveSession
from tests import factories as f
from tests.interaction_helpers import prepare


def setup(w):
    pc = f.PartyClassFactory(
        session__host_organization=w.world.root_a, session__audience_orgs=[w.world.branch_a]
    )
    w.ia_class = pc.session
    w.ia_poll = prepare(w.ia_class, w.organizer, quiz=True)
    w.ia_elsewhere = f.PartyClassFactory(
        session__host_organization=w.world.root_b, session__audience_orgs=[w.world.branch_b]
    ).session
    w.ia_sales = f.SalesSessionFactory(
        enterprise=w.world.enterprise_a, session__status=LiveSession.Status.LIVE
    ).session


def pages(w):
    anon = {"anonymous": 302}
    # Managers prepare; people who can see the class but not manage it get 403, everyone else 404.
    managers = {"organizer": 200, "staff": 200, "official": 403, "member": 403, **anon}
    c, p = w.ia_class.pk, w.ia_poll.pk
    yield f"/classes/{c}/polls/", managers
    yield f"/classes/{c}/polls/{p}/edit/", managers
    yield f"/classes/{c}/polls/999999/edit/", {**managers, "organizer": 404, "staff": 404}
    yield f"/classes/{w.ia_elsewhere.pk}/polls/", {"staff": 200, **anon}
    # A sales session has no polls page (it is not a class), whoever asks.
    yield f"/classes/{w.ia_sales.pk}/polls/", {**anon}
    # Deleting is POST only.
    yield f"/classes/{c}/polls/{p}/delete/", {**anon}, 405
