from django.contrib import admin

from livestreams.models import Lecture, Recording, StreamPublish


@admin.register(StreamPublish)
class StreamPublishAdmin(admin.ModelAdmin):
    list_display = ["session", "client_id", "address", "started_at", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    search_fields = ["session__title", "address"]
    raw_id_fields = ["session"]
    readonly_fields = [
        "session",
        "client_id",
        "address",
        "started_at",
        "last_seen_at",
        "ended_at",
        "end_reason",
    ]


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["file_name", "session", "state", "duration_seconds", "size", "in_replay", "created_at"]
    list_filter = ["state", "in_replay"]
    search_fields = ["file_name", "session__title"]
    raw_id_fields = ["session"]


@admin.register(Lecture)
class LectureAdmin(admin.ModelAdmin):
    list_display = ["original_name", "session", "state", "duration_seconds", "uploaded_by", "uploaded_at"]
    list_filter = ["state"]
    search_fields = ["original_name", "session__title"]
    raw_id_fields = ["session", "uploaded_by"]
    readonly_fields = ["started_at", "heartbeat_at", "finished_at", "runner", "error"]
