"""Studios (直播间) in buildings and their bookings. Sales sessions book them; the hours, the changeover gap
and the no-overlap rule are the studio's own."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _

from .sessions import LiveSession


class Studio(models.Model):
    """A bookable livestream studio (直播间) in a building."""

    building = models.ForeignKey(
        "partyorgs.Building", verbose_name=_("building"), on_delete=models.PROTECT, related_name="studios"
    )
    name = models.CharField(_("name"), max_length=80)
    capacity = models.PositiveIntegerField(
        _("capacity (people)"), default=4, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    equipment = models.TextField(_("equipment"), blank=True)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    # Per studio, because resetting a large set with lights takes longer than a small booth.
    changeover_minutes = models.PositiveSmallIntegerField(
        _("changeover gap (minutes)"),
        default=30,
        validators=[MaxValueValidator(240)],
        help_text=_("Time kept free after each booking to reset the studio."),
    )
    is_active = models.BooleanField(_("open for booking"), default=True)

    class Meta:
        verbose_name = _("studio")
        verbose_name_plural = _("studios")
        ordering = ["building", "name"]
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="studio_unique_in_building"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="studio_closes_after_opening"
            ),
        ]

    def __str__(self):
        return f"{self.building} · {self.name}"

    def clean(self):
        if self.opens_at is not None and self.closes_at is not None and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The studio must close after it opens on the same day.")})


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL only.

    SQLite has no exclusion constraints; there the booking service checks for overlaps inside a write
    transaction (BEGIN IMMEDIATE, see DATABASES), which serializes writers. Returning no SQL makes the
    schema editor skip the constraint on other backends, so one migration serves both.
    """

    @staticmethod
    def _is_postgres(connection) -> bool:
        return connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor.connection):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor.connection):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor.connection):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if not self._is_postgres(connections[using]):
            return
        super().validate(model, instance, exclude=exclude, using=using)


class StudioBooking(models.Model):
    """A studio slot. Overlaps (plus the changeover gap) are refused by the database itself.

    blocked_until = ends_at + the studio's changeover gap at booking time. Comparing [starts_at,
    blocked_until) ranges keeps the gap after every booking in both directions: a later booking cannot
    start within the gap, and an earlier one cannot end less than a gap before this one starts.
    """

    class State(models.TextChoices):
        HELD = "held", _("Held, awaiting approval")
        CONFIRMED = "confirmed", _("Confirmed")
        RELEASED = "released", _("Released")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.HELD, State.CONFIRMED)

    studio = models.ForeignKey(
        Studio, verbose_name=_("studio"), on_delete=models.PROTECT, related_name="bookings"
    )
    session = models.ForeignKey(
        LiveSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    enterprise = models.ForeignKey(
        "partyorgs.Enterprise", on_delete=models.PROTECT, related_name="studio_bookings"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    blocked_until = models.DateTimeField(_("blocked until (end plus changeover)"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.HELD)
    hold_expires_at = models.DateTimeField(_("released unless approved by"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("studio booking")
        verbose_name_plural = _("studio bookings")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["studio", "starts_at"]),
            models.Index(fields=["state", "hold_expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=models.F("ends_at")), name="booking_blocked_after_end"
            ),
            PostgresOnlyExclusionConstraint(
                name="studio_booking_no_overlap",
                expressions=[
                    (TsTzRange("starts_at", "blocked_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("studio", RangeOperators.EQUAL),
                ],
                condition=Q(state__in=["held", "confirmed"]),
            ),
        ]

    def __str__(self):
        return f"{self.studio} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


__all__ = ["Studio", "StudioBooking"]
