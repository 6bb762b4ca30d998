"""Reads of the live room: comment history (and resuming it), the payloads pushed to clients, mutes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser

from hub.models import User, masked_phone
from livestreams.models import Comment, LiveSession, ModerationAction, Mute

HISTORY_SIZE = 50
# A client that missed more than this many comments gets the latest HISTORY_SIZE and starts afresh.
RESUME_MAX = 200


def public_name(user: User) -> str:
    """How a person appears in a room: their name, else the start of their address or a masked number (never
    all of either)."""
    if user.name:
        return user.name
    if not user.email:  # an account with a mobile number only
        return masked_phone(user.phone) or "***"
    local = user.email.split("@", 1)[0]
    return local[:3] + "***"


def comment_payload(
    comment: Comment, *, author: User | None = None, moderator: bool | None = None
) -> dict[str, Any]:
    author = author or comment.author
    return {
        "type": "comment",
        "id": comment.pk,
        "author": public_name(author),
        "author_id": author.pk,
        "moderator": comment.by_moderator if moderator is None else moderator,
        "text": comment.text,
        "created": comment.created_at.isoformat(),
    }


@dataclass
class History:
    comments: list[dict[str, Any]]
    removed: list[int]
    resumed: bool


def comment_history(*, session: LiveSession, after: int | None = None) -> History:
    """What a connecting client gets: the latest comments, or when it says which comment it saw last,
    exactly the ones after it (and the ids of recent comments removed meanwhile)."""
    visible = Comment.objects.filter(session=session, removed_at__isnull=True).select_related("author")
    if after is not None:
        missed = list(visible.filter(pk__gt=after).order_by("pk")[: RESUME_MAX + 1])
        if len(missed) <= RESUME_MAX:
            removed = list(
                Comment.objects.filter(session=session, removed_at__isnull=False, pk__lte=after)
                .order_by("-pk")
                .values_list("pk", flat=True)[:RESUME_MAX]
            )
            return History([comment_payload(c) for c in missed], removed, True)
    latest = list(visible.order_by("-pk")[:HISTORY_SIZE])
    latest.reverse()
    return History([comment_payload(c) for c in latest], [], False)


def room_comments(*, session: LiveSession, limit: int = HISTORY_SIZE) -> list[Comment]:
    """The latest comments for the first paint of the room page (oldest first)."""
    rows = list(
        Comment.objects.filter(session=session, removed_at__isnull=True)
        .select_related("author")
        .order_by("-pk")[:limit]
    )
    rows.reverse()
    return rows


def room_mutes(*, session: LiveSession) -> list[dict[str, Any]]:
    return [
        {"user_id": m.user_id, "name": public_name(m.user)}
        for m in Mute.objects.filter(session=session).select_related("user").order_by("created_at")
    ]


def is_muted(*, session: LiveSession, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and Mute.objects.filter(session=session, user=user).exists()


def moderation_log(*, session: LiveSession, limit: int = 50) -> list[ModerationAction]:
    return list(
        ModerationAction.objects.filter(session=session).select_related("actor", "target_user")[:limit]
    )
