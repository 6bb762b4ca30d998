from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import (
    Alliance,
    AllianceMembership,
    Building,
    Enterprise,
    Expert,
    Incubator,
    IncubatorTenant,
    PartnerInstitution,
    PartyMember,
    PartyOrganization,
    Region,
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


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "branch", "status", "joined_on", "position"]
    list_filter = ["status", "branch__region", "joined_on"]
    search_fields = ["user__email", "user__name", "branch__name"]
    autocomplete_fields = ["user", "branch"]
    list_select_related = ["user", "branch"]
