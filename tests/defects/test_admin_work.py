"""Staff work on one report from its admin page; every change goes through the services."""

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client

from defects.models import DefectReport, InternalNote, Photo, StatusUpdate, Support
from tests.factories import UserFactory

from .admin_support import REPORTS, admin_staff, client_for, jpeg_bytes
from .conftest import make_category, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours():
    return make_category(name="Straßenbeleuchtung")


@pytest.fixture
def staff(ours):
    return admin_staff(department=ours.department)


@pytest.fixture
def client(staff):
    return client_for(staff)


def page(report, name: str) -> str:
    return f"{REPORTS}{report.pk}/{name}/"


# --- Status with a public note ------------------------------------------------------------------


def test_the_change_page_shows_personal_data_only_in_its_marked_section(client, ours):
    report = make_report(category=ours, reporter_name="Erika Muster", reporter_phone="02246 1234")
    html = client.get(f"{REPORTS}{report.pk}/change/").content.decode()
    section = html.split("Personenbezogene Daten (nicht öffentlich)", 1)
    assert len(section) == 2
    before, after = section
    for value in ("Erika Muster", "02246 1234", report.reporter_email):
        assert value in after
        assert value not in before
    assert page(report, "status") in html  # the work pages are linked


def test_status_change_records_the_public_note_and_mails_the_reporter_and_supporters(
    client, ours, django_capture_on_commit_callbacks
):
    report = make_report(
        category=ours,
        reporter_email="melderin@example.org",
        reporter_name="Erika Muster",
        reporter_phone="02246 1234",
    )
    supporter = UserFactory(email="nachbar@example.org")
    Support.objects.create(report=report, user=supporter, confirmed_at=report.confirmed_at)
    Support.objects.create(report=report, email="unbestaetigt@example.org")  # never confirmed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page(report, "status"),
            {"status": "in_progress", "note": "Der Bauhof repariert die Laterne diese Woche."},
            follow=True,
        )
    assert "hat jetzt den Status „in Bearbeitung“" in response.content.decode()
    report.refresh_from_db()
    assert report.status == DefectReport.Status.IN_PROGRESS
    update = StatusUpdate.objects.get(report=report, to_status="in_progress")
    assert update.note == "Der Bauhof repariert die Laterne diese Woche."
    assert update.by_staff
    assert sorted(message.to[0] for message in mail.outbox) == [
        "melderin@example.org",
        "nachbar@example.org",
    ]
    for message in mail.outbox:
        assert len(message.to) == 1  # nobody sees another recipient's address
        assert "Der Bauhof repariert die Laterne diese Woche." in message.body
        assert report.reference in message.subject
        for private in ("Erika Muster", "02246 1234", "unbestaetigt@example.org"):
            assert private not in message.body
        other = {"melderin@example.org", "nachbar@example.org"} - {message.to[0]}
        assert other.pop() not in message.body


def test_status_page_offers_only_the_allowed_next_statuses(client, ours):
    report = make_report(category=ours, status="in_progress")
    html = client.get(page(report, "status")).content.decode()
    for allowed in ("acknowledged", "resolved", "closed"):
        assert f'value="{allowed}"' in html
    for refused in ("not_responsible", "duplicate", "submitted", "in_progress"):
        assert f'value="{refused}"' not in html
    response = client.post(page(report, "status"), {"status": "not_responsible", "note": ""})
    assert response.status_code == 200
    assert "not_responsible ist keine gültige Auswahl." in response.content.decode()
    report.refresh_from_db()
    assert report.status == "in_progress"
    assert not StatusUpdate.objects.filter(report=report).exists()


def test_a_duplicate_has_no_status_page(client, ours):
    report = make_report(category=ours, status="duplicate")
    response = client.get(page(report, "status"), follow=True)
    assert "gibt es keinen nächsten Status" in response.content.decode()


def test_a_too_long_note_is_refused_with_a_german_message_and_nothing_changes(client, ours):
    report = make_report(category=ours)
    response = client.post(page(report, "status"), {"status": "resolved", "note": "x" * 2001})
    assert "höchstens 2000 Zeichen" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "confirmed"
    assert not mail.outbox


# --- Internal notes -----------------------------------------------------------------------------


def test_an_internal_note_is_added_and_shown_only_in_the_admin(client, ours):
    report = make_report(category=ours)
    response = client.post(
        page(report, "notiz"), {"text": "Rückruf beim Bauhof erbeten."}, follow=True
    )
    assert "Die interne Notiz wurde gespeichert." in response.content.decode()
    note = InternalNote.objects.get(report=report)
    assert note.text == "Rückruf beim Bauhof erbeten."
    assert note.author.pk == response.wsgi_request.user.pk
    assert "Rückruf beim Bauhof erbeten." in response.content.decode()  # on the change page
    assert (
        "Rückruf beim Bauhof erbeten."
        not in Client().get(report.get_absolute_url()).content.decode()
    )


def test_an_empty_internal_note_is_refused(client, ours):
    report = make_report(category=ours)
    response = client.post(page(report, "notiz"), {"text": "   "})
    assert response.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert not InternalNote.objects.exists()


# --- Reassigning --------------------------------------------------------------------------------


def test_reassigning_to_another_department_leaves_the_report_out_of_reach(client, ours):
    parks = make_category(name="Grünflächen")
    report = make_report(category=ours)
    response = client.post(
        page(report, "zuweisen"),
        {"category": parks.pk, "department": "", "reason": "Baum verdeckt die Laterne."},
        follow=True,
    )
    html = response.content.decode()
    assert response.request["PATH_INFO"] == REPORTS
    assert f"liegt jetzt beim Fachbereich „{parks.department.name}“" in html
    report.refresh_from_db()
    assert (report.category, report.department) == (parks, parks.department)
    note = InternalNote.objects.get(report=report)
    assert "Baum verdeckt die Laterne." in note.text
    assert "Grünflächen" in note.text
    # Gone from this member's reach: the change and work pages show nothing of it.
    assert client.get(page(report, "status")).status_code == 404
    assert report.description not in client.get(REPORTS).content.decode()


def test_reassigning_within_the_department_returns_to_the_report(client, ours):
    other = make_category(name="Ampeln", department=ours.department)
    report = make_report(category=ours)
    response = client.post(
        page(report, "zuweisen"), {"category": other.pk, "reason": "Ampel"}, follow=True
    )
    assert response.request["PATH_INFO"] == f"{REPORTS}{report.pk}/change/"
    report.refresh_from_db()
    assert report.category == other


def test_reassigning_needs_a_category_or_a_department(client, ours):
    report = make_report(category=ours)
    response = client.post(page(report, "zuweisen"), {"reason": "Irgendwas"})
    assert "Bitte wählen Sie eine neue Kategorie oder einen neuen Fachbereich." in (
        response.content.decode()
    )
    assert not InternalNote.objects.exists()


# --- Duplicates ---------------------------------------------------------------------------------


def test_marking_a_duplicate_moves_reporter_and_supporters_to_the_original(
    client, ours, django_capture_on_commit_callbacks
):
    original = make_report(category=ours, reporter_email="erste@example.org")
    duplicate = make_report(category=ours, reporter_email="zweite@example.org")
    fan = UserFactory()
    Support.objects.create(report=duplicate, user=fan, confirmed_at=duplicate.confirmed_at)
    DefectReport.objects.filter(pk=duplicate.pk).update(supporter_count=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page(duplicate, "duplikat"), {"original": original.reference.lower()}, follow=True
        )
    assert f"ist jetzt ein Duplikat von {original.reference}" in response.content.decode()
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert duplicate.status == DefectReport.Status.DUPLICATE
    assert duplicate.duplicate_of == original
    assert duplicate.supporter_count == 0
    assert set(Support.objects.filter(report=original).values_list("user", "email")) == {
        (fan.pk, ""),
        (None, "zweite@example.org"),
    }
    assert original.supporter_count == 2
    # The reporter of the duplicate hears where it goes on.
    assert [message.to for message in mail.outbox] == [["zweite@example.org"]]
    assert original.reference in mail.outbox[0].body


def test_a_duplicate_of_an_unknown_or_unpublished_report_is_refused(client, ours):
    duplicate = make_report(category=ours)
    unconfirmed = make_report(category=ours, status="submitted")
    for reference in ("MM-1999-99999", unconfirmed.reference, duplicate.reference):
        response = client.post(page(duplicate, "duplikat"), {"original": reference})
        html = response.content.decode()
        assert response.status_code == 200
        assert (
            "Es gibt keine öffentliche Meldung" in html or "kein Duplikat ihrer selbst" in html
        ), reference
    duplicate.refresh_from_db()
    assert duplicate.status == "confirmed"


# --- Hiding and restoring -----------------------------------------------------------------------


def test_hiding_needs_a_public_reason_and_restoring_shows_the_report_again(client, ours):
    report = make_report(category=ours)
    response = client.post(page(report, "ausblenden"), {"reason": ""})
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    client.post(page(report, "ausblenden"), {"reason": "Enthält einen Namen."})
    report.refresh_from_db()
    assert report.is_hidden
    assert report.hidden_reason == "Enthält einen Namen."
    html = client.get(f"{REPORTS}{report.pk}/change/").content.decode()
    assert page(report, "einblenden") in html
    client.post(page(report, "einblenden"), {})
    report.refresh_from_db()
    assert not report.is_hidden
    assert report.hidden_reason == ""
    assert InternalNote.objects.filter(report=report).count() == 2


# --- Redacting personal data --------------------------------------------------------------------


def test_redacting_asks_for_confirmation_first(client, ours):
    report = make_report(category=ours, reporter_name="Erika Muster")
    response = client.post(page(report, "personendaten-entfernen"), {"description": ""})
    assert response.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    report.refresh_from_db()
    assert report.reporter_name == "Erika Muster"
    assert report.redacted_at is None


def test_redacting_removes_every_personal_detail_and_notes_it(client, ours):
    citizen = UserFactory()
    report = make_report(
        category=ours,
        reporter=citizen,
        reporter_name="Erika Muster",
        reporter_phone="02246 1234",
        on_behalf_of="Anruf von Frau Muster",
        description="Frau Muster aus Nr. 5 sagt, die Laterne ist aus.",
    )
    response = client.post(
        page(report, "personendaten-entfernen"),
        {"confirm": "on", "description": "Die Laterne vor Nr. 5 ist aus."},
        follow=True,
    )
    html = response.content.decode()
    assert "wurden entfernt" in html
    report.refresh_from_db()
    assert report.reporter is None
    assert (report.reporter_email, report.reporter_name, report.reporter_phone) == ("", "", "")
    assert report.on_behalf_of == ""
    assert report.description == "Die Laterne vor Nr. 5 ist aus."
    assert report.redacted_at is not None
    assert InternalNote.objects.get(report=report).text == "Personenbezogene Daten entfernt."
    for private in ("Erika Muster", "02246 1234", citizen.email, "Frau Muster aus"):
        assert private not in html


def test_redacting_without_a_new_description_keeps_it(client, ours):
    report = make_report(category=ours, description="Laterne aus.")
    client.post(page(report, "personendaten-entfernen"), {"confirm": "on", "description": ""})
    report.refresh_from_db()
    assert report.description == "Laterne aus."
    assert report.reporter_email == ""


# --- Photos -------------------------------------------------------------------------------------


def ready_photo(report, **fields) -> Photo:
    return Photo.objects.create(
        report=report,
        state=Photo.State.READY,
        image=ContentFile(jpeg_bytes(), "foto.jpg"),
        thumbnail=ContentFile(jpeg_bytes((40, 40)), "vorschau.jpg"),
        **fields,
    )


def photo_page(photo, name: str) -> str:
    return f"{REPORTS}{photo.report_id}/fotos/{photo.pk}/{name}/"


def test_releasing_a_photo_with_alt_text_makes_it_public(client, ours):
    report = make_report(category=ours)
    photo = ready_photo(report)
    public = Client()
    assert public.get(f"/maengel/fotos/{photo.pk}/").status_code == 404
    html = client.get(f"{REPORTS}{report.pk}/change/").content.decode()
    assert f"/maengel/fotos/{photo.pk}/vorschau/" in html  # the staff preview
    assert photo_page(photo, "freigeben") in html
    response = client.post(photo_page(photo, "freigeben"), {"alt_text": ""})
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    client.post(photo_page(photo, "freigeben"), {"alt_text": "Umgeknickter Laternenmast"})
    photo.refresh_from_db()
    assert photo.is_released
    assert photo.alt_text == "Umgeknickter Laternenmast"
    assert public.get(f"/maengel/fotos/{photo.pk}/").status_code == 200
    client.post(photo_page(photo, "zurueckhalten"), {})
    photo.refresh_from_db()
    assert not photo.is_released
    assert public.get(f"/maengel/fotos/{photo.pk}/").status_code == 404


def test_a_photo_still_being_processed_cannot_be_released(client, ours):
    report = make_report(category=ours)
    photo = Photo.objects.create(report=report, original=ContentFile(jpeg_bytes(), "neu.jpg"))
    response = client.post(photo_page(photo, "freigeben"), {"alt_text": "Mast"})
    assert "wird noch verarbeitet" in response.content.decode()
    photo.refresh_from_db()
    assert not photo.is_released


def test_deleting_a_photo_removes_it_and_its_files(
    client, ours, django_capture_on_commit_callbacks
):
    report = make_report(category=ours)
    photo = ready_photo(report)
    storage, name = photo.image.storage, photo.image.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(photo_page(photo, "loeschen"), {})
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not storage.exists(name)


def test_a_photo_of_another_report_is_not_found_under_this_one(client, ours):
    report, other = make_report(category=ours), make_report(category=ours)
    photo = ready_photo(other)
    response = client.get(f"{REPORTS}{report.pk}/fotos/{photo.pk}/freigeben/")
    assert response.status_code == 404


def test_another_departments_photo_is_not_found(client):
    photo = ready_photo(make_report())
    for name in ("freigeben", "zurueckhalten", "loeschen"):
        assert client.post(photo_page(photo, name), {"alt_text": "x"}).status_code == 404
    photo.refresh_from_db()
    assert not photo.is_released


def test_the_reports_admin_history_names_who_changed_what(client, staff, ours):
    report = make_report(category=ours)
    client.post(page(report, "ausblenden"), {"reason": "Enthält einen Namen."})
    client.post(
        REPORTS,
        {"action": "restore_selected", "_selected_action": [report.pk]},
    )
    html = client.get(f"{REPORTS}{report.pk}/history/").content.decode()
    assert f"Die Meldung {report.reference} ist ausgeblendet." in html
    assert "Wieder eingeblendet" in html
    assert staff.display_name in html


def test_restoring_a_visible_report_changes_nothing(client, ours):
    report = make_report(category=ours)
    response = client.post(page(report, "einblenden"), {}, follow=True)
    assert "Die Meldung ist nicht ausgeblendet." in response.content.decode()
    assert not InternalNote.objects.exists()
