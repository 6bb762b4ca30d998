"""Pages of the roster (issue 14): organizers keep the rosters of the branches of their subtree, hub staff all
of them; a branch or member outside the subtree does not exist for them (404); people without the organizer
role get 403. An import's page is its uploader's only. An invitation by SMS opens for anyone holding the link:
the link proves the number (a newcomer confirms a name; a signed-in person without a number may take it)."""

from partyorgs.models import Invitation, RosterImport
from partyorgs.services import invitation_create
from tests import factories as f

NO_ROLE = {"official": 403, "member": 403, "merchant": 403, "outsider": 403, "anonymous": 302}


def setup(w):
    world = w.world
    w.roster_member_a = w.member.party_member
    w.roster_member_b = f.MemberFactory(
        user=f.UserFactory(email="roster.b@example.com", name="外党员"), branch=world.branch_b
    )
    w.roster_import = RosterImport.objects.create(
        user=w.organizer, branch=world.branch_a, file_name="名册.xlsx", state=RosterImport.State.IMPORTED
    )
    w.phone_invitation = invitation_create(
        user=w.organizer,
        phone="13812345678",
        role_kind=Invitation.RoleKind.MEMBER,
        organization=world.branch_a,
        name="刘新",
    )


def pages(w):
    world = w.world
    mine = {"organizer": 200, "staff": 200, **NO_ROLE}
    outside = {"staff": 200, "organizer": 404, **NO_ROLE}
    for suffix in ("", "import/", "template/"):
        yield f"/orgs/{world.branch_a.pk}/roster/{suffix}", mine
        yield f"/orgs/{world.branch_b.pk}/roster/{suffix}", outside
    # A committee is not a branch: no roster.
    yield f"/orgs/{world.committee_a.pk}/roster/", {"staff": 404, "organizer": 404, **NO_ROLE}
    yield "/orgs/0/roster/", {"staff": 404, "organizer": 404, **NO_ROLE}
    yield f"/roster/members/{w.roster_member_a.pk}/", mine
    yield f"/roster/members/{w.roster_member_b.pk}/", outside
    yield f"/roster/imports/{w.roster_import.pk}/", {"organizer": 200, "staff": 404, **NO_ROLE}
    everyone = dict.fromkeys(
        ["organizer", "merchant", "official", "member", "outsider", "staff", "anonymous"], 200
    )
    yield f"/invitations/{w.phone_invitation.token}/", everyone
