"""Writes of the registry app: invitations (the only way to sign up while public sign-up is off)."""

from __future__ import annotations

from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub.emails import email_queue
from hub.language import user_language
from hub.models import User
from hub.sms import phone_normalize, sms_send
from partyorgs.models import (
    Enterprise,
    Invitation,
    PartyMember,
    PartyOrganization,
    Region,
    Role,
    RosterChange,
)
from partyorgs.permissions import Scope, get_scope
from partyorgs.selectors import invitation_acceptable_by

INVITATION_DAYS = 14


def _invitation_allowed(
    *, scope: Scope, role_kind: str, organization: PartyOrganization | None
) -> str | None:
    """Why the user may not send this invitation, or None when they may."""
    is_member_in_branch = organization is None or organization.kind == PartyOrganization.Kind.BRANCH
    if role_kind == Invitation.RoleKind.MEMBER and not is_member_in_branch:
        return _("A Party member belongs to a branch: choose a Party branch.")
    if scope.is_staff:
        return None
    if not scope.is_organizer:
        return _("Only organizers and hub staff send invitations.")
    if role_kind not in (Invitation.RoleKind.MEMBER, Invitation.RoleKind.ORGANIZER):
        return _("Organizers invite Party members and organizers; ask hub staff for other roles.")
    if organization is None or not scope.manages_org_path(organization.path):
        return _("Choose an organization that you manage.")
    return None


def _phone_or_error(raw: str) -> str:
    """The stored form of a typed number; the message goes on the form's phone field."""
    try:
        return phone_normalize(raw)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None


def account_for_contact(*, email: str = "", phone: str = "") -> User | None:
    """The account that has this address or (stored) number, if any."""
    if phone:
        return User.objects.filter(phone=phone).first()
    if email:
        return User.objects.filter(email__iexact=email).first()
    return None


def waiting_invitations(
    *,
    email: str = "",
    phone: str = "",
    role_kind: str,
    organization: PartyOrganization | None = None,
    region: Region | None = None,
    enterprise: Enterprise | None = None,
) -> QuerySet[Invitation]:
    """Usable invitations to this address or number for this role and scope."""
    contact = Q(phone=phone) if phone else Q(email__iexact=email)
    return Invitation.objects.filter(
        contact,
        role_kind=role_kind,
        organization=organization,
        region=region,
        enterprise=enterprise,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


# One neutral sentence whatever the reason and wherever else the person is: what lies outside the inviter's
# scope is not theirs to learn.
def one_branch_message() -> str:
    return _("This person cannot be invited as a Party member: a person belongs to one branch only.")


def invitation_link(invitation: Invitation, base_url: str = "") -> str:
    return (base_url or settings.HUB_PUBLIC_URL).rstrip("/") + reverse(
        "partyorgs:invitation_open", args=[invitation.token]
    )


def _invitation_sms_text(invitation: Invitation, *, user: User, link: str, recipient: User | None) -> str:
    """The text message, in the language of the account that has the number when it chose one (someone
    invited to one more role), else in the site's (a newcomer has no account, hence no language yet)."""
    with translation.override(user_language(recipient)):
        return _(
            "%(inviter)s invites you to %(site)s as %(role)s of %(scope)s. Open this link within %(days)s days "
            "to join: %(link)s"
        ) % {
            "inviter": str(user),
            "site": str(settings.HUB_SITE_NAME),
            "role": invitation.get_role_kind_display(),
            "scope": str(invitation.scope),
            "days": INVITATION_DAYS,
            "link": link,
        }


@transaction.atomic
def invitation_create(
    *,
    user: User,
    role_kind: str,
    email: str = "",
    phone: str = "",
    organization: PartyOrganization | None = None,
    region: Region | None = None,
    enterprise: Enterprise | None = None,
    name: str = "",
    member_status: str = "",
    member_joined_on: date | None = None,
    base_url: str = "",
    days: int = INVITATION_DAYS,
) -> Invitation:
    """Store an invitation and, once committed, send its link: by email (the outbox, in this transaction) or
    by SMS (hub.sms.sms_send, after commit) to the mobile number. Exactly one of email and phone.

    The invitation carries what the organizer knows of the person (name; for a Party member the status and
    the date of joining the Party); accepting copies exactly that. Raises ValidationError (with a message for
    the form) when the inviter may not invite to that role or scope, when the person already holds the role,
    or when an invitation for it is still waiting.
    """
    email = (email or "").strip().lower()
    phone = _phone_or_error(phone) if (phone or "").strip() else ""
    denied = _invitation_allowed(scope=get_scope(user), role_kind=role_kind, organization=organization)
    if denied:
        raise ValidationError(denied)
    invitation = Invitation(
        email=email,
        phone=phone,
        role_kind=role_kind,
        organization=organization,
        region=region,
        enterprise=enterprise,
        name=(name or "").strip(),
        member_status=member_status or "",
        member_joined_on=member_joined_on,
        created_by=user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    invitation.full_clean()
    existing = account_for_contact(email=email, phone=phone)
    if existing is not None:
        if role_kind == Invitation.RoleKind.MEMBER and hasattr(existing, "party_member"):
            raise ValidationError(one_branch_message())
        if Role.objects.filter(
            user=existing, kind=role_kind, organization=organization, region=region, enterprise=enterprise
        ).exists():
            raise ValidationError(_("This person already holds this role."))
    waiting = waiting_invitations(
        email=email,
        phone=phone,
        role_kind=role_kind,
        organization=organization,
        region=region,
        enterprise=enterprise,
    )
    if waiting.exists():
        if phone:
            raise ValidationError(_("An invitation to this number for this role is already waiting."))
        raise ValidationError(_("An invitation to this address for this role is already waiting."))
    invitation.save()
    link = invitation_link(invitation, base_url)
    if phone:
        text = _invitation_sms_text(invitation, user=user, link=link, recipient=existing)
        # Providers with approved templates get the invitation template's variables.
        params = {"scope": str(invitation.scope)[:35], "link": link}
        # After commit, robust: a provider that fails is logged and the inviter can still share the link.
        transaction.on_commit(
            lambda: sms_send(phone=phone, text=text, params=params, template="invitation"), robust=True
        )
        return invitation
    # The outbox row is part of this transaction: no invitation without its email, no email without it.
    email_queue(
        recipients=[existing if existing is not None and existing.is_active else email],
        template="emails/invitation",
        context=lambda: {
            "invitation": invitation,
            "link": link,
            "inviter": str(user),
            "role": invitation.get_role_kind_display(),
            "scope": str(invitation.scope),
        },
    )
    return invitation


def invitation_revoke(*, invitation: Invitation, user: User) -> bool:
    """Withdraw a waiting invitation; returns False when it was already withdrawn. An accepted one stays."""
    if invitation.accepted_at is not None:
        raise ValidationError(
            _("This invitation was already accepted; remove the role in the admin instead.")
        )
    changed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    return changed == 1


def _take_contact(*, invitation: Invitation, user: User) -> None:
    """The click on the link proves the address or number it was sent to: it is set and marked verified."""
    if invitation.phone:
        user.phone = invitation.phone
        user.phone_verified = True
    elif not user.email:
        # An account without an address (made by SMS) accepts an emailed link: the address becomes theirs.
        user.email = invitation.email
        EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    else:
        # At sign-up allauth writes the address afterwards (verified from the stash); here it exists already.
        EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
    if invitation.name and not user.name:
        user.name = invitation.name
    user.save(update_fields=["email", "phone", "phone_verified", "name"])


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> bool:
    """Grant what the invitation names to the user; a used, withdrawn or expired invitation grants nothing,
    nor one sent to somebody else (invitation_acceptable_by).

    A Party member's record takes exactly what the organizer entered (status and date of joining may stay
    unset). The conditional update makes a double submit grant once. Raises ValidationError when the account
    already belongs to a branch (nothing is granted then).
    """
    invitation = Invitation.objects.filter(token=token).first()
    if invitation is None or not invitation_acceptable_by(invitation=invitation, user=user):
        return False
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if claimed != 1:
        return False
    inv = invitation
    if inv.role_kind == Invitation.RoleKind.MEMBER:
        assert inv.organization is not None  # Invitation.clean: a member invitation names their branch
        if PartyMember.objects.filter(user=user).exists():
            raise ValidationError(one_branch_message())
        member = PartyMember(
            user=user,
            branch=inv.organization,
            status=inv.member_status,
            joined_on=inv.member_joined_on,
        )
        member.full_clean()
        member.save()
    else:
        Role.objects.get_or_create(
            user=user,
            kind=inv.role_kind,
            region=inv.region,
            organization=inv.organization,
            enterprise=inv.enterprise,
        )
    _take_contact(invitation=inv, user=user)
    return True


@transaction.atomic
def invitation_accept_new_account(*, token: str, name: str) -> User:
    """Accept an invitation sent by SMS as a newcomer: the link proves the number, so the account is created
    with that number (verified), the name the person confirmed, no email address and no password (later
    sign-ins use an SMS code). Raises ValidationError when the link is no longer usable or the number already
    has an account (then the person signs in and accepts)."""
    name = (name or "").strip()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(token=token, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None or not invitation.phone:
        raise ValidationError(_("This invitation link is no longer valid."))
    if User.objects.filter(phone=invitation.phone).exists():
        raise ValidationError(_("This number already has an account: sign in to accept the invitation."))
    if not name:
        raise ValidationError({"name": _("Enter your name.")})
    user = User(phone=invitation.phone, phone_verified=True, name=name, email=None)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if not invitation_accept(token=token, user=user):
        raise ValidationError(_("This invitation link is no longer valid."))
    return user


# --- The roster -----------------------------------------------------------------------------------------


def _shown(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@transaction.atomic
def member_update(
    *,
    user: User,
    member: PartyMember,
    name: str,
    status: str,
    joined_on: date | None,
    left_on: date | None,
) -> list[dict[str, str]]:
    """Correct a member's roster data (an organizer of the branch's subtree, or hub staff). Leaving the branch
    (left_on) keeps the record: from that day the member is out of the branch's audience, attendance and
    counts. Every change is written to RosterChange with who made it; returns the changes."""
    scope = get_scope(user)
    if not (scope.is_staff or scope.manages_org_path(member.branch.path)):
        raise ValidationError(_("Choose a member of a branch you manage."))
    account = member.user
    before = {
        "name": account.name,
        "status": member.status,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
    }
    account.name = (name or "").strip()
    member.status, member.joined_on, member.left_on = status or "", joined_on, left_on
    member.full_clean()
    account.full_clean(exclude=["password"])
    labels = {
        "name": str(_("Name")),
        "status": str(_("Status")),
        "joined_on": str(_("Joined the Party on")),
        "left_on": str(_("Left the branch on")),
    }
    after = {"name": account.name, "status": member.status, "joined_on": joined_on, "left_on": left_on}
    changes = [
        {"field": labels[key], "before": _shown(before[key]), "after": _shown(after[key])}
        for key in labels
        if before[key] != after[key]
    ]
    if not changes:
        return []
    account.save(update_fields=["name"])
    member.save(update_fields=["status", "joined_on", "left_on"])
    RosterChange.objects.create(member=member, user=user, changes=changes)
    return changes
