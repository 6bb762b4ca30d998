"""What a class gives each member beyond live attendance: courseware (课件), leave (请假) and make-up study by
replay (补学). Issue 15."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.storage import private_storage, random_name

from .sessions import LiveSession


def courseware_file_name(instance, filename: str) -> str:
    return random_name("courseware", filename)


class Courseware(models.Model):
    """A file (PDF, slides, an image) the organizer attaches to a class; the audience downloads it through a view
    that checks who asks (the file is private storage, it has no URL)."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        PPTX = "pptx", "PowerPoint (.pptx)"
        PPT = "ppt", "PowerPoint (.ppt)"
        PNG = "png", "PNG"
        JPEG = "jpeg", "JPEG"

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="courseware")
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(
        _("file"), upload_to=courseware_file_name, storage=private_storage, max_length=200
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("courseware")
        verbose_name_plural = _("courseware")
        ordering = ["session", "created_at", "pk"]

    def __str__(self):
        return self.title


class LeaveRequest(models.Model):
    """A member's request for leave (请假) from one class; approved, it makes their attendance excused."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="leave_requests")
    member = models.ForeignKey(
        "partyorgs.PartyMember", on_delete=models.CASCADE, related_name="leave_requests"
    )
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-created_at"]
        # One request per member and class: asking again edits it while it waits.
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="leave_once_per_class")]

    def __str__(self):
        return f"{self.member} @ {self.session_id}"


class ReplayWatch(models.Model):
    """Time one person watched a class's replay, added up by the server from the player's pings (each ping
    adds the time since the previous one, capped, so a page that sends pings faster gains nothing).
    `made_up_at` is set once the time reaches the class's threshold inside its make-up period."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="replay_watches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seconds = models.PositiveIntegerField(_("seconds watched"), default=0)
    last_ping_at = models.DateTimeField(_("last ping"), null=True, blank=True)
    made_up_at = models.DateTimeField(_("made up"), null=True, blank=True)

    class Meta:
        verbose_name = _("replay watching")
        verbose_name_plural = _("replay watching")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="replay_watch_once")]

    def __str__(self):
        return f"{self.user} @ {self.session_id}"


__all__ = ["Courseware", "LeaveRequest", "ReplayWatch"]
