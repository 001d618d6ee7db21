"""Staff who pass the admin's MFA gate, for the Mängelmelder admin tests."""

import io

from django.contrib.auth.models import Permission
from django.test import Client
from PIL import Image

from tests.factories import StaffFactory
from tests.staff_clients import client_for, with_mfa

from .conftest import make_category, make_report

REPORTS = "/admin/defects/defectreport/"
CATEGORIES = "/admin/defects/category/"
API_CLIENTS = "/admin/defects/apiclient/"

__all__ = [
    "admin_staff",
    "client_for",
    "jpeg_bytes",
    "make_category",
    "make_report",
    "run_action",
]


def jpeg_bytes(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "JPEG")
    return buffer.getvalue()


def admin_staff(
    *,
    department=None,
    all_departments: bool = False,
    superuser: bool = False,
    actions: tuple[str, ...] = ("view", "change", "add"),
    models: tuple[str, ...] = ("defectreport",),
):
    """A member of staff with two factors and the given model rights in `defects`."""
    user = StaffFactory(department=department, is_superuser=superuser)
    codenames = [f"{action}_{model}" for action in actions for model in models]
    if all_departments:
        codenames.append("work_all_departments")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="defects", codename__in=codenames)
    )
    return with_mfa(user)


def run_action(client: Client, action: str, reports, **data):
    """Confirm a list action's intermediate page, as the browser would."""
    return client.post(
        REPORTS,
        {"action": action, "_selected_action": [r.pk for r in reports], "apply": "1", **data},
        follow=True,
    )
