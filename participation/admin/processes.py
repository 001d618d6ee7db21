"""Processes and their phases."""

from django.contrib import admin

from ..models import Phase, Process


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = [
        "name",
        "kind",
        "starts_at",
        "ends_at",
        "allows_submit",
        "allows_rate",
        "allows_comment",
    ]


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "is_public", "created_at"]
    list_filter = ["is_public"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PhaseInline]
