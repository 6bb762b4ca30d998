from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        # A person signs in with an email address, a mobile number (SMS code), or both.
        if not email and not extra.get("phone"):
            raise ValueError("An email address or a mobile number is required.")
        email = self.normalize_email(email).lower() if email else None
        user = self.model(email=email, **extra)
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
    """A person who signs in with an email address or a mobile number (or both).

    Both are unique when set and NULL when not (never ""), so that many people can have neither of one kind.
    `phone` is stored in E.164 form (+8613812345678); `phone_verified` says an SMS code proved it.
    `language` is the one they chose (hub.language.user_language reads it).
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("mobile phone verified"), default=False)
    # The language of the pages after sign-in, of emails and of text messages; blank: the site's (zh-hans).
    # Written by hub.services.user_language_set (the language switcher, the profile page).
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.name or self.email or masked_phone(self.phone)

    def get_full_name(self):
        return str(self)

    def get_short_name(self):
        return self.name or (self.email.split("@")[0] if self.email else masked_phone(self.phone))

    def save(self, *args: Any, **kwargs: Any) -> None:
        # "" would collide with the next person who has none: unset is NULL.
        self.email = self.email or None
        self.phone = self.phone or None
        super().save(*args, **kwargs)


def masked_phone(phone: str | None) -> str:
    """+8613812345678 → 138****5678: how a number is shown to anyone but its owner."""
    if not phone:
        return ""
    digits = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else digits


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
