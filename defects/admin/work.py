"""The work pages of one report: status, notes, reassignment, duplicate, visibility, redaction
and photos. Each page is a small form that calls one service; the change page links to them.

A report the member of staff cannot work on is not found (404), whatever the URL says.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t

from participation.admin import add_service_error, error_text

from .. import services
from ..models import DefectReport, Photo
from ..permissions import can_work_report
from .common import may_work_report, report_url, thumbnail_url
from .forms import (
    ConfirmForm,
    DuplicateForm,
    HideForm,
    InternalNoteForm,
    PhotoReleaseForm,
    ReassignForm,
    RedactForm,
    StatusForm,
)

Status = DefectReport.Status


class ReportWorkMixin:
    """Adds the work pages to the report admin (which provides `get_queryset`)."""

    def get_urls(self):
        def page(route: str, view: Callable, name: str):
            return path(
                route, self.admin_site.admin_view(view), name=f"defects_defectreport_{name}"
            )

        own = [
            page("<int:pk>/status/", self.status_view, "status"),
            page("<int:pk>/notiz/", self.note_view, "note"),
            page("<int:pk>/zuweisen/", self.reassign_view, "reassign"),
            page("<int:pk>/duplikat/", self.duplicate_view, "duplicate"),
            page("<int:pk>/ausblenden/", self.hide_view, "hide"),
            page("<int:pk>/einblenden/", self.restore_view, "restore"),
            page("<int:pk>/personendaten-entfernen/", self.redact_view, "redact"),
            page("<int:pk>/fotos/<int:photo_pk>/freigeben/", self.release_view, "photo_release"),
            page(
                "<int:pk>/fotos/<int:photo_pk>/zurueckhalten/", self.withhold_view, "photo_withhold"
            ),
            page("<int:pk>/fotos/<int:photo_pk>/loeschen/", self.delete_photo_view, "photo_delete"),
        ]
        return own + super().get_urls()

    # --- Loading and answering ---

    def report_to_work(self, request: HttpRequest, pk: int) -> DefectReport:
        """The report, if this member of staff may see it (else 404) and work on it (else 403)."""
        report = (
            self.get_queryset(request)
            .select_related("category", "department")
            .filter(pk=pk)
            .first()
        )
        if report is None:
            raise Http404(
                _t("Diese Meldung gibt es nicht oder sie gehört nicht zu Ihrem Fachbereich.")
            )
        if not may_work_report(request, report):
            raise PermissionDenied
        return report

    def after_work(self, request: HttpRequest, report: DefectReport) -> HttpResponseRedirect:
        """Back to the report, or to the list if it has moved out of the member's reach."""
        report = DefectReport.objects.select_related("department").get(pk=report.pk)
        if can_work_report(request.user, report):
            return HttpResponseRedirect(report_url("change", report.pk))
        messages.info(
            request,
            _t(
                "Die Meldung %(reference)s liegt jetzt beim Fachbereich „%(department)s“ und "
                "erscheint nicht mehr in Ihrer Liste."
            )
            % {"reference": report.reference, "department": report.department},
        )
        return HttpResponseRedirect(report_url("changelist"))

    def work_page(
        self,
        request: HttpRequest,
        report: DefectReport,
        form_class: type[forms.Form],
        apply: Callable[[dict], str],
        *,
        title: str,
        submit_label: str,
        form_kwargs: dict | None = None,
        photo: Photo | None = None,
        intro: str = "",
        danger: bool = False,
    ) -> HttpResponse:
        """Show the form; once valid, call the service and say what happened.

        A refusal of the service (no right) is an error message and changes nothing; a
        validation error of the service is shown on the form like any other.
        """
        form_kwargs = form_kwargs or {}
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, **form_kwargs)
            if form.is_valid():
                try:
                    message = apply(form.cleaned_data)
                except PermissionDenied as error:
                    messages.error(
                        request,
                        _t("%(error)s Es wurde nichts geändert.") % {"error": error_text(error)},
                    )
                    return HttpResponseRedirect(report_url("changelist"))
                except ValidationError as error:
                    add_service_error(form, error)
                else:
                    # The admin's history of the report names who did what, beside the
                    # status history and internal notes the service wrote.
                    self.log_change(request, report, message)
                    messages.success(request, message)
                    return self.after_work(request, report)
        else:
            form = form_class(**form_kwargs)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": opts,
            "report": report,
            "photo": photo,
            "photo_preview": thumbnail_url(photo) if photo else None,
            "intro": intro,
            "danger": danger,
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
            "media": self.media + form.media,
            "submit_label": submit_label,
            "changelist_url": report_url("changelist"),
            "report_change_url": report_url("change", report.pk),
        }
        return TemplateResponse(request, "admin/defects/defectreport/work_form.html", context)

    # --- Status and notes ---

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.report_to_work(request, pk)
        statuses = DefectReport.TRANSITIONS.get(report.status, set())
        if not statuses:
            messages.warning(
                request,
                _t("Für eine Meldung im Status „%(status)s“ gibt es keinen nächsten Status.")
                % {"status": report.get_status_display()},
            )
            return HttpResponseRedirect(report_url("change", report.pk))

        def apply(data: dict) -> str:
            services.change_status(
                actor=request.user, report=report, status=data["status"], note=data["note"]
            )
            return _t("Die Meldung %(reference)s hat jetzt den Status „%(status)s“.") % {
                "reference": report.reference,
                "status": Status(data["status"]).label,
            }

        return self.work_page(
            request,
            report,
            StatusForm,
            apply,
            title=_t("Status ändern"),
            submit_label=_t("Status ändern"),
            form_kwargs={"statuses": statuses},
        )

    def note_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.report_to_work(request, pk)

        def apply(data: dict) -> str:
            services.add_internal_note(actor=request.user, report=report, text=data["text"])
            return _t("Die interne Notiz wurde gespeichert.")

        return self.work_page(
            request,
            report,
            InternalNoteForm,
            apply,
            title=_t("Interne Notiz hinzufügen"),
            submit_label=_t("Notiz speichern"),
        )

    # --- Routing and duplicates ---

    def reassign_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.report_to_work(request, pk)

        def apply(data: dict) -> str:
            services.reassign(
                actor=request.user,
                report=report,
                category=data["category"],
                department=data["department"],
                reason=data["reason"],
            )
            return _t("Die Meldung %(reference)s wurde neu zugeordnet.") % {
                "reference": report.reference
            }

        return self.work_page(
            request,
            report,
            ReassignForm,
            apply,
            title=_t("Kategorie oder Fachbereich ändern"),
            submit_label=_t("Neu zuordnen"),
            intro=_t(
                "Gehört die Meldung danach zu einem anderen Fachbereich, können Sie sie nicht "
                "mehr sehen oder bearbeiten."
            ),
        )

    def duplicate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.report_to_work(request, pk)

        def apply(data: dict) -> str:
            original = data["original"]
            services.mark_duplicate(
                actor=request.user, report=report, original=original, note=data["note"]
            )
            return _t("Die Meldung %(reference)s ist jetzt ein Duplikat von %(original)s.") % {
                "reference": report.reference,
                "original": original.reference,
            }

        return self.work_page(
            request,
            report,
            DuplicateForm,
            apply,
            title=_t("Als Duplikat markieren"),
            submit_label=_t("Als Duplikat markieren"),
        )

    # --- Visibility and personal data ---

    def hide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.report_to_work(request, pk)

        def apply(data: dict) -> str:
            services.hide_report(actor=request.user, report=report, reason=data["reason"])
            return _t("Die Meldung %(reference)s ist ausgeblendet.") % {
                "reference": report.reference
            }

        return self.work_page(
            request,
            report,
            HideForm,
            apply,
            title=_t("Meldung ausblenden"),
            submit_label=_t("Ausblenden"),
        )

    def restore_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.report_to_work(request, pk)
        if not report.is_hidden:
            messages.info(request, _t("Die Meldung ist nicht ausgeblendet."))
            return HttpResponseRedirect(report_url("change", report.pk))

        def apply(data: dict) -> str:
            services.restore_report(actor=request.user, report=report)
            return _t("Die Meldung %(reference)s ist wieder öffentlich sichtbar.") % {
                "reference": report.reference
            }

        return self.work_page(
            request,
            report,
            ConfirmForm,
            apply,
            title=_t("Meldung wieder einblenden"),
            submit_label=_t("Wieder einblenden"),
            intro=_t("Bisherige Begründung: %(reason)s") % {"reason": report.hidden_reason or "–"},
        )

    def redact_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.report_to_work(request, pk)

        def apply(data: dict) -> str:
            services.redact_report(
                actor=request.user, report=report, description=data["description"] or None
            )
            return _t("Die personenbezogenen Daten der Meldung %(reference)s wurden entfernt.") % {
                "reference": report.reference
            }

        return self.work_page(
            request,
            report,
            RedactForm,
            apply,
            title=_t("Personenbezogene Daten entfernen"),
            submit_label=_t("Endgültig entfernen"),
            danger=True,
        )

    # --- Photos ---

    def photo_to_work(self, request: HttpRequest, pk: int, photo_pk: int):
        report = self.report_to_work(request, pk)
        photo = get_object_or_404(
            Photo.objects.select_related("report"), pk=photo_pk, report=report
        )
        return report, photo

    def release_view(self, request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
        report, photo = self.photo_to_work(request, pk, photo_pk)

        def apply(data: dict) -> str:
            services.release_photo(actor=request.user, photo=photo, alt_text=data["alt_text"])
            return _t("Das Foto ist freigegeben und öffentlich sichtbar.")

        return self.work_page(
            request,
            report,
            PhotoReleaseForm,
            apply,
            title=_t("Foto freigeben"),
            submit_label=_t("Freigeben"),
            form_kwargs={"initial": {"alt_text": photo.alt_text}},
            photo=photo,
        )

    def withhold_view(self, request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
        report, photo = self.photo_to_work(request, pk, photo_pk)

        def apply(data: dict) -> str:
            services.withhold_photo(actor=request.user, photo=photo)
            return _t("Das Foto ist nicht mehr öffentlich.")

        return self.work_page(
            request,
            report,
            ConfirmForm,
            apply,
            title=_t("Foto zurückhalten"),
            submit_label=_t("Zurückhalten"),
            photo=photo,
        )

    def delete_photo_view(self, request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
        report, photo = self.photo_to_work(request, pk, photo_pk)

        def apply(data: dict) -> str:
            services.delete_photo(actor=request.user, photo=photo)
            return _t("Das Foto wurde gelöscht.")

        return self.work_page(
            request,
            report,
            ConfirmForm,
            apply,
            title=_t("Foto löschen"),
            submit_label=_t("Endgültig löschen"),
            photo=photo,
            danger=True,
        )
