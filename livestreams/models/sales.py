from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
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


class SalesSession(models.Model):
    """A merchant's livestream sales session (直播带货), extending one LiveSession."""

    class Platform(models.TextChoices):
        DOUYIN = "douyin", _("Douyin")
        KUAISHOU = "kuaishou", _("Kuaishou")
        TAOBAO = "taobao", _("Taobao Live")
        CHANNELS = "channels", _("WeChat Channels")
        JD = "jd", _("JD")
        BILIBILI = "bilibili", _("Bilibili")
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
    # The product the host is presenting now (小黄车 / 讲解中), shown pinned in the live room; one of the
    # session's own products (livestreams.services.sales_room.product_pin checks it).
    pinned_product = models.ForeignKey(
        "Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pinned_at = models.DateTimeField(null=True, blank=True)

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
    # Clicks on the product's link in the live room (through /sales/products/<id>/go/), one UPDATE each.
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0, editable=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["id"]

    def __str__(self):
        return self.name


class PendingProductImage(models.Model):
    """A product image already cleaned by hub.images, kept for its uploader while the registration form comes
    back with an error, so that it need not be attached again. The registration takes it over (the row goes,
    the file becomes the product's); rows older than EXPIRES are deleted with their files by a beat task
    (livestreams.tasks.sales.pending_images_cleanup)."""

    EXPIRES = timedelta(hours=24)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    image = CleanImageField(_("image"), upload_to="products/%Y/%m/", box=PRODUCT_BOX)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("product image awaiting its form")
        verbose_name_plural = _("product images awaiting their form")

    def __str__(self):
        return self.image.name


class ProductResult(models.Model):
    """One product's figures in one session, imported from the platform's export (per-session figures are
    SalesResult). `clicks` are clicks on the product's link; for sessions in the hub's own room the room's
    counter of product-link clicks is meant to feed it too."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="result")
    units = models.PositiveIntegerField(_("units sold"))
    gmv = models.DecimalField(
        _("GMV (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    clicks = models.PositiveIntegerField(_("product link clicks"), default=0)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product result")
        verbose_name_plural = _("product results")

    def __str__(self):
        return f"{self.product} · {self.gmv}"


class PlatformColumnMapping(models.Model):
    """Which header of a platform's export means what, for the per-product results import. Built-in
    defaults live in livestreams.services.sales_import.BUILTIN_MAPPINGS; a row here (staff, in the admin)
    replaces the default of its platform. Headers are compared without spaces and case; several spellings
    of one column are separated by "|"."""

    platform = models.CharField(
        _("platform"), max_length=20, choices=SalesSession.Platform.choices, unique=True
    )
    session_header = models.CharField(
        _("session column"),
        max_length=200,
        help_text=_("Holds the hub's session number or the session's exact title."),
    )
    product_header = models.CharField(_("product column"), max_length=200)
    units_header = models.CharField(_("units column"), max_length=200)
    gmv_header = models.CharField(_("GMV column"), max_length=200)
    clicks_header = models.CharField(_("clicks column"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("platform column mapping")
        verbose_name_plural = _("platform column mappings")
        ordering = ["platform"]

    def __str__(self):
        return self.get_platform_display()


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
    # Blank: the hub's own per-session template; a platform: that platform's per-product export.
    platform = models.CharField(
        _("platform"), max_length=20, choices=SalesSession.Platform.choices, blank=True, default=""
    )
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
    "SalesSession",
    "PromotionSession",
    "Product",
    "SalesResult",
    "PendingProductImage",
    "ProductResult",
    "PlatformColumnMapping",
]
