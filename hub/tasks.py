from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from hub.models import Notification

BEAT_KEY = "hub:beat:last"


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Beat sends this every 30 s; /healthz reports when the worker last ran it."""
    cache.set(BEAT_KEY, timezone.now().isoformat(), timeout=None)


@shared_task(ignore_result=True)
def purge_old_notifications(days: int = 180) -> int:
    """Read notifications older than `days` are deleted; unread ones stay."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).delete()
    return deleted


@shared_task(ignore_result=True)
def email_send_queued(ids: list[int]) -> int:
    """Send the outbox rows of one committed change (hub.emails.email_queue enqueues this)."""
    from hub.emails import emails_deliver

    return emails_deliver(ids=ids)


@shared_task(ignore_result=True)
def email_sweep() -> int:
    """Beat: send every outbox row still waiting (its task was lost, or a retry is due)."""
    from hub.emails import emails_deliver

    return emails_deliver()
