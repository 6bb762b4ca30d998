"""Writes of the registry app: invitations (the only way to sign up while public sign-up is off)."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.emails import email_queue
from hub.models import User
from partyorgs.models import Enterprise, Invitation, PartyMember, PartyOrganization, Region, Role
from partyorgs.permissions import Scope, get_scope

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


@transaction.atomic
def invitation_create(
    *,
    user: User,
    email: str,
    role_kind: str,
    organization: PartyOrganization | None = None,
    region: Region | None = None,
    enterprise: Enterprise | None = None,
    base_url: str = "",
    days: int = INVITATION_DAYS,
) -> Invitation:
    """Store an invitation and, once committed, email its link to the address.

    Raises ValidationError (with a message for the form) when the inviter may not invite to that role or
    scope, when the person already holds the role, or when an invitation for it is still waiting.
    """
    email = (email or "").strip().lower()
    denied = _invitation_allowed(scope=get_scope(user), role_kind=role_kind, organization=organization)
    if denied:
        raise ValidationError(denied)
    invitation = Invitation(
        email=email,
        role_kind=role_kind,
        organization=organization,
        region=region,
        enterprise=enterprise,
        created_by=user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    invitation.full_clean()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # Never name what lies outside the inviter's scope: whether and where else the address is a member is
        # not the inviter's to learn. The same neutral sentence for any branch.
        if role_kind == Invitation.RoleKind.MEMBER and hasattr(existing, "party_member"):
            raise ValidationError(
                _("This address cannot be invited as a Party member: a person belongs to one branch only.")
            )
        if Role.objects.filter(
            user=existing, kind=role_kind, organization=organization, region=region, enterprise=enterprise
        ).exists():
            raise ValidationError(_("This person already holds this role."))
    waiting = Invitation.objects.filter(
        email__iexact=email,
        role_kind=role_kind,
        organization=organization,
        region=region,
        enterprise=enterprise,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if waiting.exists():
        raise ValidationError(_("An invitation to this address for this role is already waiting."))
    invitation.save()
    link = (base_url or settings.HUB_PUBLIC_URL).rstrip("/") + reverse(
        "partyorgs:invitation_open", args=[invitation.token]
    )
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


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> bool:
    """Grant what the invitation names to the user; a used, withdrawn or expired invitation grants nothing.

    The conditional update makes a double submit grant once.
    """
    # Only the person the link was sent to may use it.
    claimed = Invitation.objects.filter(
        token=token,
        email__iexact=user.email or "",
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if claimed != 1:
        return False
    inv = Invitation.objects.get(token=token)
    if inv.role_kind == Invitation.RoleKind.MEMBER:
        assert inv.organization is not None  # Invitation.clean: a member invitation names their branch
        PartyMember.objects.get_or_create(
            user=user, defaults={"branch": inv.organization, "joined_on": timezone.localdate()}
        )
    else:
        Role.objects.get_or_create(
            user=user,
            kind=inv.role_kind,
            region=inv.region,
            organization=inv.organization,
            enterprise=inv.enterprise,
        )
    # The invited address is verified by the click on the link sent to it.
    if user.email and user.email.lower() == inv.email.lower():
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    return True
