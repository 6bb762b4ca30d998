from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from hub.admin import UserAdmin as HubUserAdmin
from hub.models import User

from . import services
from .models import (
    Alliance,
    AllianceMembership,
    Building,
    Enterprise,
    Expert,
    Incubator,
    IncubatorTenant,
    Invitation,
    PartnerInstitution,
    PartyMember,
    PartyOrganization,
    Region,
    Role,
    RosterChange,
    RosterImport,
    Venue,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "province", "city"]
    list_filter = ["kind", "province"]
    search_fields = ["name", "province", "city"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(TreeAdmin):
    """treebeard's admin: the tree with drag-and-drop moves; the form places a node under its parent."""

    form = movenodeform_factory(PartyOrganization)
    list_display = ["name", "kind", "region", "secretary_name"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "secretary_name"]
    list_select_related = ["region"]


class AllianceMembershipInline(admin.TabularInline):
    model = AllianceMembership
    extra = 0
    autocomplete_fields = ["organization"]


class PartnerInstitutionInline(admin.TabularInline):
    model = PartnerInstitution
    extra = 0
    show_change_link = True


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "lead_organization", "founded_on"]
    list_filter = ["region"]
    search_fields = ["name", "lead_organization__name"]
    autocomplete_fields = ["region", "lead_organization"]
    inlines = [AllianceMembershipInline, PartnerInstitutionInline]


@admin.register(AllianceMembership)
class AllianceMembershipAdmin(admin.ModelAdmin):
    list_display = ["alliance", "organization", "joined_on"]
    list_filter = ["alliance"]
    search_fields = ["alliance__name", "organization__name"]
    autocomplete_fields = ["alliance", "organization"]


class ExpertInline(admin.TabularInline):
    model = Expert
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(PartnerInstitution)
class PartnerInstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "alliance"]
    list_filter = ["kind", "alliance"]
    search_fields = ["name"]
    inlines = [ExpertInline]


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "field", "institution"]
    list_filter = ["institution__kind", "institution"]
    search_fields = ["name", "field", "institution__name"]
    autocomplete_fields = ["institution", "user"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "located_in", "party_organization"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "address", "located_in"]
    autocomplete_fields = ["region", "party_organization"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "building", "area_m2", "capacity"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "address", "facilities"]
    autocomplete_fields = ["region", "building"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "industry", "building", "alliance", "branch_mode"]
    list_filter = ["industry", "branch_mode", "is_non_public", "region", "building", "alliance"]
    search_fields = ["name", "credit_code", "contact_name"]
    autocomplete_fields = ["region", "building", "alliance", "party_organization"]
    list_select_related = ["building", "alliance"]


class IncubatorTenantInline(admin.TabularInline):
    model = IncubatorTenant
    extra = 0
    autocomplete_fields = ["enterprise"]
    fields = ["name", "kind", "industry", "status", "moved_in_on", "left_on", "workstations", "enterprise"]


@admin.register(Incubator)
class IncubatorAdmin(admin.ModelAdmin):
    list_display = ["name", "building", "workstations", "opened_on"]
    list_filter = ["building__region"]
    search_fields = ["name", "building__name", "motto"]
    autocomplete_fields = ["building"]
    inlines = [IncubatorTenantInline]


@admin.register(IncubatorTenant)
class IncubatorTenantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "incubator",
        "kind",
        "industry",
        "status",
        "moved_in_on",
        "left_on",
        "workstations",
    ]
    list_filter = ["status", "kind", "industry", "incubator"]
    search_fields = ["name", "contact_name", "enterprise__name"]
    autocomplete_fields = ["incubator", "enterprise"]
    list_select_related = ["incubator"]


class RosterChangeInline(admin.TabularInline):
    """Who corrected the roster data, read-only (written by partyorgs.services.member_update)."""

    model = RosterChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ["changed_at", "user", "changes"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "branch", "status", "joined_on", "left_on", "position"]
    list_filter = ["status", "branch__region", "joined_on", ("left_on", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__phone", "user__name", "branch__name"]
    autocomplete_fields = ["user", "branch"]
    list_select_related = ["user", "branch"]
    inlines = [RosterChangeInline]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["region", "organization", "enterprise"]


# The user admin of the hub app, with the user's roles: roles live in this app, which the hub app does not import.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(HubUserAdmin):
    list_filter = ["is_active", "is_staff", "is_superuser", "roles__kind", "date_joined"]
    inlines = [RoleInline]


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

    list_display = [
        "email",
        "phone",
        "name",
        "role_kind",
        "scope",
        "created_by",
        "created_at",
        "expires_at",
        "status_label",
    ]
    list_filter = ["role_kind", ("accepted_at", admin.EmptyFieldListFilter), "created_at", "expires_at"]
    search_fields = ["email", "phone", "name", "created_by__email", "organization__name", "enterprise__name"]
    list_select_related = ["region", "organization", "enterprise", "created_by"]
    readonly_fields = [
        "email",
        "phone",
        "name",
        "member_status",
        "member_joined_on",
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
            services.invitation_revoke(invitation=inv, user=request.user)
            for inv in queryset.filter(accepted_at__isnull=True)
        )
        self.message_user(request, _("%(n)d invitations withdrawn.") % {"n": done}, messages.SUCCESS)


@admin.register(RosterChange)
class RosterChangeAdmin(admin.ModelAdmin):
    """The roster's audit trail: read-only."""

    list_display = ["member", "user", "changed_at"]
    list_filter = ["changed_at", "member__branch__region"]
    search_fields = ["member__user__name", "member__user__email", "user__name", "member__branch__name"]
    list_select_related = ["member__user", "user"]
    readonly_fields = ["member", "user", "changed_at", "changes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    """Roster files checked by the worker, with their outcome (the file itself is dropped once checked)."""

    list_display = [
        "file_name",
        "branch",
        "user",
        "state",
        "invited",
        "updated",
        "problem_count",
        "created_at",
    ]
    list_filter = ["state", "created_at"]
    search_fields = ["file_name", "branch__name", "user__email", "user__name"]
    list_select_related = ["branch", "user"]
    readonly_fields = [
        "user",
        "branch",
        "file_name",
        "state",
        "rows_total",
        "rows_checked",
        "invited",
        "updated",
        "problem_count",
        "problems",
        "finished_at",
    ]
    exclude = ["language", "base_url"]

    def has_add_permission(self, request):
        return False
