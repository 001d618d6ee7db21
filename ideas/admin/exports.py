"""Dossier exports in the admin: start one, watch its progress, download, record the decision.

Starting, rebuilding and the council decision go through `ideas.exports.services`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from participation.admin import add_service_error, entry_form_page, error_text
from participation.models import Process

from ..exports import services
from ..exports.permissions import can_request_export
from ..models import DossierExport, Pillar, Proposal

Kind = DossierExport.Kind
FORMAT_CHOICES = [
    ("pdf", "PDF"),
    ("xlsx", _("Excel (XLSX)")),
    ("csv", "CSV"),
    ("docx", _("Word (DOCX)")),
    ("json", "JSON"),
]


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Art"), choices=Kind.choices, initial=Kind.WORKSHOP)
    formats = forms.MultipleChoiceField(
        label=_("Formate"),
        choices=FORMAT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Workshop-Dossier: PDF, XLSX, CSV. Beschlussvorlage: DOCX, PDF. "
            "Offene Daten: CSV, JSON."
        ),
    )
    process = forms.ModelChoiceField(
        label=_("Beteiligungsverfahren"), queryset=Process.objects.all(), required=False
    )
    pillars = forms.ModelMultipleChoiceField(
        label=_("Schwerpunkte"),
        queryset=Pillar.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    statuses = forms.MultipleChoiceField(
        label=_("Status"),
        choices=Proposal.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leer lassen: alle (bei der Beschlussvorlage: „dem Rat empfohlen“)."),
    )
    created_from = forms.DateField(label=_("Eingereicht ab"), required=False)
    created_until = forms.DateField(label=_("Eingereicht bis"), required=False)
    anonymise = forms.BooleanField(
        label=_("Anonymisiert (ohne Anzeigenamen)"), required=False, initial=True
    )


class SelectedExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Art"),
        choices=[(Kind.WORKSHOP, Kind.WORKSHOP.label), (Kind.COUNCIL, Kind.COUNCIL.label)],
    )
    formats = ExportRequestForm.base_fields["formats"]
    anonymise = ExportRequestForm.base_fields["anonymise"]


OUTCOME_CHOICES = [("", _("– nicht beschlossen –"))] + [
    (status.value, status.label) for status in services.DECISION_OUTCOMES
]


class CouncilDecisionForm(forms.Form):
    decision_date = forms.DateField(label=_("Datum der Ratssitzung"))
    resolution_number = forms.CharField(label=_("Beschlussnummer"), max_length=50)

    def __init__(self, *args, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = proposals
        for proposal in proposals:
            self.fields[f"outcome_{proposal.pk}"] = forms.ChoiceField(
                label=_("Ergebnis für %(p)s") % {"p": proposal},
                choices=OUTCOME_CHOICES,
                required=False,
            )
            self.fields[f"statement_{proposal.pk}"] = forms.CharField(
                label=_("Stellungnahme zu %(ref)s (optional)") % {"ref": proposal.reference},
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )

    def outcomes(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data[f"outcome_{p.pk}"] for p in self.proposals}

    def statements(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data[f"statement_{p.pk}"] for p in self.proposals}


def download_links(export: DossierExport) -> str:
    if export.state != DossierExport.State.READY or not export.files:
        return ""
    return format_html_join(
        " ",
        '<a class="button" href="{}" download>{}</a>',
        (
            (
                reverse("ideas:export_download", args=[export.pk, fmt]),
                _t("%(format)s herunterladen") % {"format": fmt.upper()},
            )
            for fmt in export.files
        ),
    )


@admin.register(DossierExport)
class DossierExportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "state", "progress_text", "requested_by", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["requested_by"]
    actions = ["rebuild"]
    fields = [
        "status_panel",
        "kind",
        "formats",
        "process",
        "filters",
        "anonymise",
        "subject",
        "proposed_resolution",
        "decision",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
        "attempts",
    ]
    readonly_fields = [
        "status_panel",
        "kind",
        "formats",
        "process",
        "filters",
        "anonymise",
        "decision",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
        "attempts",
    ]

    class Media:
        js = ["js/export-progress.js"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is None or obj.kind != Kind.COUNCIL:
            fields += ["subject", "proposed_resolution"]
        return fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Only the council submission's texts are editable; "Neu erstellen" builds them in.
        fields = [f for f in form.changed_data if f in {"subject", "proposed_resolution"}]
        if fields:
            obj.save(update_fields=fields)

    # --- Display ---

    @admin.display(description=_("Fortschritt"))
    def progress_text(self, obj: DossierExport) -> str:
        return f"{obj.progress} %"

    @admin.display(description=_("Stand"))
    def status_panel(self, obj: DossierExport) -> str:
        error = (
            format_html('<p class="errornote">{}</p>', obj.error)
            if obj.error and obj.state != DossierExport.State.READY
            else ""
        )
        return format_html(
            '<div class="export-status" data-status-url="{}">'
            "<p><strong data-export-state>{}</strong></p>"
            '<progress max="100" value="{}" aria-label="{}">{} %</progress> '
            '<span data-export-progress aria-live="polite">{} %</span>'
            "{}<p data-export-files>{}</p></div>",
            reverse("admin:ideas_dossierexport_status", args=[obj.pk]),
            obj.get_state_display(),
            obj.progress,
            _t("Fortschritt des Exports"),
            obj.progress,
            obj.progress,
            error,
            download_links(obj),
        )

    @admin.display(description=_("Auswahl"))
    def filters(self, obj: DossierExport) -> str:
        parts = []
        pillars = ", ".join(str(p) for p in obj.pillars.all())
        if pillars:
            parts.append(_t("Schwerpunkte: %(p)s") % {"p": pillars})
        if obj.statuses:
            labels = dict(Proposal.Status.choices)
            parts.append(
                _t("Status: %(s)s") % {"s": ", ".join(str(labels[s]) for s in obj.statuses)}
            )
        if obj.created_from or obj.created_until:
            parts.append(
                _t("eingereicht %(a)s – %(b)s")
                % {"a": obj.created_from or "…", "b": obj.created_until or "…"}
            )
        if obj.proposal_ids is not None:
            parts.append(_t("%(n)d ausgewählte Vorschläge") % {"n": len(obj.proposal_ids)})
        return "; ".join(parts) or _t("alle")

    @admin.display(description=_("Ratsbeschluss"))
    def decision(self, obj: DossierExport) -> str:
        if obj.kind != Kind.COUNCIL:
            return "–"
        if obj.resolution_number:
            return format_html(
                "{} {} ({})",
                obj.resolution_number,
                obj.decision_date.strftime("%d.%m.%Y"),
                ", ".join(
                    f"{ref}: {Proposal.Status(s).label}" for ref, s in obj.decision_outcomes.items()
                ),
            )
        if obj.state != DossierExport.State.READY:
            return "–"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:ideas_dossierexport_decision", args=[obj.pk]),
            _t("Ratsbeschluss erfassen"),
        )

    # --- Pages ---

    def get_urls(self):
        own = [
            path(
                "<int:pk>/stand/",
                self.admin_site.admin_view(self.status_view),
                name="ideas_dossierexport_status",
            ),
            path(
                "<int:pk>/ratsbeschluss/",
                self.admin_site.admin_view(self.decision_view),
                name="ideas_dossierexport_decision",
            ),
        ]
        return own + super().get_urls()

    def status_view(self, request, pk: int):
        """The job's state as JSON, polled by export-progress.js."""
        export = get_object_or_404(DossierExport, pk=pk)
        if not self.has_view_permission(request, export):
            raise PermissionDenied
        return JsonResponse(
            {
                "state": export.state,
                "label": export.get_state_display(),
                "progress": export.progress,
                "finished": export.is_finished,
                "error": export.error if export.state == DossierExport.State.FAILED else "",
            }
        )

    def add_view(self, request, form_url="", extra_context=None):
        """The "new export" form; the job is built by a worker."""
        if not (self.has_add_permission(request) and can_request_export(request.user)):
            raise PermissionDenied
        form = ExportRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                export = services.request_export(actor=request.user, **form.cleaned_data)
            except (PermissionDenied, ValidationError) as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, export, [{"added": {}}])
                messages.success(request, _t("Der Export wurde angelegt und wird jetzt erstellt."))
                return HttpResponseRedirect(
                    reverse("admin:ideas_dossierexport_change", args=[export.pk])
                )
        return entry_form_page(self, request, form, title=_t("Neuer Export"))

    def decision_view(self, request, pk: int):
        export = get_object_or_404(DossierExport, pk=pk, kind=Kind.COUNCIL)
        if not self.has_change_permission(request, export):
            raise PermissionDenied
        if export.proposal_ids is None:
            raise Http404
        proposals = list(Proposal.objects.filter(pk__in=export.proposal_ids).order_by("reference"))
        form = CouncilDecisionForm(request.POST or None, proposals=proposals)
        if request.method == "POST" and form.is_valid():
            try:
                services.record_council_decision(
                    actor=request.user,
                    export=export,
                    decision_date=form.cleaned_data["decision_date"],
                    resolution_number=form.cleaned_data["resolution_number"],
                    outcomes=form.outcomes(),
                    statements=form.statements(),
                )
            except (PermissionDenied, ValidationError) as error:
                add_service_error(form, error)
            else:
                messages.success(request, _t("Der Ratsbeschluss wurde erfasst."))
                return HttpResponseRedirect(
                    reverse("admin:ideas_dossierexport_change", args=[export.pk])
                )
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _t("Ratsbeschluss erfassen"),
            "subtitle": str(export),
            "opts": opts,
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
            "media": self.media + form.media,
            "changelist_url": reverse("admin:ideas_dossierexport_changelist"),
        }
        return TemplateResponse(request, "admin/entry_form.html", context)

    @admin.action(description=_("Neu erstellen"))
    def rebuild(self, request, queryset):
        for export in queryset:
            try:
                services.rebuild(actor=request.user, export=export)
            except (PermissionDenied, ValidationError) as error:
                messages.error(request, f"{export}: {error_text(error)}")
            else:
                messages.success(request, _t("%(e)s wird neu erstellt.") % {"e": export})


# --- The action on selected proposals -----------------------------------------------------------


@admin.action(description=_("Dossier exportieren"))
def export_selected(modeladmin, request, queryset):
    """Start a workshop dossier or council submission of exactly the selected proposals."""
    from participation.admin import action_form

    if not can_request_export(request.user):
        messages.error(request, _t("Sie dürfen keine Exporte anlegen."))
        return None
    form, page = action_form(
        modeladmin,
        request,
        queryset,
        SelectedExportForm,
        title=_t("Dossier der ausgewählten Vorschläge exportieren"),
        submit_label=_t("Export starten"),
    )
    if form is None:
        return page
    try:
        export = services.request_export(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            formats=form.cleaned_data["formats"],
            anonymise=form.cleaned_data["anonymise"],
            proposal_ids=list(queryset.values_list("pk", flat=True)),
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
        return None
    url = reverse("admin:ideas_dossierexport_change", args=[export.pk])
    messages.success(
        request,
        format_html(_t('Der Export wird erstellt: <a href="{}">{}</a>'), url, export),
    )
    return HttpResponseRedirect(url)
