"""The flag queue: reports that still need a moderator's decision."""

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import services
from ..models import Flag
from ..permissions import can_moderate
from .common import ReasonForm, action_form, admin_link, require_moderator, run_each


class FlagStateFilter(admin.SimpleListFilter):
    """Open reports by default: the queue is what still needs a decision."""

    title = _("Stand")
    parameter_name = "stand"

    def lookups(self, request, model_admin):
        return [("open", _("offen")), ("resolved", _("erledigt")), ("all", _("alle"))]

    def choices(self, changelist):
        current = self.value() or "open"
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(resolved_at__isnull=True)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


def _flag_targets(queryset: models.QuerySet) -> list[models.Model]:
    """The distinct objects the selected reports are about, one query per kind of object."""
    keys = queryset.order_by().values_list("content_type_id", "object_id").distinct()
    by_type: dict[int, set[int]] = {}
    for content_type_id, object_id in keys:
        by_type.setdefault(content_type_id, set()).add(object_id)
    targets = []
    for content_type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        targets.extend(model._default_manager.filter(pk__in=ids))
    return targets


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = [
        "target_link",
        "open_on_target",
        "reason",
        "reporter",
        "created_at",
        "resolved_at",
    ]
    list_filter = [FlagStateFilter]
    search_fields = ["reason"]
    list_select_related = ["user"]
    actions = ["hide_targets", "dismiss"]
    fields = ["target_link", "reason", "reporter", "created_at", "resolved_at", "resolved_by"]

    def get_queryset(self, request):
        open_on_target = (
            Flag.objects.filter(
                content_type=OuterRef("content_type"),
                object_id=OuterRef("object_id"),
                resolved_at__isnull=True,
            )
            .order_by()
            .values("object_id")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(open_count=Coalesce(Subquery(open_on_target), 0))
            .prefetch_related("target")
        )

    def has_module_permission(self, request):
        return can_moderate(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return can_moderate(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Beitrag"))
    def target_link(self, obj: Flag) -> str:
        return admin_link(obj.target)

    @admin.display(description=_("offene Meldungen zum Beitrag"), ordering="open_count")
    def open_on_target(self, obj: Flag) -> int:
        return obj.open_count

    @admin.display(description=_("Gemeldet von"), ordering="user__display_name")
    def reporter(self, obj: Flag) -> str:
        return obj.user.display_name

    @admin.action(description=_("Beitrag ausblenden"))
    def hide_targets(self, request, queryset):
        return self._decide(request, queryset, hide=True)

    @admin.action(description=_("Meldungen zurückweisen"))
    def dismiss(self, request, queryset):
        return self._decide(request, queryset, hide=False)

    def _decide(self, request, queryset, *, hide: bool):
        if not require_moderator(request):
            return None
        targets = _flag_targets(queryset)
        form, page = action_form(
            self,
            request,
            queryset,
            ReasonForm,
            title=_t("Gemeldete Beiträge ausblenden") if hide else _t("Meldungen zurückweisen"),
            submit_label=_t("Ausblenden") if hide else _t("Zurückweisen"),
            objects=targets,
        )
        if form is None:
            return page
        reason = form.cleaned_data["reason"]
        service = services.hide if hide else services.dismiss_flags
        done = run_each(
            request, targets, lambda obj: service(actor=request.user, target=obj, reason=reason)
        )
        if done:
            message = (
                ngettext(
                    "%(count)d Beitrag ausgeblendet.", "%(count)d Beiträge ausgeblendet.", done
                )
                if hide
                else ngettext(
                    "Meldungen zu %(count)d Beitrag zurückgewiesen.",
                    "Meldungen zu %(count)d Beiträgen zurückgewiesen.",
                    done,
                )
            )
            messages.success(request, message % {"count": done})
        return None
