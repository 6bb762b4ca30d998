import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.images import COVER_BOX, CleanImageField


def new_stream_key() -> str:
    """A secret stream key (what an encoder sends as ?key=)."""
    return secrets.token_urlsafe(24)


class LiveSession(models.Model):
    """Every kind of live session: a Party class, a merchant's sales session, an official's promotion.

    Kind-specific data lives in one-to-one extensions (PartyClass, SalesSession); do not fork this model.
    """

    class Kind(models.TextChoices):
        PARTY_CLASS = "party_class", _("Party class")
        SALES = "sales", _("Livestream sales session")
        PROMOTION = "promotion", _("Official promotional session")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    class Visibility(models.TextChoices):
        AUDIENCE = "audience", _("Audience only")
        PUBLIC = "public", _("Public")

    class Playback(models.TextChoices):
        HUB = "hub", _("The hub's own stream")
        EXTERNAL = "external", _("External platform")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    host_organization = models.ForeignKey(
        "partyorgs.PartyOrganization",
        verbose_name=_("host organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_sessions",
    )
    host_enterprise = models.ForeignKey(
        "partyorgs.Enterprise",
        verbose_name=_("host enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_sessions",
    )
    # Copied from the host so that officials' scope and the dashboards filter on one indexed column.
    region = models.ForeignKey(
        "partyorgs.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("hosts"), blank=True, related_name="hosted_live_sessions"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.AUDIENCE
    )
    playback = models.CharField(
        _("playback source"), max_length=20, choices=Playback.choices, default=Playback.HUB
    )
    external_url = models.URLField(_("external platform URL"), blank=True)
    replay_url = models.URLField(_("replay URL"), blank=True)
    # Part of every signed HLS/replay link (livestreams.playback): a new generation revokes the old links.
    media_link_generation = models.PositiveIntegerField(default=1, editable=False)
    cover = CleanImageField(_("cover image"), upload_to="covers/%Y/%m/", blank=True, box=COVER_BOX)
    # Audience: organizations (SessionAudience rows) and/or every member organization of an alliance.
    audience_alliance = models.ForeignKey(
        "partyorgs.Alliance",
        verbose_name=_("whole alliance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # --- media --- The secret of the RTMP push (made on first use, rotatable); see livestreams.services.media.
    # Made with the session, so that showing it never writes (services.media.stream_key_rotate replaces it).
    stream_key = models.CharField(
        _("stream key"), max_length=64, blank=True, editable=False, default=new_stream_key
    )
    stream_key_rotated_at = models.DateTimeField(
        _("stream key made"), null=True, blank=True, editable=False, default=timezone.now
    )
    slow_mode_seconds = models.PositiveIntegerField(_("slow mode (seconds between comments)"), default=0)
    peak_viewers = models.PositiveIntegerField(_("peak viewers"), default=0)
    went_live_at = models.DateTimeField(_("went live"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["region", "starts_at"]),
            models.Index(fields=["kind", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(host_organization__isnull=False) | Q(host_enterprise__isnull=False),
                name="session_has_a_host",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("livestreams:room", args=[self.pk])

    @property
    def kind_display(self) -> str:
        """What people call the session: a class's own kind (党小组会, 主题党日, ...), else the session's kind.
        Select `party_class` with the sessions where many are shown."""
        if self.kind == self.Kind.PARTY_CLASS:
            pc = getattr(self, "party_class", None)  # RelatedObjectDoesNotExist is an AttributeError
            if pc is not None:
                return str(pc.get_class_kind_display())
        return str(self.get_kind_display())

    @property
    def duration(self):
        return self.ends_at - self.starts_at


class SessionAudience(models.Model):
    """One organization in a session's audience, with or without the organizations below it."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="audience")
    organization = models.ForeignKey(
        "partyorgs.PartyOrganization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    include_subtree = models.BooleanField(_("with the organizations below it"), default=True)

    class Meta:
        verbose_name = _("audience organization")
        verbose_name_plural = _("audience organizations")
        constraints = [
            models.UniqueConstraint(fields=["session", "organization"], name="audience_unique_org")
        ]

    def __str__(self):
        return f"{self.session} · {self.organization}"


__all__ = ["LiveSession", "SessionAudience"]
