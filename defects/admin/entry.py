"""Entering a report that came by phone, letter, e-mail or at the counter (the add page)."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _t

from participation.admin import add_service_error

from .. import services
from ..permissions import can_work_report
from .common import PERSONAL_DATA, report_url
from .forms import ReportEntryForm


class ReportEntryMixin:
    """The report admin's add page files through `submit_report`, recorded as on behalf."""

    def add_view(self, request, form_url="", extra_context=None):
        """A report by phone, letter, e-mail or at the counter, filed through `submit_report`."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ReportEntryForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = services.submit_report(actor=request.user, **form.service_arguments())
            except (PermissionDenied, ValidationError) as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, report, [{"added": {}}])
                messages.success(
                    request,
                    _t("Die Meldung %(reference)s wurde erfasst.")
                    % {"reference": report.reference},
                )
                if can_work_report(request.user, report):
                    return HttpResponseRedirect(report_url("change", report.pk))
                messages.info(
                    request,
                    _t("Sie ist dem Fachbereich „%(department)s“ zugeordnet.")
                    % {"department": report.department},
                )
                return HttpResponseRedirect(report_url("changelist"))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _t("Meldung erfassen"),
            "subtitle": None,
            "opts": opts,
            "form": form,
            "adminform": helpers.AdminForm(
                form,
                [
                    (None, {"fields": ["channel", "category", "description"]}),
                    (
                        _t("Ort"),
                        {"fields": ["address", "district", "latitude", "longitude"]},
                    ),
                    (_t("Fotos"), {"fields": ["photos"]}),
                    (
                        PERSONAL_DATA,
                        {"fields": ["on_behalf_of", "name", "email", "phone"]},
                    ),
                ],
                {},
            ),
            "media": self.media + form.media,
            "changelist_url": report_url("changelist"),
        }
        return TemplateResponse(request, "admin/defects/defectreport/entry_form.html", context)
