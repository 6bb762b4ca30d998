from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on"]

    def __str__(self):
        return self.name


class Studio(models.Model):
    """A bookable livestream studio (直播间) in a building."""

    building = models.ForeignKey(
        "partyorgs.Building", verbose_name=_("building"), on_delete=models.PROTECT, related_name="studios"
    )
    name = models.CharField(_("name"), max_length=80)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=4)
    equipment = models.TextField(_("equipment"), blank=True)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    is_active = models.BooleanField(_("open for booking"), default=True)

    class Meta:
        verbose_name = _("studio")
        verbose_name_plural = _("studios")
        ordering = ["building", "name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="studio_unique_in_building")]

    def __str__(self):
        return f"{self.building} · {self.name}"


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
        indexes = [models.Index(fields=["enterprise", "approval"])]

    def __str__(self):
        return str(self.session)


class Product(models.Model):
    sales_session = models.ForeignKey(SalesSession, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("product"), max_length=120)
    price = models.DecimalField(
        _("price (yuan)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    link = models.URLField(_("link"), blank=True)
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["id"]

    def __str__(self):
        return self.name


class StudioBooking(models.Model):
    """A studio slot. Overlaps (plus the changeover gap) are refused by the database itself."""

    class State(models.TextChoices):
        HELD = "held", _("Held, awaiting approval")
        CONFIRMED = "confirmed", _("Confirmed")
        RELEASED = "released", _("Released")
        CANCELLED = "cancelled", _("Cancelled")

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
    state = models.CharField(max_length=20, choices=State.choices, default=State.HELD)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("studio booking")
        verbose_name_plural = _("studio bookings")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["studio", "starts_at"])]

    def __str__(self):
        return f"{self.studio} {self.starts_at:%Y-%m-%d %H:%M}"


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
    flagged = models.BooleanField(_("flagged for review"), default=False)
    flag_reason = models.CharField(max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sales result")
        verbose_name_plural = _("sales results")

    def __str__(self):
        return f"{self.sales_session} · {self.gmv}"


__all__ = ["Campaign", "Studio", "SalesSession", "Product", "StudioBooking", "SalesResult"]
