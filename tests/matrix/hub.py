"""Pages of the hub app: home, the account page, invitations, /healthz."""

from partyorgs.models import Invitation
from partyorgs.services import invitation_create

EVERYONE = ["organizer", "merchant", "official", "member", "outsider", "staff", "anonymous"]


def setup(w):
    w.invitation = invitation_create(
        user=w.organizer,
        email="invited@example.com",
        role_kind=Invitation.RoleKind.MEMBER,
        organization=w.world.branch_a,
    )


def pages(w):
    everyone = dict.fromkeys(EVERYONE, 200)
    signed_in = {**everyone, "anonymous": 302}
    yield "/", everyone
    yield "/accounts/", signed_in
    yield "/healthz", everyone
    # Only organizers (for their subtree) and staff send invitations.
    yield "/accounts/invitations/", {"organizer": 200, "staff": 200, "anonymous": 302}, 403
    # The link of an invitation: a newcomer is sent to sign up; an account with another address may not use it.
    yield f"/invitations/{w.invitation.token}/", {"anonymous": 302}, 403
    yield "/invitations/not-a-token/", dict.fromkeys(EVERYONE, 404)
    # Sign-in pages of allauth, in the hub's look.
    yield "/accounts/login/", {**dict.fromkeys(EVERYONE, 302), "anonymous": 200}
    yield "/accounts/password/reset/", everyone
    yield "/accounts/signup/", {**dict.fromkeys(EVERYONE, 302), "anonymous": 200}
    yield "/accounts/password/change/", signed_in
    yield "/accounts/email/", signed_in
    # The admin is for hub staff; everyone else is sent to its sign-in page.
    for url in [
        "/admin/",
        "/admin/hub/user/",
        "/admin/partyorgs/partyorganization/",
        "/admin/partyorgs/enterprise/",
    ]:
        yield url, {"staff": 200}, 302
