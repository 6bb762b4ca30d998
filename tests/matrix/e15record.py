"""Pages of issue 15 (e15record): courseware downloads, the learning record, its rules and export, the
rankings; the console's and the class's POST-only actions answer GET with 405 (their permissions are tested in
tests/test_learning_views.py)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from livestreams.models import Courseware, LeaveRequest, LiveSession
from tests import factories as f

PDF = b"%PDF-1.4\n%%EOF\n"


def setup(w):
    now = timezone.now()
    s = f.LiveSessionFactory(
        host_organization=w.world.root_a,
        status=LiveSession.Status.ENDED,
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(hours=1),
        audience_orgs=[w.world.branch_a],
    )
    f.PartyClassFactory(session=s)
    item = Courseware(session=s, title="讲义", kind=Courseware.Kind.PDF, size=len(PDF))
    item.file.save("x.pdf", ContentFile(PDF), save=False)
    item.save()
    w.e15_class, w.e15_item = s, item
    w.e15_leave = LeaveRequest.objects.create(session=s, member=w.member.party_member, reason="出差")


def pages(w):
    anon = {"anonymous": 302}
    signed_in = dict.fromkeys(["organizer", "merchant", "official", "member", "outsider", "staff"], 200)
    s, item = w.e15_class, w.e15_item
    viewers = {"organizer": 200, "official": 200, "member": 200, "staff": 200, **anon}
    yield f"/classes/{s.pk}/courseware/{item.pk}/", viewers
    yield f"/classes/{s.pk}/courseware/999999/", {**anon}
    yield "/classes/learning/", {**signed_in, **anon}
    yield "/classes/learning/?year=abc&quarter=9", {**signed_in, **anon}
    # The export is the member's own record: people without one have nothing to export.
    yield "/classes/learning.xlsx", {"member": 200, **anon}
    # The rules are public: everyone may read how points are counted.
    yield "/classes/learning/rules/", dict.fromkeys([*signed_in, "anonymous"], 200)
    yield "/classes/learning/rankings/", {"organizer": 200, "official": 200, "staff": 200, **anon}, 403
    post_only = {**dict.fromkeys(signed_in, 405), **anon}
    yield f"/classes/{s.pk}/courseware/", post_only
    yield f"/classes/{s.pk}/courseware/{item.pk}/remove/", post_only
    yield f"/classes/{s.pk}/leave/", post_only
    yield f"/classes/{s.pk}/leave/{w.e15_leave.pk}/decide/", post_only
    yield f"/live/{s.pk}/replay/ping/", post_only
    yield f"/live/{s.pk}/end/", post_only
    yield f"/live/{s.pk}/cohosts/", post_only
    yield f"/live/{s.pk}/cohosts/{w.member.pk}/remove/", post_only
