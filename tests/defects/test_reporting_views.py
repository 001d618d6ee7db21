"""Reporting pages: the form with and without an account, bad input, the two-step check for
reports nearby (without JavaScript), its JSON twin, "Ich auch", and the confirmation links."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from defects.models import DefectReport, Photo, Support
from lohmar_portal.cache import bump_content_version, content_version
from lohmar_portal.celery import app as celery_app
from lohmar_portal.sections import account_sections, personal_data
from tests.defects.conftest import IN_LOHMAR, IN_THE_SEA, make_category, make_report
from tests.defects.photos import gps_jpeg, pdf_named_jpg, png
from tests.defects.test_services import north_of, stored
from tests.factories import DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = DefectReport.Status
FORM_URL = "/maengel/melden/"
NEARBY_URL = "/maengel/melden/in-der-naehe/"


def form_data(chosen_category, **overrides) -> dict:
    data = {
        "category": str(chosen_category.pk),
        "description": "Die Laterne vor Hausnummer 12 ist seit Tagen dunkel.",
        "latitude": f"{IN_LOHMAR[0]:.6f}",
        "longitude": f"{IN_LOHMAR[1]:.6f}",
        "address": "",
        "district": "",
        "email": "anna@example.org",
        "name": "",
        "phone": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def flat(response) -> str:
    """The page with runs of whitespace as one space (templates break long tags)."""
    return " ".join(response.content.decode().split())


def field_error(response, field: str) -> str:
    """The error text shown at a field (its `…_error` element, linked by aria-describedby)."""
    content = response.content.decode()
    match = re.search(
        rf'id="id_{field}_error">.*?<span class="kern-body">(.*?)</span>', content, re.S
    )
    assert match, f"no error at {field}"
    return html.unescape(match.group(1))


def link_path(body: str, kind: str = "bestaetigen") -> str:
    match = re.search(rf"https?://[^/\s]+(/maengel/{kind}/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def post(client, capture, data):
    """POST the form and run what waits for the commit (e-mails, photo processing)."""
    with capture(execute=True):
        return client.post(FORM_URL, data)


# --- The form page ------------------------------------------------------------------------------


def test_the_form_offers_map_address_photos_and_contact_without_an_account(client, category):
    DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    make_category(name="Spielplätze", description="Kaputte Spielgeräte, Sand, Zäune")

    response = client.get(FORM_URL)

    assert response.status_code == 200
    content = flat(response)
    assert 'type="radio" name="category"' in content
    assert "Straßenschäden" in content and "Kaputte Spielgeräte, Sand, Zäune" in content
    assert "data-point-picker" in content and 'id="portal-map-config"' in content
    assert 'name="address"' in content and ">Wahlscheid</option>" in content
    assert content.count('accept="image/*"') == 3
    assert 'name="email"' in content and 'name="phone"' in content
    assert "werden nie veröffentlicht" in content
    assert "Meinen Standort verwenden" in content  # the picker's text, for its script
    assert "das Stadtgebiet: Stadt Lohmar (Näherung)" in content  # the demo outline says so
    assert "<script>" not in content  # CSP: no inline script


def test_with_an_account_the_form_asks_no_contact_details(client, category, citizen):
    client.force_login(citizen)
    content = client.get(FORM_URL).content.decode()
    assert 'name="email"' not in content
    assert "Ihr Name und Ihr Bürgerkonto werden nie veröffentlicht" in content


# --- Filing -------------------------------------------------------------------------------------


def test_an_anonymous_report_is_filed_and_waits_for_confirmation(
    client, category, django_capture_on_commit_callbacks
):
    version = content_version()
    response = post(
        client,
        django_capture_on_commit_callbacks,
        form_data(category, name="Anna Muster", phone="02246 1"),
    )

    assert response.status_code == 302
    report = DefectReport.objects.get()
    assert report.status == Status.SUBMITTED
    assert (report.reporter_email, report.reporter_name) == ("anna@example.org", "Anna Muster")
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    assert content_version() != version  # anonymous writes make cached pages stale too
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    content = thanks.content.decode()
    assert report.reference in content
    assert "Bitte bestätigen Sie Ihre Meldung über den Link in der E-Mail" in content
    assert "7 Tagen" in content
    assert "anna@example.org" not in content and "Anna Muster" not in content


def test_a_report_with_an_account_is_published_at_once(
    client, category, citizen, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    response = post(client, django_capture_on_commit_callbacks, form_data(category, email=None))

    report = DefectReport.objects.get()
    assert (report.status, report.reporter) == (Status.CONFIRMED, citizen)
    assert mail.outbox == []
    content = client.get(response["Location"]).content.decode()
    assert "ist veröffentlicht" in content
    assert report.get_absolute_url() in content


def test_address_and_district_are_enough_without_the_map(
    client, category, django_capture_on_commit_callbacks
):
    district = DistrictFactory(name="Birk", slug="birk")
    data = form_data(
        category, latitude="", longitude="", address="Spielplatz Am Birkenweg", district=district.pk
    )
    response = post(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 302
    report = DefectReport.objects.get()
    assert (report.latitude, report.address, report.district) == (
        None,
        "Spielplatz Am Birkenweg",
        district,
    )


def test_photos_are_filed_and_processed_without_gps(
    client, category, django_capture_on_commit_callbacks
):
    data = form_data(category, photo_1=gps_jpeg(), alt_1="Das dunkle Licht", photo_2=png())
    response = post(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 302
    photos = list(Photo.objects.order_by("pk"))
    assert [p.state for p in photos] == [Photo.State.READY, Photo.State.READY]
    assert photos[0].alt_text == "Das dunkle Licht"
    assert not any(p.original for p in photos)


FIFTY_MB = 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"latitude": f"{IN_THE_SEA[0]}", "longitude": f"{IN_THE_SEA[1]}"},
            "latitude",
            "außerhalb des Stadtgebiets von Lohmar",
        ),
        ({"category": "999999"}, "category", "Diese Kategorie gibt es nicht"),
        ({"category": "Schlaglöcher"}, "category", "Diese Kategorie gibt es nicht"),
        (
            {"photo_1": "huge"},
            "photo_1",
            "„riesig.jpg“ ist zu groß: ein Bild darf höchstens 10 MB groß sein.",
        ),
        ({"photo_1": "pdf"}, "photo_1", "„foto.jpg“ ist kein Bild"),
        ({"email": ""}, "email", "Bitte geben Sie Ihre E-Mail-Adresse an"),
        ({"email": "anna-at-example"}, "email", "gültige E-Mail-Adresse"),
        (
            {"latitude": "", "longitude": "", "address": ""},
            "address",
            "Bitte geben Sie an, wo der Mangel ist",
        ),
        ({"latitude": "", "address": ""}, "latitude", "Breiten- und Längengrad"),
        ({"description": ""}, "description", "Bitte beschreiben Sie den Mangel"),
        ({"description": "x" * 4001}, "description", "höchstens 4000 Zeichen"),
    ],
    ids=[
        "point in the sea",
        "unknown category",
        "category not an id",
        "50 MB upload",
        "pdf renamed jpg",
        "no email",
        "bad email",
        "no place",
        "half a point",
        "no description",
        "description too long",
    ],
)
def test_bad_input_gets_a_german_message_at_the_field_and_saves_nothing(
    client, category, django_capture_on_commit_callbacks, overrides, field, message
):
    if overrides.get("photo_1") == "huge":
        overrides["photo_1"] = SimpleUploadedFile(
            "riesig.jpg", b"\xff\xd8\xff\xe0" + b"\0" * FIFTY_MB, content_type="image/jpeg"
        )
    elif overrides.get("photo_1") == "pdf":
        overrides["photo_1"] = pdf_named_jpg()
    files_before = stored()

    response = post(client, django_capture_on_commit_callbacks, form_data(category, **overrides))

    assert response.status_code == 400
    assert message in field_error(response, field)
    assert "Bitte prüfen Sie Ihre Eingaben" in response.content.decode()  # the summary
    assert DefectReport.objects.count() == 0
    assert Photo.objects.count() == 0
    assert stored() == files_before
    assert mail.outbox == []


def test_an_oversized_upload_is_cut_off_while_it_arrives(
    client, category, django_capture_on_commit_callbacks, monkeypatch, settings
):
    """Past the limit the bytes are swallowed: the temporary file never holds 50 MB."""
    written = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        written.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    upload = SimpleUploadedFile("riesig.jpg", b"\0" * FIFTY_MB, content_type="image/jpeg")

    response = post(client, django_capture_on_commit_callbacks, form_data(category, photo_1=upload))

    assert response.status_code == 400
    assert "ist zu groß" in field_error(response, "photo_1")
    assert 0 < sum(written) <= settings.DEFECTS_MAX_PHOTO_BYTES


def test_a_form_shown_again_keeps_what_was_entered(client, category):
    response = client.post(
        FORM_URL, form_data(category, email="", description="Schild umgefahren", address="B484")
    )
    content = flat(response)
    assert response.status_code == 400
    assert "Schild umgefahren" in content
    assert 'value="B484"' in content
    assert f'value="{category.pk}" id="id_category_0" checked' in content


def test_too_many_reports_in_an_hour_are_refused(
    client, category, settings, django_capture_on_commit_callbacks
):
    settings.DEFECTS_REPORTS_PER_HOUR = 1
    assert post(client, django_capture_on_commit_callbacks, form_data(category)).status_code == 302
    response = post(client, django_capture_on_commit_callbacks, form_data(category))
    assert response.status_code == 429
    assert "sehr viele Meldungen" in response.content.decode()
    assert DefectReport.objects.count() == 1


def test_the_form_refuses_a_post_without_csrf_token(category):
    """The view sets its upload limit before the CSRF check reads the body; the check stays."""
    response = Client(enforce_csrf_checks=True).post(FORM_URL, form_data(category))
    assert response.status_code == 403
    assert DefectReport.objects.count() == 0


# --- Reports nearby: without JavaScript, two steps ----------------------------------------------


def carried_inputs(content: str) -> dict:
    """The hidden inputs of the "Trotzdem neu melden" form on the page of nearby reports."""
    section = content[content.index('id="neu-melden-titel"') :]
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', section
        )
        if name != "csrfmiddlewaretoken"
    }


@pytest.fixture
def open_nearby(category):
    point = north_of(IN_LOHMAR, 20)
    return make_report(
        category=category,
        latitude=point[0],
        longitude=point[1],
        description="Laterne dunkel, schon seit Montag.",
        reporter_email="erste@example.org",
    )


def test_without_javascript_reports_nearby_are_shown_before_filing(
    client, category, open_nearby, django_capture_on_commit_callbacks
):
    data = form_data(category, photo_1=gps_jpeg(), alt_1="Laterne", address="Hauptstraße 12")
    response = post(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Diese Meldungen in der Nähe gibt es schon" in content
    assert open_nearby.reference in content
    assert "etwa 20 m entfernt" in content
    assert f'action="/maengel/{open_nearby.reference}/ich-auch/"' in content
    assert "Trotzdem neu melden" in content
    assert "Bitte wählen Sie sie hier noch einmal aus" in content  # the photo must be re-chosen
    assert 'value="Laterne"' in content  # its description is kept
    assert "erste@example.org" not in content  # nobody else's data
    assert DefectReport.objects.count() == 1
    assert Photo.objects.count() == 0

    carried = carried_inputs(content)
    assert carried["duplicates_checked"] == "1"
    assert carried["address"] == "Hauptstraße 12"
    assert carried["email"] == "anna@example.org"
    assert "photo_1" not in carried

    filed = post(client, django_capture_on_commit_callbacks, {**carried, "photo_1": gps_jpeg()})

    assert filed.status_code == 302
    report = DefectReport.objects.exclude(pk=open_nearby.pk).get()
    assert report.address == "Hauptstraße 12"
    assert report.reporter_email == "anna@example.org"
    assert report.photos.count() == 1


def test_changing_the_entries_goes_back_to_the_filled_form(client, category, open_nearby):
    content = client.post(FORM_URL, form_data(category, address="Hauptstraße 12")).content.decode()
    response = client.post(FORM_URL, {**carried_inputs(content), "aendern": "1"})

    assert response.status_code == 200
    content = flat(response)
    assert 'name="duplicates_checked" id="id_duplicates_checked" value=""' in content
    assert 'value="Hauptstraße 12"' in content
    assert "Bitte prüfen Sie Ihre Eingaben" not in content
    assert DefectReport.objects.count() == 1


def test_a_report_whose_nearby_ones_were_seen_is_filed_at_once(
    client, category, open_nearby, django_capture_on_commit_callbacks
):
    data = form_data(category, duplicates_checked="1")
    assert post(client, django_capture_on_commit_callbacks, data).status_code == 302
    assert DefectReport.objects.count() == 2


def test_other_categories_and_far_reports_are_not_offered(
    client, django_capture_on_commit_callbacks, open_nearby
):
    other = make_category()
    response = post(client, django_capture_on_commit_callbacks, form_data(other))
    assert response.status_code == 302


def test_ich_auch_from_the_nearby_page_without_an_account(
    client, category, open_nearby, django_capture_on_commit_callbacks
):
    content = client.post(FORM_URL, form_data(category)).content.decode()
    hidden = re.search(
        rf'action="/maengel/{open_nearby.reference}/ich-auch/">.*?name="email" value="([^"]+)"',
        content,
        re.S,
    )
    assert hidden.group(1) == "anna@example.org"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/maengel/{open_nearby.reference}/ich-auch/", {"email": "anna@example.org"}
        )

    assert response.status_code == 302
    assert response["Location"] == open_nearby.get_absolute_url()
    support = Support.objects.get()
    assert (support.email, support.confirmed_at) == ("anna@example.org", None)
    assert DefectReport.objects.count() == 1  # nothing new filed
    link = link_path(mail.outbox[0].body, "ich-auch/bestaetigen")
    asked = client.get(link)  # only asks (mail filters open links)
    assert "dass Sie diesen Mangel auch bemerkt haben" in asked.content.decode()
    open_nearby.refresh_from_db()
    assert open_nearby.supporter_count == 0
    page = client.post(link)
    assert page.status_code == 200
    assert "Ihr „Ich auch“ zählt" in page.content.decode()
    open_nearby.refresh_from_db()
    assert open_nearby.supporter_count == 1
    assert "schon bestätigt" in client.get(link).content.decode()


# --- The JSON endpoint for the form's script ----------------------------------------------------


def test_the_nearby_endpoint_lists_open_reports_without_personal_data(
    client, category, open_nearby
):
    make_report(category=category, status=Status.RESOLVED)
    response = client.get(
        NEARBY_URL, {"kategorie": category.pk, "lat": IN_LOHMAR[0], "lon": IN_LOHMAR[1]}
    )

    assert response.status_code == 200
    data = response.json()
    assert data["radius_m"] == 50
    assert data["count"] == 1
    [report] = data["reports"]
    assert report["reference"] == open_nearby.reference
    assert report["distance_m"] == 20
    assert report["url"] == open_nearby.get_absolute_url()
    assert report["support_url"] == f"/maengel/{open_nearby.reference}/ich-auch/"
    assert report["status_display"] == "gemeldet"
    assert "erste@example.org" not in response.content.decode()
    assert set(report) == {
        "reference",
        "category",
        "status",
        "status_display",
        "description",
        "address",
        "distance_m",
        "supporter_count",
        "created_at",
        "url",
        "support_url",
    }


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"kategorie": "999999", "lat": "50.8", "lon": "7.2"},
        {"kategorie": "CATEGORY", "lat": "Norden", "lon": "7.2"},
        {"kategorie": "CATEGORY", "lat": "91", "lon": "7.2"},
    ],
    ids=["nothing", "unknown category", "not a number", "out of range"],
)
def test_the_nearby_endpoint_refuses_bad_queries(client, category, query):
    query = {
        key: str(category.pk) if value == "CATEGORY" else value for key, value in query.items()
    }
    response = client.get(NEARBY_URL, query)
    assert response.status_code == 400
    assert "ungültig" in response.json()["error"]


def test_the_nearby_endpoint_runs_the_same_queries_for_one_or_twenty_reports(
    client, category, django_assert_num_queries
):
    query = {"kategorie": category.pk, "lat": IN_LOHMAR[0], "lon": IN_LOHMAR[1]}
    make_report(category=category)
    bump_content_version()
    with django_assert_num_queries(2) as one:
        assert client.get(NEARBY_URL, query).json()["count"] == 1
    for _ in range(19):
        make_report(category=category)
    bump_content_version()
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(NEARBY_URL, query).json()["count"] == 20


# --- "Ich auch" ---------------------------------------------------------------------------------


def test_with_an_account_ich_auch_counts_at_once(client, category, citizen):
    report = make_report(category=category)
    client.force_login(citizen)

    response = client.post(f"/maengel/{report.reference}/ich-auch/")
    again = client.post(f"/maengel/{report.reference}/ich-auch/", follow=True)

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.supporter_count == 1
    assert "Sie unterstützen diese Meldung bereits" in again.content.decode()


def test_the_support_page_asks_visitors_for_their_address(client, category):
    report = make_report(category=category)
    page = client.get(f"/maengel/{report.reference}/ich-auch/")
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()

    response = client.post(f"/maengel/{report.reference}/ich-auch/", {"email": ""})
    assert response.status_code == 400
    assert "Bitte geben Sie Ihre E-Mail-Adresse an" in field_error(response, "email")
    assert Support.objects.count() == 0


def test_nobody_says_ich_auch_to_their_own_report(client, category, citizen):
    report = make_report(category=category, reporter=citizen)
    client.force_login(citizen)
    assert (
        "selbst gemeldet" in client.get(f"/maengel/{report.reference}/ich-auch/").content.decode()
    )

    response = client.post(f"/maengel/{report.reference}/ich-auch/")
    assert response.status_code == 400
    assert "Sie haben diesen Mangel selbst gemeldet." in response.content.decode()
    assert Support.objects.count() == 0


def test_a_resolved_report_takes_no_ich_auch(client, category, citizen):
    report = make_report(category=category, status=Status.RESOLVED)
    client.force_login(citizen)
    response = client.post(f"/maengel/{report.reference}/ich-auch/")
    assert response.status_code == 400
    assert "abgeschlossen" in response.content.decode()


@pytest.mark.parametrize("fields", [{"status": Status.SUBMITTED}, {"is_hidden": True}])
def test_unpublished_reports_have_no_support_page(client, category, fields):
    report = make_report(category=category, **fields)
    assert client.get(f"/maengel/{report.reference}/ich-auch/").status_code == 404
    assert (
        client.post(f"/maengel/{report.reference}/ich-auch/", {"email": "a@b.de"}).status_code
        == 404
    )
    assert client.get("/maengel/MM-1999-99999/ich-auch/").status_code == 404


def test_the_support_include_offers_a_form_or_a_link(category, citizen):
    report = make_report(category=category)
    request = RequestFactory().get("/")

    request.user = citizen
    signed_in = render_to_string(
        "defects/components/support_form.html", {"report": report, "user": citizen}, request
    )
    assert f'action="/maengel/{report.reference}/ich-auch/"' in signed_in
    assert "csrfmiddlewaretoken" in signed_in

    from django.contrib.auth.models import AnonymousUser

    visitor = render_to_string(
        "defects/components/support_form.html", {"report": report, "user": AnonymousUser()}
    )
    assert f'href="/maengel/{report.reference}/ich-auch/"' in visitor
    assert "csrfmiddlewaretoken" not in visitor  # the public page is cached for visitors

    report.status = Status.RESOLVED
    closed = render_to_string(
        "defects/components/support_form.html", {"report": report, "user": citizen}
    )
    assert "nimmt keine Unterstützung an" in closed
    assert "<form" not in closed


def test_the_report_page_offers_ich_auch_and_a_confirmed_one_is_counted_there(
    client, category, django_capture_on_commit_callbacks
):
    report = make_report(category=category)
    page = client.get(report.get_absolute_url())  # cached for visitors from now on
    assert f'href="/maengel/{report.reference}/ich-auch/"' in page.content.decode()
    assert "0 weitere Personen" in flat(page)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/maengel/{report.reference}/ich-auch/", {"email": "carla@example.org"})
    assert "0 weitere Personen" in flat(Client().get(report.get_absolute_url()))  # unconfirmed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_path(mail.outbox[0].body, "ich-auch/bestaetigen"))

    fresh = Client().get(report.get_absolute_url())  # another visitor: no cookies
    assert "1 weitere Person hat" in flat(fresh)


# --- Confirmation links -------------------------------------------------------------------------


def test_the_confirmation_link_publishes_the_report(
    client, category, django_capture_on_commit_callbacks
):
    post(client, django_capture_on_commit_callbacks, form_data(category))
    report = DefectReport.objects.get()
    # A visitor who looks now finds nothing, and the 404 is cached for visitors.
    assert client.get(report.get_absolute_url()).status_code == 404
    path = link_path(mail.outbox[0].body)

    # Opening the link (a mail filter checking it does) only shows what is to be confirmed.
    asked = client.get(path).content.decode()
    assert "Bitte bestätigen Sie, dass Sie diesen Mangel gemeldet haben" in asked
    assert report.reference in asked and report.description in asked
    assert '<form method="post"' in asked
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)

    assert response.status_code == 200
    assert "Ihre Meldung ist bestätigt" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.CONFIRMED
    # Not stale: the cached 404 gave way to the report.
    assert client.get(report.get_absolute_url()).status_code == 200

    for method in (client.get, client.post):
        again = method(path)
        assert again.status_code == 200
        assert "schon bestätigt" in again.content.decode()


def test_a_me_too_link_of_a_report_hidden_meanwhile_shows_nothing_and_counts_nothing(
    client, open_nearby, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/maengel/{open_nearby.reference}/ich-auch/", {"email": "anna@example.org"})
    link = link_path(mail.outbox[0].body, "ich-auch/bestaetigen")
    DefectReport.objects.filter(pk=open_nearby.pk).update(is_hidden=True)  # by staff

    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 410
        html = response.content.decode()
        assert "nicht mehr öffentlich" in html
        assert open_nearby.description not in html
    open_nearby.refresh_from_db()
    assert open_nearby.supporter_count == 0
    assert Support.objects.get().confirmed_at is None


def test_an_unknown_confirmation_link_gets_a_german_404(client):
    for method in (client.get, client.post):
        response = method("/maengel/bestaetigen/gibt-es-nicht/")
        assert response.status_code == 404
        assert "Diesen Bestätigungslink kennen wir nicht" in response.content.decode()
        response = method("/maengel/ich-auch/bestaetigen/gibt-es-nicht/")
        assert response.status_code == 404
        assert "Diesen Bestätigungslink kennen wir nicht" in response.content.decode()


def test_an_expired_confirmation_link_says_so(
    client, category, settings, django_capture_on_commit_callbacks
):
    post(client, django_capture_on_commit_callbacks, form_data(category))
    path = link_path(mail.outbox[0].body)
    later = timezone.now() + timedelta(days=settings.DEFECTS_CONFIRMATION_DAYS, hours=1)
    for method in (client.get, client.post):
        with time_machine.travel(later):
            response = method(path)
        assert response.status_code == 410
        assert "Dieser Bestätigungslink ist abgelaufen" in response.content.decode()
        assert DefectReport.objects.get().status == Status.SUBMITTED


def test_a_forged_thanks_link_shows_nothing(client, category):
    make_report(category=category, reference="MM-2026-00042")
    assert client.get("/maengel/melden/danke/MM-2026-00042/").status_code == 404


# --- Mein Bürgerkonto, personal data, beat ------------------------------------------------------


def test_the_account_lists_my_reports_and_supports(client, category, citizen):
    mine = make_report(category=category, reporter=citizen, reporter_email="")
    supported = make_report(category=category)
    Support.objects.create(report=supported, user=citizen, confirmed_at=timezone.now())
    others = make_report(category=category, reporter=UserFactory())
    client.force_login(citizen)

    content = client.get("/konto/").content.decode()

    assert "Meine Mängelmeldungen" in content
    assert 'href="#maengel-titel"' in content
    assert f'href="{mine.get_absolute_url()}">{mine.reference}</a>' in content
    assert supported.reference in content
    assert others.reference not in content
    section = next(s for s in account_sections if "account_reports" in s.template_name)
    request = RequestFactory().get("/")
    request.user = citizen
    context = section.context(request)
    assert [r.pk for r in context["reports"]] == [mine.pk]
    assert [s.report_id for s in context["supports"]] == [supported.pk]


def test_personal_data_holds_my_reports_and_supports_and_nothing_else(category, citizen):
    mine = make_report(category=category, reporter=citizen, reporter_email="", address="Am Markt")
    supported = make_report(category=category)
    Support.objects.create(report=supported, user=citizen, confirmed_at=timezone.now())
    part = personal_data["defect_reports"]

    data = part.exporter(citizen)

    assert [(row["kind"], row["reference"]) for row in data] == [
        ("report", mine.reference),
        ("support", supported.reference),
    ]
    assert data[0]["address"] == "Am Markt"
    assert part.exporter(UserFactory()) == []  # empty: the core may delete such an account
    part.anonymiser(citizen)
    mine.refresh_from_db()
    assert mine.reporter is None


def test_unconfirmed_reports_expire_daily():
    entry = celery_app.conf.beat_schedule["defects-expire-unconfirmed"]
    assert entry["task"] == "defects.tasks.expire_unconfirmed"
    schedule = entry["schedule"]
    assert (len(schedule.hour), len(schedule.minute), len(schedule.day_of_week)) == (1, 1, 7)
