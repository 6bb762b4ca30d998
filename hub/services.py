"""Writes of the hub app. Other apps create notifications only through notification_send."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from hub.models import Notification, User


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's open pages (the notification bell)."""
    return f"user-{user_id}"


def notification_payload(n: Notification) -> dict[str, Any]:
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
    *, users: Iterable[User], kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Store one notification per user, then push each to the user's open pages once the rows are committed."""
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title, body=body, url=url, created_at=now) for u in users]
    )
    messages = [(n.user_id, notification_payload(n)) for n in rows]
    transaction.on_commit(lambda: _push_notifications(messages))
    return rows


def _push_notifications(messages: list[tuple[int, dict[str, Any]]]) -> None:
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


def notification_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all when ids is None); returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
