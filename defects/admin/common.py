"""Who may do what in the Mängelmelder admin, and small helpers its pages share.

The admin's own model permissions (view, change, add) decide which pages a member of staff
reaches; `defects.permissions` decides which reports they see and work on. The services check
the second once more, so a page that forgets it still changes nothing.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from ..models import DefectReport
from ..permissions import can_work_report, can_work_reports

OPTS = DefectReport._meta

PERSONAL_DATA = _("Personenbezogene Daten (nicht öffentlich)")


def _has_report_perm(request: HttpRequest, action: str) -> bool:
    return request.user.has_perm(f"{OPTS.app_label}.{action}_{OPTS.model_name}")


def may_view_reports(request: HttpRequest) -> bool:
    """The report pages: staff of a department (or of all) with the view or change right."""
    return can_work_reports(request.user) and (
        _has_report_perm(request, "view") or _has_report_perm(request, "change")
    )


def may_work_reports(request: HttpRequest) -> bool:
    return can_work_reports(request.user) and _has_report_perm(request, "change")


def may_work_report(request: HttpRequest, report: DefectReport) -> bool:
    return _has_report_perm(request, "change") and can_work_report(request.user, report)


def require_worker(request: HttpRequest) -> bool:
    """Actions check the right up front; the services check it once more."""
    if may_work_reports(request):
        return True
    messages.error(
        request,
        _t(
            "Nur Mitarbeitende eines Fachbereichs dürfen Meldungen bearbeiten. "
            "Es wurde nichts geändert."
        ),
    )
    return False


def report_url(name: str, *args) -> str:
    return reverse(f"admin:{OPTS.app_label}_{OPTS.model_name}_{name}", args=args)


def thumbnail_url(photo) -> str | None:
    """The staff preview of a processed photo, if the photo views are installed."""
    if not photo.thumbnail:
        return None
    try:
        return reverse("defects:thumbnail", args=[photo.pk])
    except NoReverseMatch:
        return None


def due_days() -> int:
    """Open reports older than this are marked as overdue in the list."""
    return getattr(settings, "DEFECTS_STAFF_DUE_DAYS", 14)
