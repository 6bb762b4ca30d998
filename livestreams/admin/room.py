"""Admin of the live room: the sensitive-word list (staff edit it), comments, mutes, the moderation log and
presence records (read-only: they are written by the room)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from livestreams.models import BannedWord, Comment, ModerationAction, Mute, PresenceInterval
from livestreams.services.room import RoomError, comment_remove


@admin.register(BannedWord)
class BannedWordAdmin(admin.ModelAdmin):
    list_display = ["word", "action", "is_active", "updated_at"]
    list_editable = ["action", "is_active"]
    list_filter = ["action", "is_active"]
    search_fields = ["word"]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(_ReadOnly):
    list_display = ["created_at", "session", "author", "text", "by_moderator", "removed_at"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter), "by_moderator"]
    search_fields = ["text", "author__email", "author__name", "session__title"]
    list_select_related = ["session", "author"]
    date_hierarchy = "created_at"
    actions = ["remove_comments"]

    @admin.action(description=_("Remove the selected comments from their rooms"))
    def remove_comments(self, request, queryset):
        removed = 0
        for comment in queryset.select_related("session"):
            try:
                removed += comment_remove(session=comment.session, comment_id=comment.pk, user=request.user)
            except RoomError as error:
                self.message_user(request, error.message, messages.ERROR)
        self.message_user(request, _("%(n)d comments removed.") % {"n": removed}, messages.SUCCESS)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


@admin.register(ModerationAction)
class ModerationActionAdmin(_ReadOnly):
    list_display = ["created_at", "session", "actor", "action", "target_user", "detail"]
    list_filter = ["action"]
    search_fields = ["session__title", "actor__email", "target_user__email"]
    list_select_related = ["session", "actor", "target_user"]
    date_hierarchy = "created_at"


@admin.register(Mute)
class MuteAdmin(_ReadOnly):
    list_display = ["created_at", "session", "user", "muted_by"]
    search_fields = ["session__title", "user__email", "user__name"]
    list_select_related = ["session", "user", "muted_by"]


@admin.register(PresenceInterval)
class PresenceIntervalAdmin(_ReadOnly):
    list_display = ["session", "user", "joined_at", "left_at"]
    list_filter = [("left_at", admin.EmptyFieldListFilter)]
    search_fields = ["session__title", "user__email", "user__name"]
    list_select_related = ["session", "user"]
    date_hierarchy = "joined_at"
