"""The vision and its pillars."""

from django.contrib import admin

from ..models import Pillar, Vision


class PillarInline(admin.StackedInline):
    model = Pillar
    extra = 0
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Vision)
class VisionAdmin(admin.ModelAdmin):
    list_display = ["title", "horizon", "is_published", "updated_at"]
    list_filter = ["is_published"]
    inlines = [PillarInline]


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["title", "vision", "order"]
    list_filter = ["vision"]
    search_fields = ["title", "slogan"]
    prepopulated_fields = {"slug": ["title"]}
