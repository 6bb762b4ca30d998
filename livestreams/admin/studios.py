from django.contrib import admin

from livestreams.models import Studio, StudioBooking


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "building",
        "capacity",
        "opens_at",
        "closes_at",
        "changeover_minutes",
        "is_active",
    ]
    list_filter = ["building", "is_active"]
    search_fields = ["name", "building__name"]


@admin.register(StudioBooking)
class StudioBookingAdmin(admin.ModelAdmin):
    """Bookings are changed through the hub (which keeps the changeover gap); the admin shows them."""

    list_display = [
        "studio",
        "starts_at",
        "ends_at",
        "blocked_until",
        "enterprise",
        "state",
        "hold_expires_at",
    ]
    list_filter = ["state", "studio"]
    raw_id_fields = ["session", "enterprise", "created_by"]
    list_select_related = ["studio", "studio__building", "enterprise"]
    readonly_fields = ["blocked_until"]

    def has_add_permission(self, request):
        return False
