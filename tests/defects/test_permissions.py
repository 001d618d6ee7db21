"""Who works on which defect reports: the predicates, and the admin that follows them.

Roles × (can_work_reports, can_work_report, reports_for_staff, can_view_report), then the same
roles in the admin's list and change pages.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from defects.models import DefectReport
from defects.permissions import (
    can_view_report,
    can_work_report,
    can_work_reports,
    reports_for_staff,
)
from tests.factories import DepartmentFactory, StaffFactory, UserFactory

from .admin_support import REPORTS, admin_staff, client_for
from .conftest import make_all_departments_staff, make_category, make_report

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "citizen",
    "staff_without_department",
    "staff_of_this_department",
    "staff_of_other_department",
    "inactive_staff_of_this_department",
    "all_departments_staff",
    "superuser",
]


@pytest.fixture
def departments():
    """This department (whose report is asked about) and another one, each with a report."""
    this, other = make_category(), make_category()
    return {
        "this": this.department,
        "other": other.department,
        "this_report": make_report(category=this),
        "other_report": make_report(category=other),
    }


def person(role: str, departments):
    match role:
        case "anonymous":
            return AnonymousUser()
        case "citizen":
            return UserFactory()
        case "staff_without_department":
            return StaffFactory()
        case "staff_of_this_department":
            return StaffFactory(department=departments["this"])
        case "staff_of_other_department":
            return StaffFactory(department=departments["other"])
        case "inactive_staff_of_this_department":
            return StaffFactory(department=departments["this"], is_active=False)
        case "all_departments_staff":
            return make_all_departments_staff()
        case "superuser":
            return StaffFactory(is_superuser=True)
    raise AssertionError(role)


# (can_work_reports, can_work_report on this department's report, reports_for_staff)
EXPECTED = {
    "anonymous": (False, False, set()),
    "citizen": (False, False, set()),
    "staff_without_department": (False, False, set()),
    "staff_of_this_department": (True, True, {"this_report"}),
    "staff_of_other_department": (True, False, {"other_report"}),
    "inactive_staff_of_this_department": (False, False, set()),
    "all_departments_staff": (True, True, {"this_report", "other_report"}),
    "superuser": (True, True, {"this_report", "other_report"}),
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, departments):
    user = person(role, departments)
    works, works_this, sees = EXPECTED[role]
    assert can_work_reports(user) is works
    assert can_work_report(user, departments["this_report"]) is works_this
    expected = {departments[name].pk for name in sees}
    assert set(
        reports_for_staff(user, DefectReport.objects.all()).values_list("pk", flat=True)
    ) == (expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("state", "public"),
    [
        ({}, True),
        ({"status": DefectReport.Status.SUBMITTED}, False),
        ({"is_hidden": True, "hidden_reason": "Beleidigung"}, False),
    ],
    ids=["public", "unconfirmed", "hidden"],
)
def test_only_staff_who_work_on_a_report_see_it_before_or_after_it_is_public(
    role, state, public, departments
):
    user = person(role, departments)
    category = departments["this_report"].category
    report = make_report(category=category, **state)
    assert can_view_report(user, report) is (public or EXPECTED[role][1])


def test_a_superuser_who_is_not_staff_works_on_no_report(departments):
    user = UserFactory(is_superuser=True)
    assert not can_work_reports(user)
    assert not reports_for_staff(user, DefectReport.objects.all()).exists()


# --- The same roles in the admin ----------------------------------------------------------------


ADMIN_ROLES = {
    # role: (department key, all departments, superuser)
    "staff_without_department": (None, False, False),
    "staff_of_this_department": ("this", False, False),
    "staff_of_other_department": ("other", False, False),
    "all_departments_staff": (None, True, False),
    "superuser": (None, False, True),
}


def admin_person(role: str, departments):
    department, all_departments, superuser = ADMIN_ROLES[role]
    return admin_staff(
        department=departments[department] if department else None,
        all_departments=all_departments,
        superuser=superuser,
    )


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_admin_list_shows_exactly_the_reports_the_role_works_on(role, departments):
    client = client_for(admin_person(role, departments))
    response = client.get(REPORTS)
    _, _, sees = EXPECTED[role]
    if not sees:
        # Staff of no department have no business with reports: the page is refused.
        assert response.status_code == 403
        return
    html = response.content.decode()
    for name in ("this_report", "other_report"):
        assert (departments[name].reference in html) is (name in sees)


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_change_page_of_a_report_shows_it_only_to_those_who_work_on_it(role, departments):
    client = client_for(admin_person(role, departments))
    report = departments["this_report"]
    response = client.get(f"{REPORTS}{report.pk}/change/", follow=True)
    html = response.content.decode()
    if EXPECTED[role][1]:
        assert response.status_code == 200
        assert report.reporter_email in html
    else:
        assert report.reporter_email not in html
        assert report.description not in html
        assert response.status_code in (403, 404) or response.redirect_chain


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_work_pages_of_a_report_are_not_found_for_those_who_do_not_work_on_it(
    role, departments
):
    client = client_for(admin_person(role, departments))
    report = departments["this_report"]
    for page in (
        "status",
        "notiz",
        "zuweisen",
        "duplikat",
        "ausblenden",
        "personendaten-entfernen",
    ):
        response = client.get(f"{REPORTS}{report.pk}/{page}/")
        if EXPECTED[role][1]:
            assert response.status_code == 200, page
        else:
            assert response.status_code in (403, 404), page
            assert report.description not in response.content.decode()


def test_anonymous_visitors_and_citizens_do_not_reach_the_reports(departments):
    for client in (Client(), client_for(UserFactory())):
        response = client.get(REPORTS, follow=True)
        assert response.redirect_chain
        assert not response.request["PATH_INFO"].startswith("/admin/")
        # (The home page may list the public report; the admin's link to it must not appear.)
        assert f"{REPORTS}{departments['this_report'].pk}/" not in response.content.decode()


def test_staff_without_two_factors_do_not_reach_the_reports(departments):
    user = StaffFactory(department=departments["this"], is_superuser=True)
    response = client_for(user).get(REPORTS)
    assert response.status_code == 302
    assert departments["this_report"].reference not in response.content.decode()


def test_department_staff_with_only_the_view_right_see_but_cannot_act(departments):
    user = admin_staff(department=departments["this"], actions=("view",))
    client = client_for(user)
    report = departments["this_report"]
    html = client.get(REPORTS).content.decode()
    assert report.reference in html
    assert 'name="action"' not in html  # no actions offered
    assert client.get(f"{REPORTS}{report.pk}/change/").status_code == 200
    assert client.get(f"{REPORTS}{report.pk}/status/").status_code == 403
    assert client.get(f"{REPORTS}add/").status_code == 403


def test_a_new_department_member_sees_nothing_of_their_former_department(departments):
    user = admin_staff(department=departments["this"])
    user.department = DepartmentFactory()
    user.save()
    html = client_for(user).get(REPORTS).content.decode()
    assert departments["this_report"].reference not in html
    assert departments["other_report"].reference not in html
