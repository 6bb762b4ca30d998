import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an email address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email.split("@")[0]


class Role(models.Model):
    """A scoped role. The member role is not here: it is the user's PartyMember record (one branch)."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official")
        ORGANIZER = "organizer", _("Organizer")
        MERCHANT = "merchant", _("Merchant")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "partyorgs.Region",
        verbose_name=_("district or subdistrict"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    organization = models.ForeignKey(
        "partyorgs.PartyOrganization",
        verbose_name=_("Party organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    enterprise = models.ForeignKey(
        "partyorgs.Enterprise", verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            # Each kind of role names exactly the one thing it is scoped to.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="official",
                        region__isnull=False,
                        organization__isnull=True,
                        enterprise__isnull=True,
                    )
                    | Q(
                        kind="organizer",
                        region__isnull=True,
                        organization__isnull=False,
                        enterprise__isnull=True,
                    )
                    | Q(
                        kind="merchant",
                        region__isnull=True,
                        organization__isnull=True,
                        enterprise__isnull=False,
                    )
                ),
                name="role_scope_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "region"], name="role_unique_official", condition=Q(kind="official")
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "organization"],
                name="role_unique_organizer",
                condition=Q(kind="organizer"),
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "enterprise"],
                name="role_unique_merchant",
                condition=Q(kind="merchant"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.scope}"

    @property
    def scope(self):
        return self.region or self.organization or self.enterprise


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An invitation link: the only way to sign up while public sign-up is off.

    Organizers invite members into a branch of their subtree, or organizers for an organization of their
    subtree; hub staff invite anyone to any role. Created only through hub.services.invitation_create.
    """

    class RoleKind(models.TextChoices):
        MEMBER = "member", _("Party member")
        ORGANIZER = "organizer", _("Organizer")
        OFFICIAL = "official", _("Official")
        MERCHANT = "merchant", _("Merchant")

    email = models.EmailField(_("email address"))
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    role_kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    region = models.ForeignKey(
        "partyorgs.Region",
        verbose_name=_("district or subdistrict"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    organization = models.ForeignKey(
        "partyorgs.PartyOrganization",
        verbose_name=_("Party organization or branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    enterprise = models.ForeignKey(
        "partyorgs.Enterprise", verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.email

    def clean(self):
        from django.core.exceptions import ValidationError

        scope_field = {
            self.RoleKind.MEMBER: "organization",
            self.RoleKind.ORGANIZER: "organization",
            self.RoleKind.OFFICIAL: "region",
            self.RoleKind.MERCHANT: "enterprise",
        }.get(self.role_kind)
        if scope_field is None:
            return
        for name in ("region", "organization", "enterprise"):
            given = getattr(self, f"{name}_id") is not None
            if name == scope_field and not given:
                raise ValidationError({name: _("This role needs it.")})
            if name != scope_field and given:
                raise ValidationError({name: _("This role does not use it; leave it empty.")})

    @property
    def scope(self):
        return self.region or self.organization or self.enterprise

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "withdrawn"
        if self.expires_at <= timezone.now():
            return "expired"
        return "waiting"

    def get_status_display(self) -> str:
        return {
            "accepted": _("Accepted"),
            "withdrawn": _("Withdrawn"),
            "expired": _("Expired"),
            "waiting": _("Waiting"),
        }[self.status]

    @property
    def is_usable(self) -> bool:
        return self.status == "waiting"


class Notification(models.Model):
    """An in-app notification; created only through hub.services.notification_send."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title


class OutgoingEmail(models.Model):
    """One email in the outbox: written in the transaction of the change it tells about (so it exists exactly
    when the change does), rendered in the recipient's language, sent by hub.tasks.email_send_queued and, when
    that task is lost, by the beat sweep. Created only through hub.emails.email_queue."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"))
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=250)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML version"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Not to be tried before this moment: the lease of the sender that claimed it, or the retry backoff.
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    claim = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        # The sweep's query: pending rows that are due.
        indexes = [models.Index(fields=["state", "not_before"], name="hub_outemail_due")]

    def __str__(self):
        return f"{self.to}: {self.subject}"
