import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.core.management import call_command

from ideas.models import Pillar, Vision
from lohmar_portal.models import Department, District, User

pytestmark = pytest.mark.django_db


def staff_who_can_log_in() -> int:
    return sum(user.has_usable_password() for user in User.objects.filter(is_staff=True))


def test_load_demo_fills_lohmar_and_is_idempotent(tmp_path, settings, monkeypatch, capsys):
    settings.DEBUG = True  # the demo staff account exists only where DEBUG is on
    monkeypatch.setattr("lohmar_portal.demo.CREDENTIALS", tmp_path / "credentials.json")
    call_command("load_demo")
    first = capsys.readouterr().out
    counts = (
        District.objects.count(),
        Department.objects.count(),
        Vision.objects.count(),
        Pillar.objects.count(),
        staff_who_can_log_in(),
    )
    call_command("load_demo")
    second = capsys.readouterr().out

    assert counts == (31, 6, 1, 4, 1)
    assert (
        District.objects.count(),
        Department.objects.count(),
        Vision.objects.count(),
        Pillar.objects.count(),
        staff_who_can_log_in(),
    ) == counts
    assert list(Pillar.objects.values_list("title", flat=True)) == [
        "Digital nah dran!",
        "Digital gut unterwegs!",
        "Digital besser lernen!",
        "Digital nach vorne!",
    ]
    assert District.objects.filter(name__in=["Breidt", "Wahlscheid", "Scheiderhöhe"]).count() == 3
    vision = Vision.objects.get()
    assert vision.motto == "Lohmar | Digital | Für Alle"
    assert "13. Oktober 2019" in vision.background

    staff = User.objects.get(email="verwaltung@lohmar.example")
    assert staff.is_staff and staff.is_superuser and is_mfa_enabled(staff)
    password = (tmp_path / "credentials.json").read_text()
    # The same login is printed each time, and it works.
    assert "verwaltung@lohmar.example" in first and "verwaltung@lohmar.example" in second
    import json

    assert staff.check_password(json.loads(password)["password"])


def test_load_demo_creates_no_staff_account_in_production(settings, capsys):
    settings.DEBUG = False
    call_command("load_demo")
    # Other demo staff (agents, department staff) appear in histories but cannot log in.
    assert staff_who_can_log_in() == 0
    assert Pillar.objects.count() == 4
    assert "no demo staff account" in capsys.readouterr().out
