"""The report list in the admin: scoped to the department, filtered, searched, and flat in
queries; actions on a selection that reaches into another department change only one's own."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from defects.models import DefectReport, InternalNote, Photo
from lohmar_portal.cache import bump_content_version
from tests.factories import DistrictFactory

from .admin_support import REPORTS, admin_staff, client_for, run_action
from .conftest import make_category, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours():
    return make_category(name="Straßenbeleuchtung")


@pytest.fixture
def theirs():
    return make_category(name="Spielplätze")


@pytest.fixture
def staff(ours):
    return admin_staff(department=ours.department)


@pytest.fixture
def client(staff):
    return client_for(staff)


def test_department_staff_list_only_their_departments_reports(client, ours, theirs):
    own = make_report(category=ours, description="Laterne flackert")
    foreign = make_report(category=theirs, description="Schaukel kaputt")
    html = client.get(REPORTS).content.decode()
    assert own.reference in html
    assert foreign.reference not in html
    assert "Schaukel kaputt" not in html


def test_department_staff_never_see_other_departments_as_filter_values(client, ours, theirs):
    make_report(category=ours)
    make_report(category=theirs)
    html = client.get(REPORTS).content.decode()
    assert theirs.department.name not in html
    assert "Spielplätze" not in html
    # Nor through a hand-made filter URL: the list stays their own.
    response = client.get(REPORTS, {"department__id__exact": theirs.department.pk})
    assert theirs.department.name not in response.content.decode()


def test_all_departments_staff_filter_by_department(ours, theirs):
    client = client_for(admin_staff(all_departments=True))
    own = make_report(category=ours)
    foreign = make_report(category=theirs)
    html = client.get(REPORTS).content.decode()
    assert own.reference in html and foreign.reference in html
    assert theirs.department.name in html  # a filter value (and a column)
    html = client.get(REPORTS, {"department__id__exact": theirs.department.pk}).content.decode()
    assert foreign.reference in html
    assert own.reference not in html


def test_list_filters_by_status_district_channel_and_hidden(client, ours):
    district = DistrictFactory(name="Birk")
    wanted = make_report(category=ours, status="in_progress", district=district, channel="phone")
    other = make_report(category=ours)
    hidden = make_report(category=ours, is_hidden=True, hidden_reason="Beleidigung")
    for params, shown in [
        ({"status__exact": "in_progress"}, wanted),
        ({"district__id__exact": district.pk}, wanted),
        ({"channel__exact": "phone"}, wanted),
        ({"is_hidden__exact": "1"}, hidden),
    ]:
        html = client.get(REPORTS, params).content.decode()
        assert shown.reference in html, params
        assert other.reference not in html, params


def test_list_finds_reports_by_reference_description_and_address(client, ours):
    by_text = make_report(category=ours, description="Gullydeckel klappert laut")
    by_address = make_report(category=ours, address="Hauptstraße 12", latitude=None)
    other = make_report(category=ours)
    for query, wanted in [
        (by_text.reference, by_text),
        ("gullydeckel", by_text),
        ("Hauptstraße", by_address),
    ]:
        html = client.get(REPORTS, {"q": query}).content.decode()
        assert wanted.reference in html, query
        assert other.reference not in html, query


def test_list_marks_photos_waiting_for_release_and_overdue_reports(client, ours):
    waiting = make_report(category=ours)
    Photo.objects.create(report=waiting, state=Photo.State.READY)
    Photo.objects.create(report=waiting, state=Photo.State.READY)
    Photo.objects.create(report=waiting, state=Photo.State.READY, is_released=True)
    old = make_report(category=ours, created_at=timezone.now() - timezone.timedelta(days=30))
    html = client.get(REPORTS).content.decode()
    assert "2 warten" in html
    assert "überfällig: 30 Tage" in html
    html = client.get(REPORTS, {"fotos": "wartend"}).content.decode()
    assert waiting.reference in html
    assert old.reference not in html


def test_changelist_runs_a_constant_number_of_queries(staff, ours):
    """One report or twenty (with photos, from several districts): the same queries."""
    client = client_for(staff)
    client.get(REPORTS)  # session and permission caches warm

    def measure():
        bump_content_version()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(REPORTS)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    make_report(category=ours, district=DistrictFactory())
    one, html = measure()
    assert html.count('name="_selected_action"') == 1
    for _ in range(19):
        report = make_report(category=make_category(department=ours.department))
        report.district = DistrictFactory()
        report.save()
        Photo.objects.create(report=report, state=Photo.State.READY, image=ContentFile(b"x", "x"))
    twenty, html = measure()
    assert html.count('name="_selected_action"') == 20
    assert one == twenty


def test_a_change_url_of_another_departments_report_shows_nothing_of_it(client, theirs):
    foreign = make_report(category=theirs, reporter_name="Erika Muster")
    response = client.get(f"{REPORTS}{foreign.pk}/change/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain  # to the admin start page, with a message
    assert "Erika Muster" not in html
    assert foreign.description not in html
    assert foreign.reporter_email not in html
    for page in ("status", "notiz", "zuweisen", "personendaten-entfernen", "ausblenden"):
        assert client.get(f"{REPORTS}{foreign.pk}/{page}/").status_code == 404
        assert client.post(f"{REPORTS}{foreign.pk}/{page}/", {"text": "x"}).status_code == 404
    assert client.get(f"{REPORTS}{foreign.pk}/history/", follow=True).redirect_chain


def test_an_action_on_a_mixed_selection_changes_only_ones_own_reports(client, ours, theirs):
    own = make_report(category=ours)
    foreign = make_report(category=theirs)
    response = run_action(client, "hide_selected", [own, foreign], reason="Beleidigend")
    html = response.content.decode()
    assert (
        "1 ausgewählte Meldung gehört nicht zu Ihrem Fachbereich; sie bleibt unverändert." in html
    )
    assert "1 Meldung ausgeblendet." in html
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.is_hidden
    assert not foreign.is_hidden
    assert not InternalNote.objects.filter(report=foreign).exists()


def test_an_action_on_only_foreign_reports_changes_nothing(client, theirs):
    foreign = make_report(category=theirs)
    response = client.post(
        REPORTS, {"action": "set_status", "_selected_action": [foreign.pk]}, follow=True
    )
    html = response.content.decode()
    assert "gehört nicht zu Ihrem Fachbereich" in html
    assert "Neuer Status" not in html  # no intermediate page
    foreign.refresh_from_db()
    assert foreign.status == DefectReport.Status.CONFIRMED


def test_status_action_offers_only_the_transitions_all_selected_reports_allow(client, ours):
    confirmed = make_report(category=ours)
    in_progress = make_report(category=ours, status="in_progress")
    response = client.post(
        REPORTS, {"action": "set_status", "_selected_action": [confirmed.pk, in_progress.pk]}
    )
    html = response.content.decode()
    assert 'value="resolved"' in html
    assert 'value="acknowledged"' in html
    assert 'value="not_responsible"' not in html  # confirmed may, in progress may not
    assert 'value="in_progress"' not in html
    response = run_action(
        client,
        "set_status",
        [confirmed, in_progress],
        status="resolved",
        note="Die Laterne wurde repariert.",
    )
    assert "2 Meldungen haben jetzt den Status „erledigt“." in response.content.decode()
    assert set(DefectReport.objects.values_list("status", flat=True)) == {"resolved"}


def test_status_action_refuses_a_status_outside_the_transitions(client, ours):
    closed = make_report(category=ours, status="duplicate")
    response = run_action(client, "set_status", [closed], status="resolved", note="")
    html = response.content.decode()
    assert "keinen gemeinsamen nächsten Status" in html
    closed.refresh_from_db()
    assert closed.status == "duplicate"


def test_bulk_reassign_moves_reports_out_of_the_list(client, ours, theirs):
    report = make_report(category=ours)
    response = run_action(
        client,
        "reassign_selected",
        [report],
        category=theirs.pk,
        department="",
        reason="Spielplatz, nicht Beleuchtung",
    )
    html = response.content.decode()
    assert "1 Meldung wurde neu zugeordnet." in html
    report.refresh_from_db()
    assert report.department == theirs.department
    assert report.reference not in html.split("messagelist")[-1]


def test_bulk_duplicate_names_each_report_it_could_not_mark(client, ours):
    original = make_report(category=ours)
    fresh = make_report(category=ours)
    already = make_report(category=ours, status="duplicate", duplicate_of=original)
    response = run_action(
        client, "mark_duplicate_selected", [original, fresh, already], original=original.reference
    )
    html = response.content.decode()
    assert f"1 Meldung ist jetzt ein Duplikat von {original.reference}." in html
    assert f"{already}: Diese Meldung ist bereits ein Duplikat." in html
    fresh.refresh_from_db()
    original.refresh_from_db()
    assert (fresh.status, fresh.duplicate_of) == ("duplicate", original)
    assert original.status == "confirmed"  # the original itself is left out of the selection


def test_bulk_restore_shows_hidden_reports_again(client, ours):
    hidden = make_report(category=ours, is_hidden=True, hidden_reason="Name genannt")
    visible = make_report(category=ours)
    response = run_action(client, "restore_selected", [hidden, visible])
    assert "1 Meldung wieder eingeblendet." in response.content.decode()
    hidden.refresh_from_db()
    assert not hidden.is_hidden
    assert InternalNote.objects.filter(report=visible).count() == 0


def test_a_refusal_of_the_service_is_reported_and_changes_nothing(client, ours, monkeypatch):
    """As if each report moved to another department between the page and the service."""
    report = make_report(category=ours)
    monkeypatch.setattr("defects.services.can_work_report", lambda user, report: False)
    response = run_action(client, "set_status", [report], status="resolved", note="Erledigt")
    html = response.content.decode()
    assert f"{report}: Diese Meldung gehört nicht zu Ihrem Fachbereich." in html
    response = client.post(
        f"{REPORTS}{report.pk}/status/", {"status": "resolved", "note": "x"}, follow=True
    )
    assert (
        "Diese Meldung gehört nicht zu Ihrem Fachbereich. Es wurde nichts geändert."
        in response.content.decode()
    )
    report.refresh_from_db()
    assert report.status == "confirmed"
    assert not report.updates.exists()


def test_a_report_moved_away_after_the_page_was_opened_is_not_changed(client, ours, theirs):
    report = make_report(category=ours)
    assert client.get(f"{REPORTS}{report.pk}/ausblenden/").status_code == 200
    DefectReport.objects.filter(pk=report.pk).update(category=theirs, department=theirs.department)
    response = client.post(f"{REPORTS}{report.pk}/ausblenden/", {"reason": "Spam"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert not report.is_hidden
