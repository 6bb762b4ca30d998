"""Helpers of the room-interaction tests: a class with prepared polls, more members of the class's branch."""

from __future__ import annotations

from livestreams.models import LiveSession, Poll
from livestreams.services.interaction import poll_save
from tests import factories as f


def live_class(world, status=LiveSession.Status.LIVE) -> LiveSession:
    """A live Party class of subdistrict A for the incubator branch (the member's branch)."""
    pc = f.PartyClassFactory(
        session__host_organization=world.root_a,
        session__status=status,
        session__audience_orgs=[world.branch_a],
    )
    return pc.session


def members(world, n: int, start: int = 1) -> list:
    return [
        f.MemberFactory(
            user=f.UserFactory(email=f"m{i}@example.com", name=f"党员{i}"), branch=world.branch_a
        ).user
        for i in range(start, start + n)
    ]


def prepare(
    session, organizer, *, quiz=False, multiple=False, prompt=None, options=("甲", "乙", "丙"), correct=(2,)
):
    return poll_save(
        session=session,
        user=organizer,
        kind=Poll.Kind.QUIZ if quiz else Poll.Kind.POLL,
        prompt=prompt or ("随堂测验：党的二十大召开于哪一年？" if quiz else "今天的课讲得清楚吗？"),
        multiple=multiple,
        options=list(options),
        correct=list(correct) if quiz else [],
    )
