"""Proposals: corrections, entry on behalf, and the moderation actions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lohmar_portal.models import Department, District
from participation import admin as participation_admin
from participation.admin import (
    ON_BEHALF_CHANNELS,
    action_form,
    add_service_error,
    entry_form_page,
    error_text,
    hide_selected,
    require_moderator,
    restore_selected,
    run_each,
)
from participation.models import ModerationAction, Process

from .. import services
from ..models import Pillar, Proposal, RoadmapProject
from .exports import export_selected


def proposal_by_reference(reference: str) -> Proposal | None:
    return Proposal.objects.filter(reference=reference).first()


participation_admin.TARGET_RESOLVERS.append(proposal_by_reference)


# --- Forms of the proposal actions --------------------------------------------------------------

# Statuses a moderator sets by hand; withdrawing and merging have their own services.
STAFF_STATUSES = [
    (status.value, status.label)
    for status in Proposal.Status
    if status not in {Proposal.Status.SUBMITTED, Proposal.Status.WITHDRAWN, Proposal.Status.MERGED}
]


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ProposalEntryForm(forms.Form):
    """A proposal a citizen handed in on paper, by phone, at a workshop, …"""

    process = forms.ModelChoiceField(
        label=_("Beteiligungsverfahren"), queryset=Process.objects.all()
    )
    pillar = forms.ModelChoiceField(label=_("Schwerpunkt"), queryset=Pillar.objects.all())
    title = forms.CharField(label=_("Titel"), max_length=150)
    summary = forms.CharField(label=_("Kurzfassung"), max_length=500, widget=_textarea(3))
    text = forms.CharField(label=_("Beschreibung"), max_length=10000, widget=_textarea(10))
    district = forms.ModelChoiceField(
        label=_("Ortsteil"), queryset=District.objects.all(), required=False
    )
    channel = forms.ChoiceField(label=_("Eingangsweg"), choices=ON_BEHALF_CHANNELS)
    on_behalf_of = forms.CharField(
        label=_("Im Auftrag von (nicht öffentlich)"),
        max_length=200,
        required=False,
        help_text=_("Name und Kontakt der Person; erscheint nie auf öffentlichen Seiten."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Neuer Status"), choices=STAFF_STATUSES)
    note = forms.CharField(
        label=_("Öffentliche Begründung"),
        required=False,
        widget=_textarea(),
        help_text=_("Erscheint im öffentlichen Verlauf des Vorschlags."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Offizielle Antwort der Stadt"), widget=_textarea(8))


class MergeForm(forms.Form):
    target = forms.CharField(
        label=_("Aktenzeichen des Vorschlags, der bestehen bleibt"),
        max_length=20,
        help_text=_("Die übrigen ausgewählten Vorschläge werden in diesen zusammengeführt."),
    )
    reason = forms.CharField(label=_("Öffentliche Begründung"), widget=_textarea(3))

    def clean_target(self) -> Proposal:
        proposal = proposal_by_reference(self.cleaned_data["target"].strip().upper())
        if proposal is None:
            raise forms.ValidationError(_("Es gibt keinen Vorschlag mit diesem Aktenzeichen."))
        return proposal


class RoadmapProjectForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    description = forms.CharField(label=_("Beschreibung"), widget=_textarea(6))
    pillar = forms.ModelChoiceField(
        label=_("Schwerpunkt"),
        queryset=Pillar.objects.all(),
        required=False,
        help_text=_("Leer lassen: der Schwerpunkt des ersten Vorschlags."),
    )
    department = forms.ModelChoiceField(
        label=_("Verantwortlicher Fachbereich"), queryset=Department.objects.all(), required=False
    )
    priority = forms.TypedChoiceField(
        label=_("Priorität"),
        choices=RoadmapProject.Priority.choices,
        coerce=int,
        initial=RoadmapProject.Priority.MEDIUM,
    )


# --- Proposals ----------------------------------------------------------------------------------


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "title",
        "pillar",
        "status",
        "is_hidden",
        "rating_count",
        "comment_count",
        "created_at",
    ]
    list_display_links = ["reference", "title"]
    list_filter = ["process", "pillar", "status", "is_hidden", "channel"]
    list_select_related = ["pillar"]
    search_fields = ["reference", "title"]
    date_hierarchy = "created_at"
    actions = [
        "set_status",
        "answer",
        hide_selected,
        restore_selected,
        "merge",
        "create_project",
        export_selected,
    ]
    # Moderator corrections; status, counters and visibility change only through the actions.
    editable_fields = ["pillar", "title", "summary", "text", "district"]
    fieldsets = [
        (None, {"fields": ["reference", "process", *editable_fields]}),
        (
            _("Status und Moderation"),
            {
                "fields": [
                    "status",
                    "official_answer",
                    "answered_at",
                    "merged_into",
                    "is_hidden",
                    "hidden_reason",
                ]
            },
        ),
        (
            _("Herkunft"),
            {"fields": ["author", "channel", "entered_by", "on_behalf_of", "created_at"]},
        ),
        (
            _("Bewertungen und Kommentare"),
            {"fields": ["rating_count", "rating_sum", "rating_score", "comment_count"]},
        ),
        (_("Verlauf"), {"fields": ["status_history", "moderation_log"]}),
    ]
    readonly_fields = [
        "reference",
        "process",
        "status",
        "official_answer",
        "answered_at",
        "merged_into",
        "is_hidden",
        "hidden_reason",
        "author",
        "channel",
        "entered_by",
        "on_behalf_of",
        "created_at",
        "rating_count",
        "rating_sum",
        "rating_score",
        "comment_count",
        "status_history",
        "moderation_log",
    ]

    def has_delete_permission(self, request, obj=None):
        # Ratings and comments hang on proposals generically; hide or merge instead.
        return False

    def save_model(self, request, obj, form, change):
        # Write only the corrected columns: a full save would overwrite the counters that
        # ratings and comments change concurrently.
        fields = [name for name in form.changed_data if name in self.editable_fields]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    def add_view(self, request, form_url="", extra_context=None):
        """Enter a citizen's proposal through `submit_proposal`, recorded as entered on behalf."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ProposalEntryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                proposal = services.submit_proposal(actor=request.user, **form.cleaned_data)
            except (PermissionDenied, ValidationError) as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, proposal, [{"added": {}}])
                messages.success(
                    request,
                    _t("Der Vorschlag %(reference)s wurde im Auftrag erfasst.")
                    % {"reference": proposal.reference},
                )
                return HttpResponseRedirect(
                    reverse("admin:ideas_proposal_change", args=[proposal.pk])
                )
        return entry_form_page(self, request, form, title=_t("Vorschlag im Auftrag erfassen"))

    @admin.display(description=_("Statusverlauf"))
    def status_history(self, obj: Proposal) -> str:
        rows = [
            (
                date_format(timezone.localtime(change.created_at), "SHORT_DATETIME_FORMAT"),
                change.get_from_status_display() or "–",
                change.get_to_status_display(),
                change.note or "–",
                change.actor or "–",
            )
            for change in obj.status_changes.select_related("actor")
        ]
        return _table([_t("Zeitpunkt"), _t("von"), _t("nach"), _t("Begründung"), _t("durch")], rows)

    @admin.display(description=_("Moderationsprotokoll"))
    def moderation_log(self, obj: Proposal) -> str:
        entries = ModerationAction.objects.filter(
            content_type=ContentType.objects.get_for_model(Proposal), object_id=obj.pk
        ).select_related("actor")
        rows = [
            (
                date_format(timezone.localtime(entry.created_at), "SHORT_DATETIME_FORMAT"),
                entry.get_action_display(),
                entry.reason or "–",
                entry.actor or "–",
            )
            for entry in entries
        ]
        return _table([_t("Zeitpunkt"), _t("Aktion"), _t("Begründung"), _t("durch")], rows)

    @admin.action(description=_("Status ändern"))
    def set_status(self, request, queryset):
        if not require_moderator(request):
            return None
        form, page = action_form(
            self,
            request,
            queryset,
            StatusForm,
            title=_t("Status ändern"),
            submit_label=_t("Ändern"),
        )
        if form is None:
            return page
        status, note = form.cleaned_data["status"], form.cleaned_data["note"]
        done = run_each(
            request,
            queryset,
            lambda p: services.change_status(
                actor=request.user, proposal=p, status=status, note=note
            ),
        )
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)d Vorschlag hat jetzt den Status „%(status)s“.",
                    "%(count)d Vorschläge haben jetzt den Status „%(status)s“.",
                    done,
                )
                % {"count": done, "status": Proposal.Status(status).label},
            )
        return None

    @admin.action(description=_("Offiziell beantworten"))
    def answer(self, request, queryset):
        if not require_moderator(request):
            return None
        form, page = action_form(
            self,
            request,
            queryset,
            AnswerForm,
            title=_t("Offiziell beantworten"),
            submit_label=_t("Antwort veröffentlichen"),
        )
        if form is None:
            return page
        text = form.cleaned_data["answer"]
        done = run_each(
            request,
            queryset,
            lambda p: services.answer_proposal(actor=request.user, proposal=p, answer=text),
        )
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)d Vorschlag beantwortet.", "%(count)d Vorschläge beantwortet.", done
                )
                % {"count": done},
            )
        return None

    @admin.action(description=_("Als Duplikat zusammenführen"))
    def merge(self, request, queryset):
        if not require_moderator(request):
            return None
        form, page = action_form(
            self,
            request,
            queryset,
            MergeForm,
            title=_t("Vorschläge zusammenführen"),
            submit_label=_t("Zusammenführen"),
        )
        if form is None:
            return page
        target, reason = form.cleaned_data["target"], form.cleaned_data["reason"]
        sources = [p for p in queryset if p.pk != target.pk]
        if not sources:
            messages.warning(
                request, _t("Bitte wählen Sie die Duplikate aus, die zusammengeführt werden.")
            )
            return None
        done = run_each(
            request,
            sources,
            lambda p: services.merge_proposals(
                actor=request.user, source=p, target=target, reason=reason
            ),
        )
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)d Vorschlag in %(target)s zusammengeführt.",
                    "%(count)d Vorschläge in %(target)s zusammengeführt.",
                    done,
                )
                % {"count": done, "target": target.reference},
            )
        return None

    @admin.action(description=_("Umsetzungsprojekt anlegen"))
    def create_project(self, request, queryset):
        if not require_moderator(request):
            return None
        form, page = action_form(
            self,
            request,
            queryset,
            RoadmapProjectForm,
            title=_t("Umsetzungsprojekt aus beschlossenen Vorschlägen anlegen"),
            submit_label=_t("Projekt anlegen"),
        )
        if form is None:
            return page
        try:
            project = services.create_roadmap_project(
                actor=request.user, proposals=list(queryset), **form.cleaned_data
            )
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, error_text(error))
            return None
        messages.success(
            request,
            format_html(
                _t("Das Umsetzungsprojekt „{}“ wurde angelegt."),
                participation_admin.admin_link(project),
            ),
        )
        return None


def _table(headers: list[str], rows: list[tuple]) -> str:
    if not rows:
        return "–"
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        format_html_join("", '<th scope="col">{}</th>', ((header,) for header in headers)),
        format_html_join(
            "",
            "<tr>{}</tr>",
            ((format_html_join("", "<td>{}</td>", ((c,) for c in row)),) for row in rows),
        ),
    )
