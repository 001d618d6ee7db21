"""Who may do what with defect reports. Department staff work only on their department's."""

from django.db.models import QuerySet

from lohmar_portal.models import User

from .models import DefectReport

WORK_ALL = "defects.work_all_departments"


def works_all_departments(user: User) -> bool:
    return user.is_active and user.is_staff and user.has_perm(WORK_ALL)


def can_work_reports(user: User) -> bool:
    """Staff who handle reports at all: those of every department, or of their own."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return works_all_departments(user) or user.department_id is not None


def can_work_report(user: User, report: DefectReport) -> bool:
    if not can_work_reports(user):
        return False
    return works_all_departments(user) or user.department_id == report.department_id


def reports_for_staff(user: User, reports: QuerySet[DefectReport]) -> QuerySet[DefectReport]:
    """The reports this member of staff sees (in admin, in exports): theirs or, for some, all."""
    if not can_work_reports(user):
        return reports.none()
    if works_all_departments(user):
        return reports
    return reports.filter(department_id=user.department_id)


def can_view_report(user: User, report: DefectReport) -> bool:
    """Public reports for everybody; unconfirmed or hidden ones for staff who work on them."""
    return report.is_public or can_work_report(user, report)
