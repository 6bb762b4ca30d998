"""The media server's side of a live session: pushes to it, its recordings, and recorded lectures."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hub.storage import private_storage, random_name

from .sessions import LiveSession


def lecture_file_name(instance, filename: str) -> str:
    return random_name("lectures", filename)


class StreamPublish(models.Model):
    """One push of a session's stream to the media server, from nginx-rtmp's on_publish to on_publish_done."""

    class EndReason(models.TextChoices):
        STOPPED = "stopped", _("The streamer stopped")
        CUT = "cut", _("Cut by the hub")
        LOST = "lost", _("Connection lost")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="publishes")
    client_id = models.CharField(_("connection"), max_length=32)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    # on_update refreshes it; an open push not seen for a while belongs to a media server that went away.
    last_seen_at = models.DateTimeField(_("last seen"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = _("stream push")
        verbose_name_plural = _("stream pushes")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["session", "ended_at"])]

    def __str__(self):
        return f"{self.session_id} #{self.client_id}"


class Recording(models.Model):
    """One file nginx-rtmp recorded (FLV); the session's replay is made of all of them, in order."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being processed")
        READY = "ready", _("Ready")
        EMPTY = "empty", _("Empty or unreadable")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="recordings")
    file_name = models.CharField(_("file"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    in_replay = models.BooleanField(_("in the replay"), default=False)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        ordering = ["session", "file_name"]
        constraints = [models.UniqueConstraint(fields=["file_name"], name="recording_file_once")]
        indexes = [models.Index(fields=["state", "in_replay"])]

    def __str__(self):
        return self.file_name


class Lecture(models.Model):
    """A lecture recorded in advance that the hub broadcasts as a Party class at its time (录播转直播)."""

    class State(models.TextChoices):
        READY = "ready", _("Waiting for the start")
        STARTING = "starting", _("Starting")
        BROADCASTING = "broadcasting", _("Broadcasting")
        STOPPING = "stopping", _("Stopping")
        DONE = "done", _("Broadcast")
        FAILED = "failed", _("Failed")

    ACTIVE = (State.STARTING, State.BROADCASTING, State.STOPPING)

    session = models.OneToOneField(LiveSession, on_delete=models.CASCADE, related_name="lecture")
    # Private (never under MEDIA_ROOT, which anyone may fetch), under a random name.
    video = models.FileField(_("video file"), upload_to=lecture_file_name, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    duration_seconds = models.FloatField(_("duration (seconds)"))
    video_codec = models.CharField(_("video codec"), max_length=40)
    audio_codec = models.CharField(_("audio codec"), max_length=40, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.READY)
    error = models.CharField(_("error"), max_length=1000, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"))
    started_at = models.DateTimeField(_("broadcast started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("broadcast finished"), null=True, blank=True)
    runner = models.CharField(_("broadcasting process"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("recorded lecture")
        verbose_name_plural = _("recorded lectures")
        indexes = [models.Index(fields=["state"])]
        constraints = [
            models.CheckConstraint(condition=Q(duration_seconds__gt=0), name="lecture_has_a_duration")
        ]

    def __str__(self):
        return self.original_name

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE


__all__ = ["StreamPublish", "Recording", "Lecture"]
