from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .sessions import LiveSession


class Comment(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("comment"), max_length=500)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Written once at posting time, so that history shows the host badge without a permission query per author.
    by_moderator = models.BooleanField(_("by a moderator"), default=False)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "id"])]

    def __str__(self):
        return self.text[:40]


class PresenceInterval(models.Model):
    """One continuous stretch of a person in a room, tabs and quick reconnects merged; open while left_at is null."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="presence")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presence records")
        ordering = ["session", "user", "joined_at"]
        indexes = [models.Index(fields=["session", "user", "joined_at"])]
        constraints = [
            # The database guard behind "one open record per person and room", whichever process writes it.
            models.UniqueConstraint(
                fields=["session", "user"], condition=Q(left_at__isnull=True), name="presence_one_open"
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.session_id}"


class Mute(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mute")
        verbose_name_plural = _("mutes")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="mute_unique")]

    def __str__(self):
        return f"{self.user} @ {self.session_id}"


class ModerationAction(models.Model):
    """The log of moderators' actions in a room."""

    class Action(models.TextChoices):
        REMOVE_COMMENT = "remove_comment", _("Removed a comment")
        MUTE = "mute", _("Muted a person")
        UNMUTE = "unmute", _("Unmuted a person")
        SLOW_MODE = "slow_mode", _("Changed slow mode")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="moderation_actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_action_display()} @ {self.session_id}"


class BannedWord(models.Model):
    """A sensitive word that staff maintain in the admin; comments containing it are blocked or masked."""

    class Action(models.TextChoices):
        BLOCK = "block", _("Block the comment")
        MASK = "mask", _("Mask the word")

    word = models.CharField(_("word"), max_length=50, unique=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, default=Action.MASK)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")
        ordering = ["word"]

    def __str__(self):
        return self.word


__all__ = ["Comment", "PresenceInterval", "Mute", "ModerationAction", "BannedWord"]
