from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from . import outbox, services
from .models import Department, District, LegalPage, QueuedTask, User


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


@admin.register(QueuedTask)
class QueuedTaskAdmin(admin.ModelAdmin):
    """The task outbox (lohmar_portal/outbox.py): what waits for the broker, what was given up.

    Read-only: rows are written by `enqueue` and sent by the flush; sent rows go after
    OUTBOX_KEEP_SENT_DAYS. The arguments (addresses, texts) are not shown.
    """

    list_display = ["task_name", "state", "created_at", "attempts", "sent_at", "task_id"]
    list_filter = ["state", "task_name"]
    search_fields = ["task_id", "task_name"]
    date_hierarchy = "created_at"
    fields = ["task_name", "task_id", "state", "created_at", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    actions = ["send_again", "flush_now"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(
        description=_("Aufgegebene Aufgaben erneut senden (nach einer Korrektur)"),
        permissions=["change"],
    )
    def send_again(self, request, queryset):
        count = queryset.filter(state=QueuedTask.State.FAILED).update(
            state=QueuedTask.State.WAITING
        )
        counts = outbox.flush()
        self.message_user(
            request,
            _("%(count)d wieder eingereiht; gesendet: %(sent)d, wartend: %(waiting)d.")
            % {"count": count, **counts},
        )

    @admin.action(description=_("Wartende Aufgaben jetzt senden"), permissions=["change"])
    def flush_now(self, request, queryset):
        counts = outbox.flush()
        level = messages.WARNING if counts["waiting"] or counts["failed"] else messages.SUCCESS
        self.message_user(
            request,
            _("Gesendet: %(sent)d, aufgegeben: %(failed)d, wartend: %(waiting)d.") % counts,
            level,
        )
