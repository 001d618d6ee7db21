"""Defect reports for the staff who work on them, scoped to their department.

Staff see the reports of their own department; with `defects.work_all_departments` (and as
superusers) those of all departments. The change page only shows a report: every change goes
through `defects.services`, from the work pages it links to (`work.py`) or from the list's
actions (`actions.py`). Reports given by phone or letter are entered on the add page
(`entry.py`).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import DefectReport, InternalNote, Photo, StatusUpdate
from ..permissions import can_work_report, reports_for_staff, works_all_departments
from .actions import (
    hide_selected,
    mark_duplicate_selected,
    reassign_selected,
    restore_selected,
    set_status,
)
from .common import (
    PERSONAL_DATA,
    due_days,
    may_view_reports,
    may_work_report,
    may_work_reports,
    report_url,
    thumbnail_url,
)
from .entry import ReportEntryMixin
from .work import ReportWorkMixin

Status = DefectReport.Status


# --- Inlines: the report's history, notes and photos, read-only --------------------------------


class ReadOnlyInline(admin.TabularInline):
    """Shown to everybody who may see the report; written only through the services."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return may_view_reports(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StatusUpdateInline(ReadOnlyInline):
    model = StatusUpdate
    verbose_name = _("Statusänderung")
    verbose_name_plural = _("Öffentlicher Statusverlauf")
    fields = ["created_at", "from_status", "to_status", "note", "actor", "by_staff"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class InternalNoteInline(ReadOnlyInline):
    model = InternalNote
    verbose_name = _("Interne Notiz")
    verbose_name_plural = _("Interne Notizen (nicht öffentlich)")
    fields = ["created_at", "author", "text"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class PhotoInline(ReadOnlyInline):
    model = Photo
    verbose_name = _("Foto")
    verbose_name_plural = _("Fotos")
    fields = ["preview", "state", "is_released", "alt_text", "released_by", "photo_actions"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("released_by")

    @admin.display(description=_("Vorschau"))
    def preview(self, photo: Photo) -> str:
        url = thumbnail_url(photo)
        if url is None:
            return "–"
        return format_html(
            '<img src="{}" alt="{}" width="160" loading="lazy">',
            url,
            photo.alt_text or _t("Vorschau des Fotos"),
        )

    @admin.display(description=_("Bearbeiten"))
    def photo_actions(self, photo: Photo) -> str:
        links = []
        if photo.state == Photo.State.READY and not photo.is_released:
            links.append((report_url("photo_release", photo.report_id, photo.pk), _t("Freigeben")))
        if photo.is_released:
            links.append(
                (report_url("photo_withhold", photo.report_id, photo.pk), _t("Zurückhalten"))
            )
        links.append((report_url("photo_delete", photo.report_id, photo.pk), _t("Löschen")))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


# --- The list -----------------------------------------------------------------------------------


class PhotosWaitingFilter(admin.SimpleListFilter):
    title = _("Fotos")
    parameter_name = "fotos"

    def lookups(self, request, model_admin):
        return [("wartend", _("warten auf Freigabe"))]

    def queryset(self, request, queryset):
        if self.value() == "wartend":
            return queryset.filter(photos_waiting__gt=0)
        return queryset


def _photos_waiting() -> Subquery:
    """Processed photos nobody has released yet, counted per report in the same query."""
    waiting = (
        Photo.objects.filter(report=OuterRef("pk"), state=Photo.State.READY, is_released=False)
        .order_by()
        .values("report")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(waiting, output_field=IntegerField()), 0)


@admin.register(DefectReport)
class DefectReportAdmin(ReportEntryMixin, ReportWorkMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "category",
        "department",
        "status",
        "created_at",
        "supporter_count",
        "photos_pending",
        "age",
        "is_hidden",
    ]
    list_display_links = ["reference"]
    list_select_related = ["category", "department"]
    search_fields = ["reference", "description", "address"]
    search_help_text = _("Aktenzeichen, Beschreibung oder Adresse")
    actions = [
        set_status,
        reassign_selected,
        mark_duplicate_selected,
        hide_selected,
        restore_selected,
    ]
    inlines = [StatusUpdateInline, InternalNoteInline, PhotoInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "category",
                    "department",
                    "status",
                    "status_changed_at",
                    "resolved_at",
                    "duplicate_of",
                    "created_at",
                    "confirmed_at",
                ]
            },
        ),
        (_("Mangel und Ort"), {"fields": ["description", "address", "district", "location"]}),
        (
            _("Sichtbarkeit und Unterstützung"),
            {"fields": ["is_hidden", "hidden_reason", "supports"]},
        ),
        (_("Eingang"), {"fields": ["channel", "entered_by", "api_client"]}),
        (
            PERSONAL_DATA,
            {
                "fields": [
                    "reporter_account",
                    "reporter_name",
                    "reporter_email",
                    "reporter_phone",
                    "on_behalf_of",
                    "redacted_at",
                ],
                "description": _(
                    "Nur zur Kontaktaufnahme bei der Bearbeitung. Diese Angaben erscheinen nie "
                    "öffentlich und dürfen nicht in öffentliche Notizen übernommen werden."
                ),
            },
        ),
    ]
    readonly_fields = [
        "reference",
        "category",
        "department",
        "status",
        "status_changed_at",
        "resolved_at",
        "duplicate_of",
        "created_at",
        "confirmed_at",
        "description",
        "address",
        "district",
        "location",
        "is_hidden",
        "hidden_reason",
        "supports",
        "channel",
        "entered_by",
        "api_client",
        "reporter_account",
        "reporter_name",
        "reporter_email",
        "reporter_phone",
        "on_behalf_of",
        "redacted_at",
    ]

    # --- Who sees what ---

    def get_queryset(self, request):
        reports = reports_for_staff(request.user, super().get_queryset(request))
        return reports.annotate(photos_waiting=_photos_waiting())

    def get_object(self, request, object_id, from_field=None):
        # One query for the change page's read-only relations.
        try:
            return (
                self.get_queryset(request)
                .select_related(
                    "category",
                    "department",
                    "district",
                    "reporter",
                    "entered_by",
                    "api_client",
                    "duplicate_of",
                )
                .get(pk=int(object_id))
            )
        except (DefectReport.DoesNotExist, ValueError, TypeError):
            return None

    def get_list_filter(self, request):
        filters = [
            "status",
            ("category", admin.RelatedOnlyFieldListFilter),
            ("district", admin.RelatedOnlyFieldListFilter),
            "channel",
            "is_hidden",
            PhotosWaitingFilter,
        ]
        # Department staff never see the other departments, not even as filter values.
        if works_all_departments(request.user):
            filters.insert(2, "department")
        return filters

    def has_module_permission(self, request) -> bool:
        return may_view_reports(request)

    def has_view_permission(self, request, obj=None) -> bool:
        if not may_view_reports(request):
            return False
        return obj is None or can_work_report(request.user, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        # The list's actions need it; the change page itself stays read-only, its changes are
        # made on the work pages through the services.
        return obj is None and may_work_reports(request)

    def has_add_permission(self, request) -> bool:
        return may_work_reports(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Reports are closed, hidden or redacted, never deleted by hand (their history stays).
        return False

    def get_view_on_site_url(self, obj=None):
        # The public page exists only for public reports.
        if obj is None or not obj.is_public:
            return None
        return super().get_view_on_site_url(obj)

    def response_action(self, request, queryset):
        """Name the selected reports that are not this member's (a stale page, a forged post):
        the action runs only on the reports of their department, the others stay untouched."""
        selected = {
            int(value)
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
            if value.isdigit()
        }
        if selected:
            visible = set(
                self.get_queryset(request).filter(pk__in=selected).values_list("pk", flat=True)
            )
            foreign = len(selected - visible)
            if foreign:
                messages.error(
                    request,
                    ngettext(
                        "%(count)d ausgewählte Meldung gehört nicht zu Ihrem Fachbereich; "
                        "sie bleibt unverändert.",
                        "%(count)d ausgewählte Meldungen gehören nicht zu Ihrem Fachbereich; "
                        "sie bleiben unverändert.",
                        foreign,
                    )
                    % {"count": foreign},
                )
            if not visible:
                return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    # --- List columns ---

    @admin.display(description=_("Fotos zur Freigabe"), ordering="photos_waiting")
    def photos_pending(self, report: DefectReport) -> str:
        count = getattr(report, "photos_waiting", 0)
        if not count:
            return "–"
        return ngettext("%(count)d wartet", "%(count)d warten", count) % {"count": count}

    @admin.display(description=_("Alter"), ordering="created_at")
    def age(self, report: DefectReport) -> str:
        days = (timezone.now() - report.created_at).days
        text = ngettext("%(days)d Tag", "%(days)d Tage", days) % {"days": days}
        if report.is_open and days >= due_days():
            return format_html("<strong>{}</strong>", _t("überfällig: %(age)s") % {"age": text})
        return text

    # --- Change page ---

    @admin.display(description=_("Koordinaten"))
    def location(self, report: DefectReport) -> str:
        if not report.has_point:
            return "–"
        return f"{report.latitude:.6f}, {report.longitude:.6f}"

    @admin.display(description=_("„Ich auch“"))
    def supports(self, report: DefectReport) -> str:
        return ngettext(
            "%(count)d bestätigte Unterstützung",
            "%(count)d bestätigte Unterstützungen",
            report.supporter_count,
        ) % {"count": report.supporter_count}

    @admin.display(description=_("Bürgerkonto"))
    def reporter_account(self, report: DefectReport) -> str:
        user = report.reporter
        if user is None:
            return "–"
        name = f"{user.real_name} ({user.display_name})" if user.real_name else user.display_name
        return f"{name}, {user.email}"

    def work_links(self, report: DefectReport) -> list[tuple[str, str]]:
        links = []
        if DefectReport.TRANSITIONS.get(report.status):
            links.append((report_url("status", report.pk), _t("Status ändern")))
        links.append((report_url("note", report.pk), _t("Interne Notiz")))
        links.append((report_url("reassign", report.pk), _t("Neu zuordnen")))
        if report.status != Status.DUPLICATE:
            links.append((report_url("duplicate", report.pk), _t("Duplikat")))
        if report.is_hidden:
            links.append((report_url("restore", report.pk), _t("Wieder einblenden")))
        else:
            links.append((report_url("hide", report.pk), _t("Ausblenden")))
        links.append((report_url("redact", report.pk), _t("Personenbezogene Daten entfernen")))
        return links

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and may_work_report(request, obj):
            context["work_links"] = self.work_links(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)
