from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from hub.models import Notification, OutgoingEmail, User
from hub.sms import phone_normalize


class HubUserCreationForm(AdminUserCreationForm):
    """An account signs in by email (and password) or by mobile number (SMS code): one of the two is needed."""

    class Meta:
        model = User
        fields = ("email", "phone")

    def clean_phone(self):
        phone = self.cleaned_data.get("phone")
        return phone_normalize(phone) if phone else None

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            raise forms.ValidationError(_("Give an email address or a mobile number."))
        return data


class HubUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_phone(self):
        phone = self.cleaned_data.get("phone")
        return phone_normalize(phone) if phone else None


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts created by hub staff sign in by email; allauth asks them to verify it on first sign-in.

    partyorgs.admin registers a subclass in its place that shows the user's roles."""

    form = HubUserChangeForm
    add_form = HubUserCreationForm
    ordering = ["email"]
    list_display = ["__str__", "email", "name", "phone", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "date_joined"]
    search_fields = ["email", "name", "phone"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "phone", "phone_verified", "language"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "phone", "usable_password", "password1", "password2"]},
        ),
    ]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["title", "body", "user__email", "user__name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox, read-only: staff see what was sent and what failed (and why)."""

    list_display = ["subject", "to", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state", "template", "created_at"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
