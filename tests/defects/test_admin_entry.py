"""Staff enter reports that came by phone, letter, e-mail or at the counter."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from defects.models import DefectReport, Photo, StatusUpdate
from participation.models import Channel
from tests.factories import DistrictFactory

from .admin_support import REPORTS, admin_staff, client_for, jpeg_bytes
from .conftest import IN_LOHMAR, IN_THE_SEA, make_category

pytestmark = pytest.mark.django_db

ADD = f"{REPORTS}add/"


@pytest.fixture
def ours():
    return make_category(name="Straßenschäden")


@pytest.fixture
def staff(ours):
    return admin_staff(department=ours.department)


@pytest.fixture
def client(staff):
    return client_for(staff)


def entry(category, **fields) -> dict:
    return {
        "channel": Channel.PHONE,
        "category": category.pk,
        "description": "Tiefes Schlagloch vor der Bushaltestelle.",
        "address": "",
        "latitude": "",
        "longitude": "",
        **fields,
    }


def test_the_list_offers_entering_a_report(client):
    assert "Meldung erfassen" in client.get(REPORTS).content.decode()
    assert client.get(ADD).status_code == 200


def test_a_phone_caller_without_email_is_entered_on_their_behalf(client, staff, ours):
    district = DistrictFactory(name="Donrath")
    response = client.post(
        ADD,
        entry(
            ours,
            address="Hauptstraße 12",
            district=district.pk,
            on_behalf_of="Anruf von Herrn Beispiel",
            name="Hans Beispiel",
            phone="02246 555",
        ),
        follow=True,
    )
    report = DefectReport.objects.get()
    assert response.request["PATH_INFO"] == f"{REPORTS}{report.pk}/change/"
    assert f"Die Meldung {report.reference} wurde erfasst." in response.content.decode()
    assert report.status == DefectReport.Status.CONFIRMED  # public at once, no e-mail needed
    assert report.channel == Channel.PHONE
    assert report.entered_by == staff
    assert report.reporter is None
    assert (report.reporter_email, report.reporter_name, report.reporter_phone) == (
        "",
        "Hans Beispiel",
        "02246 555",
    )
    assert report.on_behalf_of == "Anruf von Herrn Beispiel"
    assert (report.address, report.district, report.department) == (
        "Hauptstraße 12",
        district,
        ours.department,
    )
    assert list(StatusUpdate.objects.filter(report=report).values_list("to_status", flat=True)) == [
        "submitted",
        "confirmed",
    ]


def test_a_letter_with_coordinates_and_a_photo(client, ours, django_capture_on_commit_callbacks):
    photo = SimpleUploadedFile("brief.jpg", jpeg_bytes(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            ADD,
            entry(
                ours,
                channel=Channel.PAPER,
                latitude=str(IN_LOHMAR[0]),
                longitude=str(IN_LOHMAR[1]),
                email="briefschreiber@example.org",
                photos=[photo],
            ),
        )
    report = DefectReport.objects.get()
    assert (report.latitude, report.longitude) == IN_LOHMAR
    assert report.reporter_email == "briefschreiber@example.org"
    stored = Photo.objects.get(report=report)
    assert stored.state == Photo.State.READY
    assert not stored.is_released  # staff release it like any other


def test_a_report_for_another_department_is_filed_and_the_list_says_where_it_went(client):
    parks = make_category(name="Grünflächen")
    response = client.post(ADD, entry(parks, address="Stadtpark"), follow=True)
    report = DefectReport.objects.get()
    html = response.content.decode()
    assert response.request["PATH_INFO"] == REPORTS
    assert f"Sie ist dem Fachbereich „{parks.department.name}“ zugeordnet." in html
    assert report.department == parks.department


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Bitte geben Sie an, wo der Mangel ist"),
        (
            {"latitude": str(IN_THE_SEA[0]), "longitude": str(IN_THE_SEA[1])},
            "außerhalb des Stadtgebiets",
        ),
        ({"latitude": str(IN_LOHMAR[0])}, "Bitte geben Sie Breiten- und Längengrad an."),
        ({"address": "Markt", "email": "keine-adresse"}, "gültige E-Mail-Adresse"),
        ({"address": "Markt", "channel": Channel.WEB}, "keine gültige Auswahl"),
    ],
    ids=["no-place", "in-the-sea", "half-a-point", "bad-email", "web-channel"],
)
def test_bad_entries_are_refused_with_a_german_message_and_nothing_is_saved(
    client, ours, fields, message
):
    response = client.post(ADD, entry(ours, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DefectReport.objects.exists()


def test_a_pdf_named_like_a_photo_is_refused(client, ours):
    fake = SimpleUploadedFile("foto.jpg", b"%PDF-1.4\n%%EOF", content_type="image/jpeg")
    response = client.post(ADD, entry(ours, address="Markt", photos=[fake]))
    assert "ist kein Bild" in response.content.decode()
    assert not DefectReport.objects.exists()
    assert not Photo.objects.exists()


def test_staff_of_no_department_cannot_enter_reports(ours):
    client = client_for(admin_staff())
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, entry(ours, address="Markt")).status_code == 403
    assert not DefectReport.objects.exists()


def test_an_inactive_category_is_not_offered(client, ours):
    retired = make_category(name="Telefonzellen", is_active=False, department=ours.department)
    assert "Telefonzellen" not in client.get(ADD).content.decode()
    response = client.post(ADD, entry(retired, address="Markt"))
    assert "keine gültige Auswahl" in response.content.decode()
    assert not DefectReport.objects.exists()
