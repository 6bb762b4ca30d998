"""三会一课 records: one MeetingRecord per meeting (livestreamed or offline), its attendees (offline meetings),
photos and attachments, the validity rules a subdistrict sets, and each branch's annual plan."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hub.images import CleanImageField
from hub.storage import private_storage

from .classes import PartyClass
from .sessions import LiveSession

CK = PartyClass.ClassKind
# The kinds a meeting record is kept for: 三会一课 and the themed Party day.
RECORD_KINDS = [
    CK.GENERAL_MEETING,
    CK.COMMITTEE_MEETING,
    CK.GROUP_MEETING,
    CK.PARTY_LECTURE,
    CK.THEMED_DAY,
]
PHOTO_BOX = (1600, 1600)


class MeetingRule(models.Model):
    """What a meeting must have to count as held, set by a subdistrict (or a district for all of its
    subdistricts). Regions without a rule use the defaults of the fields."""

    region = models.OneToOneField(
        "partyorgs.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="meeting_rule"
    )
    min_minutes = models.PositiveSmallIntegerField(
        _("minimum length (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance (percent of those expected)"),
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    minutes_required = models.BooleanField(_("minutes required"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting validity rule")
        verbose_name_plural = _("meeting validity rules")

    def __str__(self):
        return str(self.region)


class MeetingRecord(models.Model):
    """The record (台账) of one meeting. A livestreamed meeting has its session (times, kind and attendance
    come from the class); an offline one has none and keeps its own attendees."""

    organization = models.ForeignKey(
        "partyorgs.PartyOrganization",
        verbose_name=_("Party organization"),
        on_delete=models.PROTECT,
        related_name="meeting_records",
    )
    # Copied from the organization: officials' scope filters on it.
    region = models.ForeignKey(
        "partyorgs.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    session = models.OneToOneField(
        LiveSession,
        verbose_name=_("livestream"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_record",
    )
    kind = models.CharField(
        _("kind of meeting"), max_length=30, choices=[(k.value, k.label) for k in RECORD_KINDS]
    )
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200)
    host_name = models.CharField(_("chaired by"), max_length=50, blank=True)
    recorder_name = models.CharField(_("recorded by"), max_length=50, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    resolutions = models.TextField(_("resolutions"), blank=True)
    minutes_written_at = models.DateTimeField(_("minutes written"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting record")
        verbose_name_plural = _("meeting records")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["organization", "starts_at"]),
            models.Index(fields=["region", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start")
        ]

    def __str__(self):
        return self.topic


class MeetingAttendee(models.Model):
    """A member at an offline meeting: entered by the organizer or signed in with the meeting's QR code.
    Members without a row were not expected (a committee meeting lists its committee members only)."""

    class State(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    record = models.ForeignKey(MeetingRecord, on_delete=models.CASCADE, related_name="attendees")
    member = models.ForeignKey("partyorgs.PartyMember", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("attendance"), max_length=10, choices=State.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting attendee")
        verbose_name_plural = _("meeting attendees")
        constraints = [models.UniqueConstraint(fields=["record", "member"], name="meeting_attendee_unique")]

    def __str__(self):
        return f"{self.member} @ {self.record_id}"


class MeetingPhoto(models.Model):
    """A photo of the meeting, checked and re-encoded by hub.images, kept in the private storage."""

    record = models.ForeignKey(MeetingRecord, on_delete=models.CASCADE, related_name="photos")
    image = CleanImageField(_("photo"), storage=private_storage, upload_to="meetings/photos/", box=PHOTO_BOX)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting photo")
        verbose_name_plural = _("meeting photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return f"{self.record_id}: {self.image.name}"


class MeetingAttachment(models.Model):
    """A document of the meeting (sign-in sheet scan, speech, resolution), private: served by a view that
    checks who asks."""

    record = models.ForeignKey(MeetingRecord, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), storage=private_storage, upload_to="meetings/files/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting attachment")
        verbose_name_plural = _("meeting attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


class MeetingPlan(models.Model):
    """How many meetings of one kind a branch plans in each quarter of a year. Without a row the norms of
    三会一课 apply (selectors.meetings.PLAN_NORMS)."""

    organization = models.ForeignKey(
        "partyorgs.PartyOrganization", on_delete=models.CASCADE, related_name="meeting_plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(
        _("kind of meeting"), max_length=30, choices=[(k.value, k.label) for k in RECORD_KINDS]
    )
    q1 = models.PositiveSmallIntegerField(_("Q1"), default=0, validators=[MaxValueValidator(99)])
    q2 = models.PositiveSmallIntegerField(_("Q2"), default=0, validators=[MaxValueValidator(99)])
    q3 = models.PositiveSmallIntegerField(_("Q3"), default=0, validators=[MaxValueValidator(99)])
    q4 = models.PositiveSmallIntegerField(_("Q4"), default=0, validators=[MaxValueValidator(99)])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("meeting plan")
        verbose_name_plural = _("meeting plans")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "kind"], name="meeting_plan_unique")
        ]

    def __str__(self):
        return f"{self.organization_id} {self.year} {self.kind}"

    def quarters(self) -> list[int]:
        return [self.q1, self.q2, self.q3, self.q4]


class MeetingPlanReminder(models.Model):
    """One reminder per branch and quarter: the unique row is what makes the beat task idempotent."""

    organization = models.ForeignKey(
        "partyorgs.PartyOrganization", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "quarter"], name="meeting_reminder_once")
        ]

    def __str__(self):
        return f"{self.organization_id} {self.year} Q{self.quarter}"


__all__ = [
    "MeetingRule",
    "MeetingRecord",
    "MeetingAttendee",
    "MeetingPhoto",
    "MeetingAttachment",
    "MeetingPlan",
    "MeetingPlanReminder",
]
