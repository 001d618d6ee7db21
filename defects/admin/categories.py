"""Categories: what citizens can report, and which department receives it.

Configuration, not casework: only superusers and staff with the model permissions edit them.
Changing a category's department routes new reports; existing ones are reassigned on their own.
"""

from django.contrib import admin

from ..models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "service_code", "department", "group", "order", "is_active"]
    list_filter = ["is_active", "department", "group"]
    list_select_related = ["department"]
    search_fields = ["name", "service_code", "keywords"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [
        "name",
        "slug",
        "service_code",
        "description",
        "group",
        "keywords",
        "department",
        "order",
        "is_active",
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Reports keep their category (PROTECT); an unused category is deactivated instead.
        if obj is not None and obj.reports.exists():
            return False
        return super().has_delete_permission(request, obj)
