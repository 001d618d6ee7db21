"""Reporting a defect in a real browser: a citizen sets the place on the map, adds a phone photo
carrying GPS EXIF, files without an account and confirms by e-mail; the report is then public.
Also: reports nearby appear live, a refused location is explained, and every page of the way is
axe-clean (tiles never load)."""

import io
import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from defects.models import DefectReport, Photo
from tests.browser.axe import assert_accessible
from tests.browser.test_maps import no_tiles
from tests.browser.totp import log_in
from tests.defects.conftest import IN_LOHMAR, make_category, make_report
from tests.defects.photos import ROTATE_90_CLOCKWISE, has_gps, jpeg_bytes
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Status = DefectReport.Status
FORM = "/maengel/melden/"


@pytest.fixture
def streets():
    make_category(name="Straßenbeleuchtung", slug="beleuchtung", service_code="licht")
    return make_category(
        name="Straßenschäden",
        slug="strassenschaeden",
        service_code="strasse",
        description="Schlaglöcher, Risse, lose Platten",
    )


def open_form(page) -> None:
    no_tiles(page)
    page.goto(FORM)
    page.locator("[data-point-picker] .leaflet-container").wait_for()


def set_point_on_the_map(page) -> None:
    page.locator(".portal-map--picker").click()  # the map opens on the town centre
    expect(page.locator(".portal-map--picker .leaflet-marker-icon")).to_have_count(1)
    assert page.get_by_label("Breitengrad").input_value() != ""


def confirmation_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/maengel/bestaetigen/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def file_report_anonymously(page, category, *, email="anna@example.org") -> DefectReport:
    """The citizen's part of the journey, up to the thanks page; returns the new report."""
    open_form(page)
    page.get_by_label(category.name).check()
    page.get_by_label("Beschreibung", exact=True).fill(
        "Tiefes Schlagloch in der Fahrbahn vor dem Rathaus."
    )
    set_point_on_the_map(page)
    page.locator("#id_photo_1").set_input_files(
        files=[
            {
                "name": "schlagloch.jpg",
                "mimeType": "image/jpeg",
                "buffer": jpeg_bytes(size=(2400, 1200), orientation=ROTATE_90_CLOCKWISE),
            }
        ]
    )
    page.get_by_label("Was zeigt Foto 1?").fill("Ein tiefes Schlagloch mit Wasser darin")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.get_by_role("heading", name="Danke für Ihre Meldung")).to_be_visible()
    return DefectReport.objects.get(reporter_email=email)


def confirm_by_email(page, email="anna@example.org") -> None:
    [message] = [m for m in mail.outbox if m.to == [email] and "bestätigen" in m.subject]
    page.goto(confirmation_path(message.body))
    page.get_by_role("button", name="Meldung bestätigen").click()
    expect(page.get_by_role("heading", name="Danke, Ihre Meldung ist bestätigt")).to_be_visible()


def test_a_citizen_reports_on_the_map_with_a_photo_and_confirms_by_email(page, streets):
    report = file_report_anonymously(page, streets)

    # Filed, waiting for the confirmation; the thanks page says what to do.
    assert report.status == Status.SUBMITTED
    assert report.category == streets
    assert abs(report.latitude - IN_LOHMAR[0]) < 0.02
    assert abs(report.longitude - IN_LOHMAR[1]) < 0.03
    expect(page.get_by_text(report.reference).first).to_be_visible()
    expect(
        page.get_by_text("Bitte bestätigen Sie Ihre Meldung über den Link in der E-Mail")
    ).to_be_visible()
    assert_accessible(page)
    assert page.request.get(report.get_absolute_url()).status == 404  # not public yet

    # The photo was re-encoded after the commit: upright, no EXIF, no GPS.
    photo = Photo.objects.get(report=report)
    assert photo.state == Photo.State.READY
    assert photo.alt_text == "Ein tiefes Schlagloch mit Wasser darin"
    with photo.image.open("rb") as file:
        data = file.read()
    assert not has_gps(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1024, 2048)  # 2400 by 1200 turned upright, at most 2048 px

    # Confirmed on the page the e-mail links to: now public.
    confirm_by_email(page)
    assert_accessible(page)
    report.refresh_from_db()
    assert report.status == Status.CONFIRMED
    page.get_by_role("link", name="Zur Meldung").click()
    expect(page).to_have_url(re.compile(f"/maengel/{report.reference}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Straßenschäden")
    expect(page.get_by_text("Tiefes Schlagloch in der Fahrbahn vor dem Rathaus.")).to_be_visible()
    assert "anna@example.org" not in page.content()


def test_the_form_and_its_errors_are_accessible(page, streets):
    open_form(page)
    assert_accessible(page)

    page.get_by_role("button", name="Meldung absenden").click()

    summary = page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Eingaben")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Bitte wählen Sie eine Kategorie.")
    expect(summary).to_contain_text("Bitte beschreiben Sie den Mangel.")
    expect(summary).to_contain_text("Bitte geben Sie an, wo der Mangel ist")
    expect(summary).to_contain_text("Bitte geben Sie Ihre E-Mail-Adresse an")
    # The summary's links lead to the fields; the fields name their error.
    summary.get_by_role("link", name=re.compile("^E-Mail-Adresse")).click()
    expect(page.get_by_label("E-Mail-Adresse")).to_be_focused()
    described_by = page.get_by_label("E-Mail-Adresse").get_attribute("aria-describedby")
    assert "id_email_error" in described_by
    page.locator("[data-point-picker] .leaflet-container").wait_for()
    assert_accessible(page)
    assert DefectReport.objects.count() == 0


def test_reports_nearby_appear_live_and_the_report_is_filed_without_a_second_step(
    browser, live_server, streets
):
    existing = make_report(
        category=streets,
        latitude=IN_LOHMAR[0],
        longitude=IN_LOHMAR[1],
        description="Schlagloch am Rathaus, etwa 30 cm breit.",
    )
    # Under the portal's real Content Security Policy: the form's scripts and fetch must work.
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    context.set_default_timeout(10_000)
    refused = []
    try:
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        open_form(page)
        set_point_on_the_map(page)
        nearby = page.locator("#defect-nearby")
        expect(nearby).to_be_hidden()  # no category yet

        page.get_by_label("Straßenschäden").check()

        expect(nearby).to_be_visible()
        expect(
            nearby.get_by_role("link", name=f"{existing.reference} – Straßenschäden")
        ).to_be_visible()
        expect(nearby).to_contain_text("Schlagloch am Rathaus")
        support = nearby.get_by_role("link", name=f"„Ich auch“ zu {existing.reference} sagen")
        assert support.get_attribute("href") == f"/maengel/{existing.reference}/ich-auch/"
        expect(page.locator("#defect-nearby-status")).to_contain_text(
            "gibt es schon 1 offene Meldung"
        )
        assert page.locator("#id_duplicates_checked").input_value() == "1"

        # Another category: nothing nearby, the list goes.
        page.get_by_label("Straßenbeleuchtung").check()
        expect(nearby).to_be_hidden()

        page.get_by_label("Straßenschäden").check()
        expect(nearby).to_be_visible()
        page.get_by_label("Beschreibung", exact=True).fill("Noch ein Loch, zwei Meter weiter.")
        page.get_by_label("E-Mail-Adresse").fill("bernd@example.org")
        page.get_by_role("button", name="Meldung absenden").click()

        # Seen already: filed at once, no page of nearby reports in between.
        expect(page.get_by_role("heading", name="Danke für Ihre Meldung")).to_be_visible()
        assert DefectReport.objects.filter(reporter_email="bernd@example.org").count() == 1
        assert refused == []
    finally:
        context.close()


def test_a_refused_location_is_explained(page, streets):
    open_form(page)
    page.context.clear_permissions()  # the person says no when the browser asks
    page.get_by_role("button", name="Meinen Standort verwenden").click()
    expect(page.locator("[data-point-picker] [aria-live=polite]")).to_have_text(
        "Sie haben den Zugriff auf Ihren Standort nicht erlaubt. Bitte setzen Sie den Punkt "
        "auf der Karte oder geben Sie Adresse und Ortsteil an."
    )
    assert page.get_by_label("Breitengrad").input_value() == ""


def test_an_oversized_photo_is_taken_out_before_uploading(page, streets, settings):
    open_form(page)
    too_large = b"\xff\xd8\xff\xe0" + b"\0" * (10 * 1024 * 1024 + 1)
    page.locator("#id_photo_2").set_input_files(
        files=[{"name": "riesig.jpg", "mimeType": "image/jpeg", "buffer": too_large}]
    )
    expect(page.get_by_role("alert")).to_contain_text("„riesig.jpg“ ist zu groß")
    assert page.locator("#id_photo_2").evaluate("input => input.files.length") == 0


def assert_accessible_as_served(browser, live_server, html: str) -> None:
    """axe needs JavaScript: check a page taken from a browser without it in one with it."""
    context = browser.new_context(base_url=live_server.url, locale="de-DE", bypass_csp=True)
    try:
        page = context.new_page()
        page.route(
            f"{live_server.url}/axe-seite/",
            lambda route: route.fulfill(status=200, content_type="text/html", body=html),
        )
        no_tiles(page)
        page.goto("/axe-seite/")
        assert_accessible(page)
    finally:
        context.close()


def test_without_javascript_nearby_reports_come_as_a_step_of_their_own(
    browser, live_server, streets
):
    existing = make_report(category=streets, latitude=IN_LOHMAR[0], longitude=IN_LOHMAR[1])
    context = browser.new_context(
        base_url=live_server.url, locale="de-DE", java_script_enabled=False, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(FORM)
        assert page.locator("[data-point-picker] .leaflet-container").count() == 0  # no map
        page.get_by_label("Straßenschäden").check()
        page.get_by_label("Beschreibung", exact=True).fill("Schlagloch vor dem Rathaus.")
        page.get_by_label("Breitengrad").fill(f"{IN_LOHMAR[0] + 0.0001:.6f}")
        page.get_by_label("Längengrad").fill(f"{IN_LOHMAR[1]:.6f}")
        page.get_by_label("E-Mail-Adresse").fill("carla@example.org")
        page.get_by_role("button", name="Meldung absenden").click()

        expect(
            page.get_by_role("heading", name="Diese Meldungen in der Nähe gibt es schon")
        ).to_be_visible()
        expect(
            page.get_by_role("link", name=f"{existing.reference} – Straßenschäden")
        ).to_be_visible()
        assert_accessible_as_served(browser, live_server, page.content())
        assert DefectReport.objects.count() == 1

        page.get_by_role("button", name="Trotzdem neu melden").click()
        expect(page.get_by_role("heading", name="Danke für Ihre Meldung")).to_be_visible()
        report = DefectReport.objects.get(reporter_email="carla@example.org")
        assert report.description == "Schlagloch vor dem Rathaus."

        # "Ich auch" without an account: its own page with the address field.
        page.goto(f"/maengel/{existing.reference}/ich-auch/")
        page.get_by_role("button", name="Ich auch").click()
        expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie Ihre E-Mail-Adresse an")
        assert_accessible_as_served(browser, live_server, page.content())
        page.get_by_label("E-Mail-Adresse").fill("carla@example.org")
        page.get_by_role("button", name="Ich auch").click()
        expect(page.get_by_text("Fast geschafft")).to_be_visible()
        assert page.url.endswith(f"/maengel/{existing.reference}/")
    finally:
        context.close()


def test_a_signed_in_citizen_reports_and_finds_the_report_in_the_account(page, streets):
    UserFactory(email="dora@example.org")
    supported = make_report(category=streets, address="Am Markt", latitude=None, longitude=None)
    log_in(page, "dora@example.org")

    # Without the map: address and district are enough.
    open_form(page)
    page.get_by_label("Straßenschäden").check()
    page.get_by_label("Beschreibung", exact=True).fill("Gehwegplatte hebt sich, Stolpergefahr.")
    page.get_by_label("Adresse oder Ortsbeschreibung").fill("Hauptstraße 12")
    expect(page.get_by_label("E-Mail-Adresse")).to_have_count(0)  # the account's is used
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.get_by_text("Ihre Meldung ist veröffentlicht")).to_be_visible()
    report = DefectReport.objects.get(reporter__email="dora@example.org")
    assert report.status == Status.CONFIRMED

    # "Ich auch" on another report's page counts at once.
    page.goto(supported.get_absolute_url())
    page.get_by_role("button", name="Ich auch").click()
    expect(page.get_by_text("Ihr „Ich auch“ wird gezählt")).to_be_visible()
    assert_accessible(page)

    page.goto("/konto/")
    section = page.locator("section", has=page.get_by_role("heading", name="Meine Mängelmeldungen"))
    expect(section.get_by_role("link", name=report.reference)).to_be_visible()
    expect(section.get_by_role("link", name=supported.reference)).to_be_visible()
    assert_accessible(page)
