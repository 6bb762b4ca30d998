"""The meeting records (三会一课台账) in the admin: read there, written in the hub's pages.

Records, photos and attachments are read-only: the hub's services check who writes and delete a removed
file along with its row, which the admin's own delete would not. Photos and attachments live in the private
storage, which has no URL, so they are shown as links to the hub's views (those check who asks); the file
fields themselves are left out of every admin form (rendering them would ask the storage for a URL).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from livestreams.models import (
    MeetingAttachment,
    MeetingAttendee,
    MeetingPhoto,
    MeetingPlan,
    MeetingPlanReminder,
    MeetingRecord,
    MeetingRule,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _photo_link(photo: MeetingPhoto) -> str:
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("classes:meeting_photo", args=[photo.record_id, photo.pk]),
        _("Open the photo"),
    )


def _attachment_link(att: MeetingAttachment) -> str:
    return format_html(
        '<a href="{}">{}</a>', reverse("classes:meeting_attachment", args=[att.record_id, att.pk]), att.name
    )


class MeetingAttendeeInline(ReadOnlyInline):
    model = MeetingAttendee
    fields = ["member", "state", "reason", "signed_in_at"]
    show_change_link = False


class MeetingPhotoInline(ReadOnlyInline):
    model = MeetingPhoto
    fields = ["photo", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def photo(self, obj):
        return _photo_link(obj)


class MeetingAttachmentInline(ReadOnlyInline):
    model = MeetingAttachment
    fields = ["download", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return _attachment_link(obj)


@admin.register(MeetingRecord)
class MeetingRecordAdmin(ReadOnlyAdmin):
    list_display = ["topic", "organization", "kind", "starts_at", "place", "session", "minutes_written_at"]
    list_filter = ["kind", "region", "starts_at"]
    search_fields = ["topic", "place", "organization__name", "host_name", "recorder_name"]
    list_select_related = ["organization", "session"]
    date_hierarchy = "starts_at"
    inlines = [MeetingAttendeeInline, MeetingPhotoInline, MeetingAttachmentInline]


@admin.register(MeetingPhoto)
class MeetingPhotoAdmin(ReadOnlyAdmin):
    list_display = ["pk", "record", "photo", "uploaded_by", "uploaded_at"]
    list_filter = ["uploaded_at", "record__kind"]
    search_fields = ["record__topic", "record__organization__name", "uploaded_by__name"]
    list_select_related = ["record", "uploaded_by"]
    fields = ["record", "photo", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def photo(self, obj):
        return _photo_link(obj)


@admin.register(MeetingAttachment)
class MeetingAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "record", "download", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["uploaded_at", "record__kind"]
    search_fields = ["name", "record__topic", "record__organization__name", "uploaded_by__name"]
    list_select_related = ["record", "uploaded_by"]
    fields = ["record", "name", "download", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return _attachment_link(obj)


@admin.register(MeetingRule)
class MeetingRuleAdmin(ReadOnlyAdmin):
    """Set by a subdistrict's (or district's) organizers on the rules page."""

    list_display = ["region", "min_minutes", "min_attendance_percent", "minutes_required", "updated_at"]
    list_filter = ["minutes_required", "region__kind"]
    search_fields = ["region__name"]
    list_select_related = ["region"]


@admin.register(MeetingPlan)
class MeetingPlanAdmin(ReadOnlyAdmin):
    """A branch's annual plan, set by its organizers on the plan page."""

    list_display = ["organization", "year", "kind", "q1", "q2", "q3", "q4", "updated_by", "updated_at"]
    list_filter = ["year", "kind"]
    search_fields = ["organization__name"]
    list_select_related = ["organization", "updated_by"]


@admin.register(MeetingPlanReminder)
class MeetingPlanReminderAdmin(ReadOnlyAdmin):
    """One reminder per branch and quarter; deleting a row lets the beat task remind that branch again."""

    list_display = ["organization", "year", "quarter", "sent_at"]
    list_filter = ["year", "quarter"]
    search_fields = ["organization__name"]
    list_select_related = ["organization"]

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)
