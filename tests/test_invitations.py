"""Invitation links: organizers invite into their subtree, staff invite anyone; the link signs a newcomer up
with a verified address, or lets an existing account accept after signing in."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from hub.emails import emails_deliver
from hub.models import User
from partyorgs.models import Invitation, PartyMember, Role
from partyorgs.services import invitation_accept, invitation_create
from tests import factories as f

pytestmark = pytest.mark.django_db
R = Invitation.RoleKind


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _invite(client, **data):
    return client.post("/accounts/invitations/", data)


def _path(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)


def test_an_organizer_invites_a_member_into_a_branch_of_their_subtree(
    client, organizer, world, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        resp = _invite(
            client, email="New.Member@example.com", role_kind=R.MEMBER, organization=world.branch_a.pk
        )
    assert resp.status_code == 302
    inv = Invitation.objects.get()
    assert (inv.email, inv.role_kind, inv.organization, inv.created_by) == (
        "new.member@example.com",
        R.MEMBER,
        world.branch_a,
        organizer,
    )
    assert emails_deliver() == 1  # the outbox row written with the invitation; the task does this on commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.member@example.com"]
    assert "邀请" in message.subject
    assert "孵化器联合党支部" in message.body
    assert _path(message) == f"/invitations/{inv.token}/"
    assert inv.token in client.get("/accounts/invitations/").content.decode()


def test_an_organizer_invites_an_organizer_for_an_organization_of_their_subtree(client, organizer, world):
    client.force_login(organizer)
    _invite(client, email="sec@example.com", role_kind=R.ORGANIZER, organization=world.committee_a.pk)
    assert Invitation.objects.get().organization == world.committee_a


@pytest.mark.parametrize(
    "data, message",
    [
        ({"role_kind": R.MEMBER, "organization": "other-subtree"}, "选择一个有效的选项"),
        ({"role_kind": R.MEMBER, "organization": "committee"}, "党员隶属于党支部"),
        ({"role_kind": R.OFFICIAL, "organization": "branch"}, "选择一个有效的选项"),
        ({"role_kind": R.MEMBER, "organization": ""}, "这个字段是必填项"),
        (
            {"role_kind": R.MEMBER, "organization": "branch", "email": "not-an-address"},
            "请输入有效的电子邮件地址",
        ),
    ],
)
def test_an_organizer_cannot_invite_outside_their_subtree_or_to_other_roles(
    client, organizer, world, data, message
):
    orgs = {
        "other-subtree": world.branch_b.pk,
        "committee": world.committee_a.pk,
        "branch": world.branch_a.pk,
        "": "",
    }
    client.force_login(organizer)
    resp = _invite(client, **{"email": "x@example.com", **data, "organization": orgs[data["organization"]]})
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_the_service_refuses_what_the_form_would_not_offer(organizer, member, world):
    with pytest.raises(ValidationError, match="请选择您管理的党组织"):
        invitation_create(
            user=organizer, email="x@example.com", role_kind=R.MEMBER, organization=world.branch_b
        )
    with pytest.raises(ValidationError, match="只有组织者和平台管理员"):
        invitation_create(user=member, email="x@example.com", role_kind=R.MEMBER, organization=world.branch_a)
    assert not Invitation.objects.exists()


def test_staff_too_invite_members_only_into_a_branch(staff, world):
    with pytest.raises(ValidationError, match="党员隶属于党支部"):
        invitation_create(user=staff, email="x@example.com", role_kind=R.MEMBER, organization=world.root_b)
    assert not Invitation.objects.exists()


def test_staff_invite_officials_and_merchants(client, staff, world):
    client.force_login(staff)
    _invite(client, email="leader@example.com", role_kind=R.OFFICIAL, region=world.district_a.pk)
    _invite(client, email="shop@example.com", role_kind=R.MERCHANT, enterprise=world.enterprise_b.pk)
    assert set(Invitation.objects.values_list("email", "role_kind")) == {
        ("leader@example.com", R.OFFICIAL),
        ("shop@example.com", R.MERCHANT),
    }
    resp = _invite(client, email="bad@example.com", role_kind=R.OFFICIAL, organization=world.root_a.pk)
    assert "该角色必须填写此项" in resp.content.decode()


def test_people_who_may_not_invite_are_refused(client, member, merchant, official, outsider):
    for user in (member, merchant, official, outsider):
        client.force_login(user)
        assert client.get("/accounts/invitations/").status_code == 403
        assert client.post("/accounts/invitations/", {"email": "x@example.com"}).status_code == 403
    assert not Invitation.objects.exists()


def test_a_second_invitation_for_the_same_role_is_refused_while_one_waits(organizer, world):
    invitation_create(user=organizer, email="a@example.com", role_kind=R.MEMBER, organization=world.branch_a)
    with pytest.raises(ValidationError, match="尚待接受"):
        invitation_create(
            user=organizer, email="A@example.com", role_kind=R.MEMBER, organization=world.branch_a
        )


def test_a_newcomer_signs_up_through_the_link_verified_and_with_the_role(client, organizer, world):
    inv = invitation_create(
        user=organizer, email="new@example.com", role_kind=R.MEMBER, organization=world.branch_a
    )
    resp = client.get(f"/invitations/{inv.token}/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/accounts/signup/?email=new%40example.com")
    page = client.get(resp["Location"])
    assert page.status_code == 200
    assert 'value="new@example.com"' in page.content.decode()
    resp = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "name": "新党员",
            "password1": "Xq9!long-pass",
            "password2": "Xq9!long-pass",
        },
    )
    assert resp.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert client.session["_auth_user_id"] == str(
        user.pk
    )  # signed in at once: the click verified the address
    assert EmailAddress.objects.get(user=user).verified
    assert PartyMember.objects.get(user=user).branch == world.branch_a
    inv.refresh_from_db()
    assert inv.accepted_by == user and inv.status == "accepted"
    assert mail.outbox == []  # no verification email needed


def test_sign_up_through_a_link_must_use_the_invited_address(client, organizer, world):
    inv = invitation_create(
        user=organizer, email="new@example.com", role_kind=R.MEMBER, organization=world.branch_a
    )
    client.get(f"/invitations/{inv.token}/")
    resp = client.post(
        "/accounts/signup/",
        {"email": "other@example.com", "password1": "Xq9!long-pass", "password2": "Xq9!long-pass"},
    )
    assert resp.status_code == 200
    assert "请使用收到邀请的邮箱：new@example.com" in resp.content.decode()
    assert not User.objects.filter(email="other@example.com").exists()


def test_someone_with_an_account_signs_in_and_accepts(client, organizer, member, world):
    inv = invitation_create(
        user=organizer, email=member.email, role_kind=R.ORGANIZER, organization=world.branch_a
    )
    resp = client.get(f"/invitations/{inv.token}/")
    assert resp["Location"] == f"/accounts/login/?next=%2Finvitations%2F{inv.token}%2F"
    resp = client.post(resp["Location"], {"login": member.email, "password": "pw-for-tests-123"})
    assert resp["Location"] == f"/invitations/{inv.token}/"
    assert "接受邀请" in client.get(resp["Location"]).content.decode()
    client.post(f"/invitations/{inv.token}/")
    assert Role.objects.filter(user=member, kind=Role.Kind.ORGANIZER, organization=world.branch_a).exists()


def test_the_wrong_account_cannot_accept(client, organizer, merchant, world):
    inv = invitation_create(
        user=organizer, email="someone@example.com", role_kind=R.MEMBER, organization=world.branch_a
    )
    client.force_login(merchant)
    resp = client.post(f"/invitations/{inv.token}/")
    assert resp.status_code == 403
    assert "该邀请发送给 someone@example.com" in resp.content.decode()
    assert not PartyMember.objects.filter(user=merchant).exists()
    assert invitation_accept(token=inv.token, user=merchant) is False


def test_a_link_works_once(client, organizer, member, world):
    inv = invitation_create(
        user=organizer, email=member.email, role_kind=R.ORGANIZER, organization=world.branch_a
    )
    assert invitation_accept(token=inv.token, user=member) is True
    assert invitation_accept(token=inv.token, user=member) is False
    assert Role.objects.filter(user=member, kind=Role.Kind.ORGANIZER).count() == 1
    resp = client.get(f"/invitations/{inv.token}/")
    assert resp.status_code == 404
    assert "邀请链接无效" in resp.content.decode()


def test_expired_withdrawn_and_unknown_links_are_not_valid(client, organizer, world):
    expired = invitation_create(
        user=organizer, email="a@example.com", role_kind=R.MEMBER, organization=world.branch_a
    )
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    withdrawn = invitation_create(
        user=organizer, email="b@example.com", role_kind=R.MEMBER, organization=world.branch_a
    )
    client.force_login(organizer)
    client.post(f"/accounts/invitations/{withdrawn.pk}/withdraw/")
    client.logout()
    for token in (expired.token, withdrawn.token, "no-such-token"):
        assert client.get(f"/invitations/{token}/").status_code == 404
    # A link that is not valid opens no sign-up.
    assert "通过邀请注册" in client.get("/accounts/signup/").content.decode()


def test_withdrawing_twice_or_an_accepted_invitation_changes_nothing(client, organizer, member, world):
    inv = invitation_create(
        user=organizer, email="a@example.com", role_kind=R.MEMBER, organization=world.branch_a
    )
    client.force_login(organizer)
    client.post(f"/accounts/invitations/{inv.pk}/withdraw/")
    resp = client.post(f"/accounts/invitations/{inv.pk}/withdraw/", follow=True)
    assert "该邀请已撤回" in resp.content.decode()
    accepted = invitation_create(
        user=organizer, email=member.email, role_kind=R.ORGANIZER, organization=world.branch_a
    )
    invitation_accept(token=accepted.token, user=member)
    resp = client.post(f"/accounts/invitations/{accepted.pk}/withdraw/", follow=True)
    assert "该邀请已被接受" in resp.content.decode()
    accepted.refresh_from_db()
    assert accepted.revoked_at is None


def test_invitations_outside_the_scope_cannot_be_withdrawn(client, organizer, other_organizer, world):
    inv = invitation_create(
        user=other_organizer, email="a@example.com", role_kind=R.MEMBER, organization=world.branch_b
    )
    client.force_login(organizer)
    assert client.post(f"/accounts/invitations/{inv.pk}/withdraw/").status_code == 404
    assert "a@example.com" not in client.get("/accounts/invitations/").content.decode()
    inv.refresh_from_db()
    assert inv.revoked_at is None


def test_a_member_cannot_be_invited_twice(organizer, member, world):
    with pytest.raises(ValidationError, match="一名党员只能属于一个党支部"):
        invitation_create(
            user=organizer, email=member.email, role_kind=R.MEMBER, organization=world.branch_a2
        )


@pytest.mark.parametrize("where", ["own subtree", "other region"])
def test_the_refusal_never_names_the_branch_or_region_of_an_address(client, organizer, world, where):
    """Issue 11 item 12: the form told any organizer which branch, in any region, an address belongs to."""
    branch = world.branch_a2 if where == "own subtree" else world.branch_b
    f.MemberFactory(user=f.UserFactory(email="someone@example.com"), branch=branch)
    client.force_login(organizer)
    resp = _invite(client, email="SomeOne@example.com", role_kind=R.MEMBER, organization=world.branch_a.pk)
    html = resp.content.decode()
    assert resp.status_code == 200 and "一名党员只能属于一个党支部" in html
    # Nothing outside the inviter's scope is named (their own organizations are in the form's choices).
    for name in (world.branch_b.name, world.root_b.name, world.sub_b.name):
        assert name not in html
    assert not Invitation.objects.exists() and mail.outbox == []


def test_staff_see_every_invitation_and_organizers_those_of_their_subtree(
    client, organizer, other_organizer, staff, world
):
    invitation_create(
        user=other_organizer, email="b@example.com", role_kind=R.MEMBER, organization=world.branch_b
    )
    invitation_create(user=staff, email="a@example.com", role_kind=R.MEMBER, organization=world.branch_a)
    client.force_login(staff)
    html = client.get("/accounts/invitations/").content.decode()
    assert "a@example.com" in html and "b@example.com" in html
    client.force_login(organizer)
    html = client.get("/accounts/invitations/").content.decode()
    assert "a@example.com" in html and "b@example.com" not in html
