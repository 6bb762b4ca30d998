import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .sessions import LiveSession


def default_reminder_offsets() -> list[int]:
    return list(settings.HUB_REMINDER_OFFSETS)


class ClassSeries(models.Model):
    """A recurrence rule that created several PartyClass occurrences."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices)
    until = models.DateField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("class series")
        verbose_name_plural = _("class series")

    def __str__(self):
        return f"{self.get_frequency_display()} → {self.until}"


class PartyClass(models.Model):
    """A Red Livestream Party class or meeting (三会一课), extending one LiveSession."""

    class ClassKind(models.TextChoices):
        PARTY_LECTURE = "party_lecture", _("Party class")
        THEMED_DAY = "themed_day", _("Themed Party day")
        STUDY = "study", _("Special study session")
        GENERAL_MEETING = "general_meeting", _("Branch general meeting")
        COMMITTEE_MEETING = "committee_meeting", _("Branch committee meeting")
        GROUP_MEETING = "group_meeting", _("Party group meeting")

    session = models.OneToOneField(
        LiveSession, primary_key=True, on_delete=models.CASCADE, related_name="party_class"
    )
    class_kind = models.CharField(_("kind of class"), max_length=30, choices=ClassKind.choices)
    lecturer_member = models.ForeignKey(
        "partyorgs.PartyMember",
        verbose_name=_("lecturer (member)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lecturer_expert = models.ForeignKey(
        "partyorgs.Expert",
        verbose_name=_("lecturer (expert)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    venue = models.ForeignKey(
        "partyorgs.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Leave empty for an online-only class."),
    )
    series = models.ForeignKey(
        ClassSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="classes"
    )
    signin_code = models.CharField(_("sign-in code"), max_length=8, blank=True)
    attendance_threshold = models.PositiveSmallIntegerField(
        _("attendance threshold (percent of the class watched)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # Minutes before the start at which the audience is reminded; an empty list sends no reminders.
    reminder_offsets = models.JSONField(
        _("reminders (minutes before the start)"), default=default_reminder_offsets, blank=True
    )
    # Set once, by whichever beat run first sees the class live: the "class has started" notice goes out once.
    start_notified_at = models.DateTimeField(null=True, blank=True)
    attendance_computed_at = models.DateTimeField(_("attendance computed"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # Make-up study (补学): watching the replay this many days after the end counts; 0 = no make-up.
    makeup_days = models.PositiveSmallIntegerField(
        _("make-up period (days after the class)"),
        default=14,
        validators=[MaxValueValidator(365)],
        help_text=_("Watching the replay within this period counts as make-up study; 0 turns it off."),
    )

    class Meta:
        verbose_name = _("Party class")
        verbose_name_plural = _("Party classes")

    def __str__(self):
        return str(self.session)


class Attendance(models.Model):
    """A member's attendance at a class, computed from presence records when the class ends."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey("partyorgs.PartyMember", on_delete=models.CASCADE, related_name="attendances")
    seconds_watched = models.PositiveIntegerField(_("seconds watched"), default=0)
    attended = models.BooleanField(_("attended"), default=False)
    excused = models.BooleanField(_("excused"), default=False)
    excuse_reason = models.CharField(_("reason"), max_length=200, blank=True)
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="attendance_unique")]

    def __str__(self):
        return f"{self.member} @ {self.session_id}"


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A user's private iCalendar feed. The token is the only credential: revoking deletes the row, and a new
    link gets a new token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)


__all__ = ["ClassSeries", "PartyClass", "Attendance", "CalendarFeed"]
