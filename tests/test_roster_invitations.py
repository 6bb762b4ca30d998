"""Issue 14: invitations by mobile number or email that carry the person (name; for a Party member the branch,
status and date of joining the Party); accepting copies exactly that and invents nothing. A link sent by SMS
proves the number: the newcomer confirms their name and is signed in, with no email address."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from hub import sms
from hub.models import User
from partyorgs.models import Invitation, PartyMember, Role
from partyorgs.services import invitation_accept, invitation_accept_new_account, invitation_create
from tests import factories as f
from tests.support import client_for

pytestmark = pytest.mark.django_db
R = Invitation.RoleKind
ST = PartyMember.Status


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _link_path(text: str) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", text).group(1)


def test_an_organizer_invites_by_mobile_number_with_the_members_data_and_the_sms_goes_on_commit(
    organizer, world, django_capture_on_commit_callbacks
):
    client = client_for(organizer)
    data = {
        "name": "刘新党员",
        "phone": "138 1234 5678",
        "email": "",
        "role_kind": R.MEMBER,
        "organization": world.branch_a.pk,
        "member_status": ST.PROBATIONARY,
        "member_joined_on": "2024-07-01",
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/accounts/invitations/", data)
    assert response.status_code == 302
    assert sms.outbox == []  # nothing is sent before the invitation is committed
    for callback in callbacks:
        callback()
    inv = Invitation.objects.get()
    assert (inv.phone, inv.email, inv.name, inv.member_status, inv.member_joined_on) == (
        "+8613812345678",
        "",
        "刘新党员",
        ST.PROBATIONARY,
        date(2024, 7, 1),
    )
    [message] = sms.outbox
    assert message.phone == "+8613812345678"
    assert "孵化器联合党支部" in message.text and "邀请" in message.text
    assert _link_path(message.text) == f"/invitations/{inv.token}/"
    page = client.get("/accounts/invitations/").content.decode()
    assert "刘新党员" in page and "+8613812345678" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"phone": "12345", "email": ""}, "请输入11位中国大陆手机号"),
        ({"phone": "", "email": ""}, "请填写手机号或邮箱（二选一）"),
        ({"phone": "13812345678", "email": "a@example.com"}, "请填写手机号或邮箱（二选一）"),
        ({"phone": "13812345678", "member_joined_on": "2999-01-01"}, "入党日期不能晚于今天"),
        ({"phone": "13812345678", "member_joined_on": "not a date"}, "输入一个有效的日期"),
        ({"phone": "13812345678", "member_status": "boss"}, "选择一个有效的选项"),
        (
            {"phone": "13812345678", "role_kind": R.ORGANIZER, "member_status": ST.FULL},
            "只有党员才有党员状态和入党日期",
        ),
    ],
)
def test_bad_invitations_get_a_clear_message_and_nothing_is_sent(organizer, world, data, message):
    client = client_for(organizer)
    payload = {"name": "某人", "email": "", "role_kind": R.MEMBER, "organization": world.branch_a.pk, **data}
    response = client.post("/accounts/invitations/", payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists() and sms.outbox == []


def test_a_number_already_in_a_branch_is_refused_with_one_neutral_sentence(organizer, world):
    elsewhere = f.MemberFactory(
        user=User.objects.create_user(None, phone="+8613900000001"), branch=world.branch_b
    )
    with pytest.raises(ValidationError) as refused:
        invitation_create(
            user=organizer, phone="139 0000 0001", role_kind=R.MEMBER, organization=world.branch_a
        )
    text = " ".join(refused.value.messages)
    assert "一名党员只能属于一个党支部" in text
    assert world.branch_b.name not in text and elsewhere.branch.name not in text
    assert not Invitation.objects.exists()


def test_the_sms_link_makes_a_signed_in_account_with_the_number_and_exactly_the_entered_data(
    client, organizer, world
):
    inv = invitation_create(
        user=organizer,
        phone="13812345678",
        role_kind=R.MEMBER,
        organization=world.branch_a,
        name="刘新党员",
        member_status=ST.PROBATIONARY,
        member_joined_on=date(2024, 7, 1),
    )
    page = client.get(f"/invitations/{inv.token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="刘新党员"' in body and "138****5678" in body
    # An empty name is refused, nothing is created.
    response = client.post(f"/invitations/{inv.token}/", {"name": "  "})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    assert not User.objects.filter(phone="+8613812345678").exists()

    response = client.post(f"/invitations/{inv.token}/", {"name": "刘新"})
    assert response["Location"] == "/accounts/"
    user = User.objects.get(phone="+8613812345678")
    assert client.session["_auth_user_id"] == str(user.pk)  # signed in at once
    assert (user.name, user.email, user.phone_verified, user.has_usable_password()) == (
        "刘新",
        None,
        True,
        False,
    )
    member = user.party_member
    assert (member.branch, member.status, member.joined_on) == (
        world.branch_a,
        ST.PROBATIONARY,
        date(2024, 7, 1),
    )
    inv.refresh_from_db()
    assert inv.accepted_by == user
    # The link works once.
    assert client.get(f"/invitations/{inv.token}/").status_code == 404


def test_accepting_never_invents_a_date_or_a_status(organizer, world):
    inv = invitation_create(
        user=organizer, phone="13812345678", role_kind=R.MEMBER, organization=world.branch_a
    )
    user = invitation_accept_new_account(token=inv.token, name="王五")
    member = PartyMember.objects.get(user=user)
    assert (member.status, member.joined_on) == ("", None)
    page = client_for(organizer).get(f"/orgs/{world.branch_a.pk}/roster/").content.decode()
    assert "王五" in page and page.count("未填写") >= 2


def test_an_email_newcomer_confirms_the_name_and_the_roster_shows_it_not_the_address(
    client, organizer, world
):
    inv = invitation_create(
        user=organizer,
        email="new@example.com",
        role_kind=R.MEMBER,
        organization=world.branch_a,
        name="赵新",
        member_status=ST.FULL,
    )
    signup = client.get(client.get(f"/invitations/{inv.token}/")["Location"]).content.decode()
    assert 'value="赵新"' in signup
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "name": "赵新",
            "password1": "Xq9!long-pass",
            "password2": "Xq9!long-pass",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.name == "赵新" and str(user) == "赵新"
    assert (user.party_member.status, user.party_member.joined_on) == (ST.FULL, None)


def test_a_number_with_an_account_signs_in_then_accepts_and_the_member_record_attaches(
    client, organizer, world
):
    user = f.UserFactory(email="old@example.com", phone="+8613812345678", name="老用户")
    inv = invitation_create(
        user=organizer, phone="13812345678", role_kind=R.MEMBER, organization=world.branch_a, name="别名"
    )
    response = client.get(f"/invitations/{inv.token}/")
    assert response["Location"].startswith("/accounts/login/")
    signed_in = client_for(user)
    assert "接受邀请" in signed_in.get(f"/invitations/{inv.token}/").content.decode()
    signed_in.post(f"/invitations/{inv.token}/")
    user.refresh_from_db()
    assert user.party_member.branch == world.branch_a
    assert user.name == "老用户"  # a name the person already has is theirs
    assert user.phone_verified


def test_a_signed_in_person_without_a_number_takes_the_invited_number(organizer, world, merchant):
    inv = invitation_create(
        user=organizer, phone="13812345678", role_kind=R.ORGANIZER, organization=world.branch_a
    )
    assert invitation_accept(token=inv.token, user=merchant)
    merchant.refresh_from_db()
    assert (merchant.phone, merchant.phone_verified) == ("+8613812345678", True)
    assert Role.objects.filter(user=merchant, kind=Role.Kind.ORGANIZER, organization=world.branch_a).exists()


def test_someone_else_signed_in_cannot_accept_and_is_told_neutrally(organizer, world):
    f.UserFactory(email="owner@example.com", phone="+8613812345678")
    other = f.UserFactory(email="other@example.com", phone="+8613900000009")
    inv = invitation_create(
        user=organizer, phone="13812345678", role_kind=R.MEMBER, organization=world.branch_a
    )
    client = client_for(other)
    response = client.get(f"/invitations/{inv.token}/")
    assert response.status_code == 403
    assert "138****5678" in response.content.decode() and "owner@example.com" not in response.content.decode()
    client.post(f"/invitations/{inv.token}/")
    assert not PartyMember.objects.filter(user=other).exists()
    assert not invitation_accept(token=inv.token, user=other)


def test_a_member_of_a_branch_accepting_another_member_invitation_gets_nothing(
    client, organizer, member, world
):
    # The account got its branch after the invitation was sent.
    inv = invitation_create(
        user=organizer, phone="13812345678", role_kind=R.MEMBER, organization=world.branch_a2
    )
    User.objects.filter(pk=member.pk).update(phone="+8613812345678")
    member.refresh_from_db()
    signed_in = client_for(member)
    response = signed_in.post(f"/invitations/{inv.token}/", follow=True)
    assert "一名党员只能属于一个党支部" in response.content.decode()
    assert PartyMember.objects.get(user=member).branch == world.branch_a
    inv.refresh_from_db()
    assert inv.accepted_at is None


def test_the_link_of_a_phone_invitation_cannot_create_an_account_for_a_taken_number(organizer, world):
    inv = invitation_create(
        user=organizer, phone="13812345678", role_kind=R.MEMBER, organization=world.branch_a
    )
    User.objects.create_user(None, phone="+8613812345678")
    with pytest.raises(ValidationError, match="该手机号已有账号"):
        invitation_accept_new_account(token=inv.token, name="某人")
    assert User.objects.filter(phone="+8613812345678").count() == 1
