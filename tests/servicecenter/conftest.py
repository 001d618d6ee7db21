"""Fixtures for the service center tests: agents, department staff, citizens, service levels."""

import pytest
from django.contrib.auth.models import Permission

from servicecenter.models import LifeSituation, Priority, SlaPolicy
from tests.factories import DepartmentFactory, StaffFactory, UserFactory


def make_agent(**fields):
    """A first-level agent of the service center."""
    user = StaffFactory(**fields)
    user.user_permissions.add(Permission.objects.get(codename="work_first_level"))
    return user


@pytest.fixture
def agent():
    return make_agent(display_name="Agentin Service Center")


@pytest.fixture
def department():
    return DepartmentFactory(name="Stadtentwicklung und Bauen", email="bauen@lohmar.example")


@pytest.fixture
def department_staff(department):
    return StaffFactory(department=department, display_name="Sachbearbeiter Bauen")


@pytest.fixture
def other_department_staff():
    return StaffFactory(department=DepartmentFactory(), display_name="Sachbearbeiterin Schule")


@pytest.fixture
def citizen():
    return UserFactory()


@pytest.fixture
def other_citizen():
    return UserFactory()


@pytest.fixture
def moving():
    return LifeSituation.objects.create(name="Umzug", slug="umzug", summary="Umziehen in Lohmar")


@pytest.fixture
def service_levels():
    """Normal: answer within 4 business hours, resolve within 3 business days (30 h)."""
    return [
        SlaPolicy.objects.create(
            name="Normal",
            priority=Priority.NORMAL,
            first_response_minutes=240,
            resolution_minutes=1800,
        ),
        SlaPolicy.objects.create(
            name="Dringend",
            priority=Priority.URGENT,
            first_response_minutes=60,
            resolution_minutes=480,
        ),
    ]
