from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _

from hub.images import PRODUCT_BOX, CleanImageField

from .sessions import LiveSession


class Campaign(models.Model):
    """A campaign grouping sessions, such as 二七丝路网红大厦新品首发周."""

    name = models.CharField(_("name"), max_length=120)
    region = models.ForeignKey(
        "partyorgs.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        "partyorgs.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="campaign_unique_name_in_region"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})


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


class SalesSession(models.Model):
    """A merchant's livestream sales session (直播带货), extending one LiveSession."""

    class Platform(models.TextChoices):
        DOUYIN = "douyin", _("Douyin")
        KUAISHOU = "kuaishou", _("Kuaishou")
        TAOBAO = "taobao", _("Taobao Live")
        CHANNELS = "channels", _("WeChat Channels")
        JD = "jd", _("JD")
        HUB = "hub", _("The hub's own live room")

    class Approval(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    session = models.OneToOneField(
        LiveSession, primary_key=True, on_delete=models.CASCADE, related_name="sales"
    )
    enterprise = models.ForeignKey(
        "partyorgs.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="sales_sessions",
    )
    # The building whose managers approve: the booked studio's, else the enterprise's (or its incubator's).
    building = models.ForeignKey(
        "partyorgs.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sales_sessions",
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    host_names = models.CharField(_("hosts"), max_length=200, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sales_sessions",
    )
    approval = models.CharField(
        _("approval"), max_length=20, choices=Approval.choices, default=Approval.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sales session")
        verbose_name_plural = _("sales sessions")
        indexes = [
            models.Index(fields=["enterprise", "approval"]),
            models.Index(fields=["building", "approval"]),
        ]

    def __str__(self):
        return str(self.session)


class PromotionSession(models.Model):
    """An official's promotional livestream (区长直播带货), extending one LiveSession of kind promotion."""

    session = models.OneToOneField(
        LiveSession, primary_key=True, on_delete=models.CASCADE, related_name="promotion"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promotions",
    )
    host_names = models.CharField(_("hosted by"), max_length=200)
    platform = models.CharField(
        _("platform"), max_length=20, choices=SalesSession.Platform.choices, default=SalesSession.Platform.HUB
    )

    class Meta:
        verbose_name = _("promotional session")
        verbose_name_plural = _("promotional sessions")

    def __str__(self):
        return str(self.session)


class Product(models.Model):
    sales_session = models.ForeignKey(SalesSession, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("product"), max_length=120)
    price = models.DecimalField(
        _("price (yuan)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    link = models.URLField(_("link"), blank=True)
    image = CleanImageField(_("image"), upload_to="products/%Y/%m/", blank=True, box=PRODUCT_BOX)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["id"]

    def __str__(self):
        return self.name


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


class SalesResult(models.Model):
    """Results reported after a sales session."""

    sales_session = models.OneToOneField(SalesSession, on_delete=models.CASCADE, related_name="result")
    gmv = models.DecimalField(
        _("GMV (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    orders = models.PositiveIntegerField(_("orders"))
    peak_viewers = models.PositiveIntegerField(_("peak viewers"))
    viewers = models.PositiveIntegerField(_("viewers"), default=0)
    new_followers = models.PositiveIntegerField(_("new followers"), default=0)
    # The peak the hub's own room measured, when the session ran there; kept to explain a flag.
    measured_peak_viewers = models.PositiveIntegerField(_("measured peak viewers"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged for review"), default=False)
    flag_reason = models.CharField(max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sales result")
        verbose_name_plural = _("sales results")

    def __str__(self):
        return f"{self.sales_session} · {self.gmv}"


class ResultsImport(models.Model):
    """A results file a merchant uploaded, checked (and imported when valid) by a Celery task.

    The file is kept here only until it is checked (emptied in the same update that records the outcome);
    problems are kept for the page that shows them, at most a few hundred."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Not imported: problems found")
        FAILED = "failed", _("The check failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(default=bytes, editable=False)
    language = models.CharField(max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("results import")
        verbose_name_plural = _("results imports")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return self.file_name


__all__ = [
    "ResultsImport",
    "Campaign",
    "Studio",
    "SalesSession",
    "PromotionSession",
    "Product",
    "StudioBooking",
    "SalesResult",
]
