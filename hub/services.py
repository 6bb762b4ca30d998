"""Writes of the hub app. Other apps create notifications only through notification_send."""

from __future__ import annotations

from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from hub.models import Notification


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's open pages (the notification bell)."""
    return f"user-{user_id}"


def notification_payload(n: Notification) -> dict:
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created": n.created_at.isoformat(),
    }


@transaction.atomic
def notification_send(
    *, users: Iterable, kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Store one notification per user, then push each to the user's open pages once the rows are committed."""
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title, body=body, url=url, created_at=now) for u in users]
    )
    messages = [(n.user_id, notification_payload(n)) for n in rows]
    transaction.on_commit(lambda: _push_notifications(messages))
    return rows


def _push_notifications(messages: list[tuple[int, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    # One event loop for the whole batch: a loop per recipient cost ~3 ms each (a class audience is thousands).
    async def push() -> None:
        for user_id, payload in messages:
            await layer.group_send(
                user_group(user_id), {"type": "notification.created", "notification": payload}
            )

    async_to_sync(push)()


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all when ids is None); returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def invitation_accept(*, token: str, user) -> bool:
    """Grant what the invitation names to the new user; a used or expired invitation grants nothing.

    The conditional update makes a double submit grant once.
    """
    from hub.models import Invitation, Role
    from partyorgs.models import PartyMember

    claimed = Invitation.objects.filter(
        token=token, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if claimed != 1:
        return False
    inv = Invitation.objects.get(token=token)
    if inv.role_kind == "member":
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
    from allauth.account.models import EmailAddress

    if user.email.lower() == inv.email.lower():
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    return True
