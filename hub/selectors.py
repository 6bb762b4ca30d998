"""Reads of the hub app."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from hub.models import Invitation, Notification, Role
from hub.permissions import get_scope


def invitation_get_usable(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.filter(
            token=token, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("organization", "region", "enterprise", "created_by")
        .first()
    )


def invitations_visible(*, user) -> QuerySet[Invitation]:
    """Invitations the user sent or that concern an organization they manage; all of them for staff."""
    scope = get_scope(user)
    qs = Invitation.objects.select_related(
        "organization", "region", "enterprise", "created_by", "accepted_by"
    )
    if scope.is_staff:
        return qs
    return qs.filter(Q(created_by=user) | Q(organization__in=_managed_orgs(scope)))


def _managed_orgs(scope):
    from partyorgs.models import PartyOrganization

    return PartyOrganization.objects.filter(scope.managed_orgs_q()).values("pk")


def roles_of(*, user) -> list[Role]:
    return list(
        Role.objects.filter(user=user).select_related("region", "organization", "enterprise").order_by("kind")
    )


def notifications_for(*, user, limit: int = 20) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
