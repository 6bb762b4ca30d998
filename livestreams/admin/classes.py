from django.contrib import admin

from livestreams.models import Attendance, CalendarFeed, ClassSeries, PartyClass


@admin.register(PartyClass)
class PartyClassAdmin(admin.ModelAdmin):
    list_display = ["session", "class_kind", "venue", "attendance_threshold", "attendance_computed_at"]
    list_filter = ["class_kind"]
    search_fields = ["session__title"]
    raw_id_fields = ["session", "lecturer_member", "lecturer_expert", "series"]
    readonly_fields = ["start_notified_at", "attendance_computed_at"]


@admin.register(ClassSeries)
class ClassSeriesAdmin(admin.ModelAdmin):
    list_display = ["id", "frequency", "until", "created_by", "created_at"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "member", "seconds_watched", "attended", "excused"]
    list_filter = ["attended", "excused"]
    search_fields = ["session__title", "member__user__name"]
    raw_id_fields = ["session", "member"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_used_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["token"]
