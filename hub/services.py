"""Writes of the hub app. Other apps create notifications only through notification_send."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.language import language_names, language_valid
from hub.models import Notification, User
from hub.sms import phone_normalize


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


# --- phone sign-in ---------------------------------------------------------------------------------


def _phone_taken_error() -> ValidationError:
    # One neutral sentence: it says the number is in use, never whose account has it.
    return ValidationError(
        {
            "phone": _(
                "This mobile number already belongs to another account. Sign in with it, or use another number."
            )
        },
        code="phone_taken",
    )


@transaction.atomic
def user_phone_set(*, user: User, phone: str, verified: bool) -> User:
    """Give the user this mobile number (E.164, read by hub.sms.phone_normalize); one number, one account.

    The database's unique constraint decides a race between two accounts claiming one number."""
    phone = phone_normalize(phone)
    if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
        raise _phone_taken_error()
    user.phone = phone
    user.phone_verified = verified
    user.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            user.save(update_fields=["phone", "phone_verified"])
    except IntegrityError:
        raise _phone_taken_error() from None
    return user


@transaction.atomic
def user_create_by_phone(*, phone: str, name: str = "") -> User:
    """A plain account (no roles) for a person who proved this number with an SMS code; no password: they
    sign in with a code each time (or set a password later)."""
    phone = phone_normalize(phone)
    if User.objects.filter(phone=phone).exists():
        raise _phone_taken_error()
    user = User(phone=phone, phone_verified=True, name=name.strip()[:50])
    user.set_unusable_password()
    user.full_clean(exclude=["password"], validate_unique=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise _phone_taken_error() from None
    return user


@transaction.atomic
def user_profile_update(*, user: User, name: str, language: str | None = None) -> User:
    """The profile page: the name, and the language when given (None leaves it as it is)."""
    fields = ["name"]
    if language is not None:
        user.language = _language_checked(language)
        fields.append("language")
    user.name = name.strip()
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=fields)
    return user


def _language_checked(language: str) -> str:
    if language and not language_valid(language):
        raise ValidationError({"language": language_refused_message()}, code="language")
    return language


def language_refused_message() -> str:
    return str(
        _("That language is not offered here. Choose one of: %(languages)s.")
        % {"languages": language_names()}
    )


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """Store the language the user reads the hub in: one of settings.LANGUAGES, or "" for the site's. Their
    emails and text messages follow it, and signing in on another device brings it there. Raises
    ValidationError (nothing stored) for anything else. Only this field is written: the switcher calls it
    on every switch, whatever else of the account may be incomplete."""
    user.language = _language_checked(language)
    User._meta.get_field("language").clean(user.language, user)
    user.save(update_fields=["language"])
    return user
