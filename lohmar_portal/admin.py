from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Department, District, LegalPage, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "department", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "department"]
    search_fields = ["email", "display_name", "real_name"]
    autocomplete_fields = ["district", "department"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["display_name", "real_name", "district"]}),
        (
            _("Rechte"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "department",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Daten"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]},
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["delete_accounts"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # A hard delete would remove ratings under their counters and orphan contributions:
        # accounts are erased through the same service as "Konto löschen" in the account.
        return False

    @admin.action(description=_("Konto löschen (persönliche Daten entfernen, Beiträge bleiben)"))
    def delete_accounts(self, request, queryset):
        for user in queryset:
            try:
                services.delete_account(actor=request.user, user=user)
            except PermissionDenied as error:
                self.message_user(request, f"{user}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("%(user)s: gelöscht.") % {"user": user})


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "lead"]
    list_select_related = ["lead"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "email", "lead", "description"]
    # The lead hears of tickets past their service level; picked by search among many accounts.
    autocomplete_fields = ["lead"]


@admin.register(LegalPage)
class LegalPageAdmin(admin.ModelAdmin):
    list_display = ["kind", "is_published", "updated_at"]
    readonly_fields = ["updated_at"]
