"""Roadmap projects and their progress reports."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from participation import admin as participation_admin
from participation.admin import action_form, require_moderator, run_each

from .. import services
from ..models import RoadmapProject, RoadmapUpdate
from .proposals import _textarea


class ProgressForm(forms.Form):
    progress = forms.ChoiceField(label=_("Stand"), choices=RoadmapProject.Progress.choices)
    percent = forms.IntegerField(label=_("Fortschritt in Prozent"), min_value=0, max_value=100)
    text = forms.CharField(label=_("Öffentliche Meldung"), required=False, widget=_textarea())
    date = forms.DateField(
        label=_("Datum der Meldung"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leer lassen: heute."),
    )


class RoadmapUpdateInline(admin.TabularInline):
    """Past notes can be corrected here; new ones come with "Fortschritt melden"."""

    model = RoadmapUpdate
    extra = 0
    fields = ["date", "text"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RoadmapProject)
class RoadmapProjectAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "pillar",
        "department",
        "priority",
        "progress",
        "percent",
        "is_published",
    ]
    list_filter = ["pillar", "progress", "priority", "is_published", "department"]
    list_select_related = ["pillar", "department"]
    search_fields = ["title"]
    actions = ["report_progress"]
    inlines = [RoadmapUpdateInline]
    editable_fields = ["title", "description", "pillar", "department", "priority", "is_published"]
    fields = ["slug", *editable_fields, "progress", "percent", "proposal_list"]
    readonly_fields = ["slug", "progress", "percent", "proposal_list"]

    def has_add_permission(self, request):
        # Projects come from adopted proposals: action "Umsetzungsprojekt anlegen" there.
        return False

    def save_model(self, request, obj, form, change):
        # Progress and percent change only through `report_progress`; never overwrite them.
        fields = [name for name in form.changed_data if name in self.editable_fields]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    @admin.display(description=_("Vorschläge"))
    def proposal_list(self, obj: RoadmapProject) -> str:
        proposals = obj.proposals.all()
        if not proposals:
            return "–"
        return format_html_join(
            ", ", "{}", ((participation_admin.admin_link(p),) for p in proposals)
        )

    @admin.action(description=_("Fortschritt melden"))
    def report_progress(self, request, queryset):
        if not require_moderator(request):
            return None
        form, page = action_form(
            self,
            request,
            queryset,
            ProgressForm,
            title=_t("Fortschritt melden"),
            submit_label=_t("Fortschritt melden"),
        )
        if form is None:
            return page
        data = form.cleaned_data
        done = run_each(
            request,
            queryset,
            lambda project: services.report_progress(
                actor=request.user,
                project=project,
                progress=data["progress"],
                percent=data["percent"],
                text=data["text"],
                date=data["date"],
            ),
        )
        if done:
            messages.success(
                request,
                ngettext(
                    "Fortschritt für %(count)d Projekt gemeldet.",
                    "Fortschritt für %(count)d Projekte gemeldet.",
                    done,
                )
                % {"count": done},
            )
        return None
