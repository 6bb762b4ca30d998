"""Reminders of sessions: classes remind their audience, sales sessions their hosts and merchants
(livestreams.services.reminders arms them; a beat task claims and sends them)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .sessions import LiveSession


class Reminder(models.Model):
    """A reminder due at a time, claimed by a frequent beat task: exactly one per (session, user, offset)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DROPPED = "dropped", _("Dropped")
        CANCELLED = "cancelled", _("Cancelled")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offset_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField(db_index=True)
    # The session start this reminder was armed for: when the session moves, the reminder is re-armed.
    for_starts_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user", "offset_minutes"], name="reminder_once_per_offset"
            )
        ]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self):
        return f"{self.session_id}/{self.user_id}/-{self.offset_minutes}min"


__all__ = ["Reminder"]
