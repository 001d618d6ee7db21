"""The moderation log, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import ModerationAction
from .common import admin_link


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "target_link", "actor", "reason"]
    list_filter = ["action"]
    search_fields = ["reason"]
    list_select_related = ["actor"]
    fields = ["created_at", "action", "target_link", "actor", "reason", "details"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("target")

    @admin.display(description=_("Beitrag"))
    def target_link(self, obj: ModerationAction) -> str:
        return admin_link(obj.target)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
