from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from hub import services
from hub.models import Invitation, Notification, OutgoingEmail, Role, User


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["region", "organization", "enterprise"]


class HubUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class HubUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts created by hub staff sign in by email; allauth asks them to verify it on first sign-in."""

    form = HubUserChangeForm
    add_form = HubUserCreationForm
    ordering = ["email"]
    list_display = ["email", "name", "phone", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "roles__kind", "date_joined"]
    search_fields = ["email", "name", "phone"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [RoleInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "phone"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]}),
    ]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "region", "organization", "enterprise", "created_at"]
    list_filter = ["kind", "region"]
    search_fields = ["user__email", "user__name", "organization__name", "enterprise__name", "region__name"]
    autocomplete_fields = ["user", "region", "organization", "enterprise"]
    list_select_related = ["user", "region", "organization", "enterprise"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the Invitations page (which emails the link); here they are looked up
    and withdrawn."""

    list_display = ["email", "role_kind", "scope", "created_by", "created_at", "expires_at", "status_label"]
    list_filter = ["role_kind", ("accepted_at", admin.EmptyFieldListFilter), "created_at", "expires_at"]
    search_fields = ["email", "created_by__email", "organization__name", "enterprise__name"]
    list_select_related = ["region", "organization", "enterprise", "created_by"]
    readonly_fields = [
        "email",
        "role_kind",
        "region",
        "organization",
        "enterprise",
        "created_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    actions = ["withdraw"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.action(description=_("Withdraw the selected invitations"))
    def withdraw(self, request, queryset):
        done = sum(
            services.invitation_revoke(invitation=inv, by=request.user)
            for inv in queryset.filter(accepted_at__isnull=True)
        )
        self.message_user(request, _("%(n)d invitations withdrawn.") % {"n": done}, messages.SUCCESS)


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
