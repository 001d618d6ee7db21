"""Actions on several selected reports; each asks for its input on an intermediate page and
calls the service once per report, naming every report it could not change and why."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from participation.admin import action_form, run_each

from .. import services
from ..models import DefectReport
from .common import require_worker
from .forms import DuplicateForm, HideForm, ReassignForm, StatusForm

Status = DefectReport.Status


def _each(modeladmin, request, reports, call, label: str) -> int:
    """Call the service for each report; log each success in the report's admin history."""

    def logged(report):
        call(report)
        modeladmin.log_change(request, report, label)

    return run_each(request, reports, logged)


def _done(request, count: int, message: str, **params) -> None:
    if count:
        messages.success(request, message % {"count": count, **params})


@admin.action(description=_("Status ändern (mit öffentlicher Notiz)"), permissions=["change"])
def set_status(modeladmin, request, queryset):
    if not require_worker(request):
        return None
    # Only the statuses every selected report may move to.
    current = set(queryset.order_by().values_list("status", flat=True).distinct())
    statuses = set.intersection(*(set(DefectReport.TRANSITIONS.get(s, ())) for s in current))
    if not statuses:
        messages.warning(
            request,
            _t(
                "Für die ausgewählten Meldungen gibt es keinen gemeinsamen nächsten Status. "
                "Bitte wählen Sie Meldungen im gleichen Status aus."
            ),
        )
        return None
    form, page = action_form(
        modeladmin,
        request,
        queryset,
        StatusForm,
        title=_t("Status ändern"),
        submit_label=_t("Status ändern"),
        form_kwargs={"statuses": statuses},
    )
    if form is None:
        return page
    status, note = form.cleaned_data["status"], form.cleaned_data["note"]
    done = _each(
        modeladmin,
        request,
        queryset,
        lambda report: services.change_status(
            actor=request.user, report=report, status=status, note=note
        ),
        _t("Status geändert: %(status)s") % {"status": Status(status).label},
    )
    _done(
        request,
        done,
        ngettext(
            "%(count)d Meldung hat jetzt den Status „%(status)s“.",
            "%(count)d Meldungen haben jetzt den Status „%(status)s“.",
            done,
        ),
        status=Status(status).label,
    )
    return None


@admin.action(description=_("Kategorie oder Fachbereich ändern"), permissions=["change"])
def reassign_selected(modeladmin, request, queryset):
    if not require_worker(request):
        return None
    form, page = action_form(
        modeladmin,
        request,
        queryset,
        ReassignForm,
        title=_t("Kategorie oder Fachbereich ändern"),
        submit_label=_t("Neu zuordnen"),
    )
    if form is None:
        return page
    data = form.cleaned_data
    done = _each(
        modeladmin,
        request,
        queryset,
        lambda report: services.reassign(
            actor=request.user,
            report=report,
            category=data["category"],
            department=data["department"],
            reason=data["reason"],
        ),
        _t("Neu zugeordnet"),
    )
    _done(
        request,
        done,
        ngettext(
            "%(count)d Meldung wurde neu zugeordnet.",
            "%(count)d Meldungen wurden neu zugeordnet.",
            done,
        ),
    )
    return None


@admin.action(description=_("Als Duplikat markieren"), permissions=["change"])
def mark_duplicate_selected(modeladmin, request, queryset):
    if not require_worker(request):
        return None
    form, page = action_form(
        modeladmin,
        request,
        queryset,
        DuplicateForm,
        title=_t("Als Duplikat markieren"),
        submit_label=_t("Als Duplikat markieren"),
    )
    if form is None:
        return page
    original, note = form.cleaned_data["original"], form.cleaned_data["note"]
    duplicates = [report for report in queryset if report.pk != original.pk]
    done = _each(
        modeladmin,
        request,
        duplicates,
        lambda report: services.mark_duplicate(
            actor=request.user, report=report, original=original, note=note
        ),
        _t("Als Duplikat von %(original)s markiert") % {"original": original.reference},
    )
    _done(
        request,
        done,
        ngettext(
            "%(count)d Meldung ist jetzt ein Duplikat von %(original)s.",
            "%(count)d Meldungen sind jetzt Duplikate von %(original)s.",
            done,
        ),
        original=original.reference,
    )
    return None


@admin.action(description=_("Ausblenden (mit öffentlicher Begründung)"), permissions=["change"])
def hide_selected(modeladmin, request, queryset):
    if not require_worker(request):
        return None
    form, page = action_form(
        modeladmin,
        request,
        queryset,
        HideForm,
        title=_t("Meldungen ausblenden"),
        submit_label=_t("Ausblenden"),
    )
    if form is None:
        return page
    reason = form.cleaned_data["reason"]
    done = _each(
        modeladmin,
        request,
        queryset,
        lambda report: services.hide_report(actor=request.user, report=report, reason=reason),
        _t("Ausgeblendet"),
    )
    _done(
        request,
        done,
        ngettext("%(count)d Meldung ausgeblendet.", "%(count)d Meldungen ausgeblendet.", done),
    )
    return None


@admin.action(description=_("Wieder einblenden"), permissions=["change"])
def restore_selected(modeladmin, request, queryset):
    if not require_worker(request):
        return None
    done = _each(
        modeladmin,
        request,
        queryset.filter(is_hidden=True),
        lambda report: services.restore_report(actor=request.user, report=report),
        _t("Wieder eingeblendet"),
    )
    _done(
        request,
        done,
        ngettext(
            "%(count)d Meldung wieder eingeblendet.",
            "%(count)d Meldungen wieder eingeblendet.",
            done,
        ),
    )
    return None
