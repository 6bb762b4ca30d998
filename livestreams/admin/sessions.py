from django import forms
from django.contrib import admin
from django.db import models

from livestreams.models import LiveSession, SessionAudience


class SessionAudienceInline(admin.TabularInline):
    model = SessionAudience
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "starts_at", "ends_at", "region", "visibility"]
    list_filter = ["kind", "status", "visibility", "playback", "region"]
    search_fields = ["title", "host_organization__name", "host_enterprise__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = [
        "host_organization",
        "host_enterprise",
        "region",
        "hosts",
        "audience_alliance",
        "created_by",
    ]
    readonly_fields = ["went_live_at", "ended_at", "peak_viewers", "created_at", "updated_at"]
    list_select_related = ["region"]
    inlines = [SessionAudienceInline]
    # Platform links are https; a bare "live.douyin.com/..." gets https:// rather than http://.
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}


@admin.register(SessionAudience)
class SessionAudienceAdmin(admin.ModelAdmin):
    list_display = ["session", "organization", "include_subtree"]
    list_filter = ["include_subtree"]
    search_fields = ["session__title", "organization__name"]
    autocomplete_fields = ["session", "organization"]
    list_select_related = ["session", "organization"]
