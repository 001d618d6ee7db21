"""Fixtures for the Mängelmelder tests: categories routed to departments, reports, staff."""

from itertools import count

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from defects.models import Category, DefectReport
from tests.factories import DepartmentFactory, StaffFactory, UserFactory

_numbers = count(1)

# Inside the shipped outline of Lohmar (the town centre) and far outside it (the North Sea).
IN_LOHMAR = (50.8394, 7.2164)
IN_THE_SEA = (54.5, 7.0)


def make_category(*, department=None, **fields) -> Category:
    n = next(_numbers)
    return Category.objects.create(
        name=fields.pop("name", f"Kategorie {n}"),
        slug=fields.pop("slug", f"kategorie-{n}"),
        service_code=fields.pop("service_code", f"code-{n}"),
        department=department or DepartmentFactory(),
        **fields,
    )


def make_report(*, category=None, status=DefectReport.Status.CONFIRMED, **fields) -> DefectReport:
    """A report as the services would leave it, without going through them."""
    n = next(_numbers)
    category = category or make_category()
    if "latitude" not in fields and "address" not in fields:
        fields["latitude"], fields["longitude"] = IN_LOHMAR
    now = timezone.now()
    return DefectReport.objects.create(
        reference=fields.pop("reference", f"MM-2026-{n:05d}"),
        category=category,
        department=fields.pop("department", category.department),
        description=fields.pop("description", f"Schlagloch Nummer {n} in der Fahrbahn."),
        status=status,
        confirmed_at=None if status == DefectReport.Status.SUBMITTED else now,
        reporter_email=fields.pop("reporter_email", f"melder{n}@example.org"),
        **fields,
    )


def make_department_staff(department, **fields):
    return StaffFactory(department=department, **fields)


def make_all_departments_staff(**fields):
    user = StaffFactory(**fields)
    user.user_permissions.add(Permission.objects.get(codename="work_all_departments"))
    return user


@pytest.fixture
def category():
    return make_category(name="Straßenschäden", slug="strassenschaeden", service_code="strasse")


@pytest.fixture
def citizen():
    return UserFactory()


@pytest.fixture
def department_staff(category):
    return make_department_staff(category.department)


@pytest.fixture
def other_department_staff():
    return make_department_staff(DepartmentFactory())
