from django.contrib import admin

from livestreams.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Read-only: reminders are armed and sent by the beat tasks; editing them by hand would break 'once'."""

    list_display = ["session", "user", "offset_minutes", "due_at", "state", "sent_at"]
    list_filter = ["state", "offset_minutes"]
    search_fields = ["session__title", "user__email"]
    raw_id_fields = ["session", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
