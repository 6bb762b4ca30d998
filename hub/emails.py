"""The one way the hub sends email: an outbox row written in the transaction of the change, sent by a task.

- Templates are subject/text/html triplets: `templates/<name>_subject.txt`, `<name>_body.txt`,
  `<name>_body.html` (e.g. `emails/invitation`), rendered by `email_render` in the recipient's language.
- `email_queue(recipients=, template=, context=)` renders one OutgoingEmail row per recipient inside the
  caller's transaction: a change that rolls back leaves no email, a committed one always has its email.
  Once committed, `hub.tasks.email_send_queued` is asked to send the rows; when that message is lost (broker
  down, worker killed), the beat task `hub.tasks.email_sweep` sends whatever is still waiting.
- `emails_deliver` claims rows (select_for_update(skip_locked) + a conditional UPDATE that stamps a claim
  token and a lease), sends them over one connection and marks each row sent right after the mail server
  accepted it. A failure is retried with a growing backoff, at most HUB_EMAIL_MAX_ATTEMPTS times.

What "exactly once" means here: delivery to the mail server is at least once, with a per-row sent mark; a
duplicate is possible only when the sender dies between the server's acceptance and the mark (one email per
dead sender at most, since rows are sent one by one).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from hub.language import user_language

logger = logging.getLogger(__name__)

# Rows claimed per round: a round must finish well within the lease (see emails_deliver).
CLAIM_BATCH = 50


def email_language(recipient=None) -> str:
    """The language to write to a recipient in: the language the user chose (User.language), else the site's
    (zh-hans). An address without an account gets the site's."""
    return user_language(recipient)


def email_render(*, template: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject, text, html) of the triplet `template` in `language`; the subject is one line."""
    context = {"site_name": settings.HUB_SITE_NAME, "site_url": settings.HUB_PUBLIC_URL, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    return subject, text, html


def email_queue(
    *, recipients: Iterable, template: str, context: dict | Callable[[], dict] | None = None
) -> list:
    """Write one outbox row per recipient (a User or an address) in the current transaction and ask a worker
    to send them once it commits.

    `context` may be a function: it is then called inside the recipient's language, for texts that are
    computed rather than written in the template. The text is the same for every recipient of one language
    (no per-person greeting), so it is rendered once per language. Users without an address or inactive are
    skipped."""
    from hub.models import OutgoingEmail

    # Rendered once per language: the same notice to a class audience of thousands costs one rendering.
    rendered: dict[str, tuple[str, str, str]] = {}
    rows = []
    for r in recipients:
        address = r if isinstance(r, str) else (r.email if getattr(r, "is_active", True) else "")
        if not address:
            continue
        language = email_language(None if isinstance(r, str) else r)
        if language not in rendered:
            with translation.override(language):
                values = dict(context() if callable(context) else (context or {}))
            rendered[language] = email_render(template=template, context=values, language=language)
        subject, text, html = rendered[language]
        rows.append(
            OutgoingEmail(
                to=address,
                template=template,
                language=language,
                subject=subject[:250],
                text=text,
                html=html,
            )
        )
    return _store(rows)


def email_queue_message(message, *, template: str) -> list:
    """Queue an email that a library rendered itself (allauth's confirmation and password-reset mail, in the
    language of the request that asked for it), so that it too goes out through the outbox."""
    from hub.models import OutgoingEmail

    html = next(
        (body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
    )
    if message.content_subtype == "html":
        html = message.body
    return _store(
        [
            OutgoingEmail(
                to=to,
                template=template,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                subject=message.subject[:250],
                text=message.body,
                html=html,
            )
            for to in message.to
        ]
    )


def _store(rows: list) -> list:
    from hub.models import OutgoingEmail

    if not rows:
        return []
    with transaction.atomic():
        rows = OutgoingEmail.objects.bulk_create(rows)
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return rows


def _enqueue(ids: list[int]) -> None:
    from hub.tasks import email_send_queued

    # robust on_commit: a broker that is down does not undo or fail the change; the sweep sends them later.
    email_send_queued.delay(ids)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempts - 1)))


def _claim(*, ids: list[int] | None, limit: int, lease: timedelta) -> tuple[str, list]:
    """Lock up to `limit` due rows nobody else holds and stamp them with a fresh claim and lease."""
    from hub.models import OutgoingEmail

    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = OutgoingEmail.objects.filter(state=OutgoingEmail.State.PENDING, not_before__lte=now)
        if ids is not None:
            due = due.filter(pk__in=ids)
        pks = list(
            due.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True)[:limit]
        )
        if not pks:
            return token, []
        # Conditional: on a database without row locks (SQLite) a row another sender claimed meanwhile no
        # longer matches, so it is not claimed twice.
        OutgoingEmail.objects.filter(
            pk__in=pks, state=OutgoingEmail.State.PENDING, not_before__lte=now
        ).update(claim=token, not_before=now + lease, attempts=F("attempts") + 1)
    return token, list(
        OutgoingEmail.objects.filter(claim=token, state=OutgoingEmail.State.PENDING).order_by("pk")
    )


def emails_deliver(*, ids: list[int] | None = None, max_rounds: int = 100) -> int:
    """Send waiting outbox rows (only `ids` when given, else every due row); returns how many were sent."""
    from hub.models import OutgoingEmail

    lease = timedelta(seconds=settings.HUB_EMAIL_LEASE_SECONDS)
    sent = 0
    for _round in range(max_rounds):
        token, rows = _claim(ids=ids, limit=CLAIM_BATCH, lease=lease)
        if not rows:
            break
        # Stop sending this claim well before the lease runs out, so that the sweep never sends a row that a
        # slow sender still holds; what is left is released for the next round.
        seconds = lease.total_seconds()
        stop_at = time.monotonic() + max(seconds / 2, seconds - 2 * (settings.EMAIL_TIMEOUT or 30))
        done: set[int] = set()
        try:
            with get_connection(fail_silently=False) as connection:
                for row in rows:
                    if time.monotonic() > stop_at:
                        break
                    message = EmailMultiAlternatives(
                        row.subject, row.text, settings.DEFAULT_FROM_EMAIL, [row.to], connection=connection
                    )
                    if row.html:
                        message.attach_alternative(row.html, "text/html")
                    try:
                        message.send()
                    except Exception as exc:  # this address or the connection failed: retry it later
                        _failed(row, exc)
                        done.add(row.pk)
                        continue
                    OutgoingEmail.objects.filter(pk=row.pk, claim=token).update(
                        state=OutgoingEmail.State.SENT, sent_at=timezone.now()
                    )
                    done.add(row.pk)
                    sent += 1
        except Exception as exc:  # the connection could not be opened
            for row in rows:
                if row.pk not in done:
                    _failed(row, exc)
                    done.add(row.pk)
        left = [row.pk for row in rows if row.pk not in done]
        if left:
            OutgoingEmail.objects.filter(pk__in=left, claim=token, state=OutgoingEmail.State.PENDING).update(
                not_before=timezone.now(), attempts=F("attempts") - 1
            )
    return sent


def _failed(row, exc: Exception) -> None:
    from hub.models import OutgoingEmail

    logger.warning("email %s to %s failed (attempt %s): %s", row.pk, row.to, row.attempts, exc)
    final = row.attempts >= settings.HUB_EMAIL_MAX_ATTEMPTS
    OutgoingEmail.objects.filter(pk=row.pk, claim=row.claim).update(
        state=OutgoingEmail.State.FAILED if final else OutgoingEmail.State.PENDING,
        not_before=timezone.now() + _backoff(row.attempts),
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
