"""The Mängelmelder from end to end in a real browser (issue 5, item 9).

A citizen without an account sets the place by clicking on the map, uploads a phone photo that
carries GPS EXIF and confirms by e-mail; staff of the responsible department log in with a
second factor, release the photo and set "in Bearbeitung" with a public note; the citizen gets
that note by e-mail; the public sees the status, the note and a photo without any EXIF. Also:
the report without the map, by keyboard alone, with focus never caught in the map. Tiles never
load; Celery runs eagerly (settings_test), so photos are processed and e-mails sent on
commit.
"""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from PIL import ExifTags, Image
from playwright.sync_api import expect

from defects import services
from defects.models import DefectReport, Photo
from lohmar_portal.celery import app as celery_app
from tests.browser.axe import assert_accessible
from tests.browser.keyboard import focused, press, tab_to
from tests.browser.test_maps import no_tiles
from tests.browser.totp import log_in, with_totp
from tests.defects.conftest import make_category
from tests.defects.photos import ROTATE_90_CLOCKWISE, jpeg_bytes
from tests.factories import DistrictFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Status = DefectReport.Status
FORM = "/maengel/melden/"
REPORTER = "anna.melderin@example.org"
NOTE = "Der Bauhof ist informiert."
GPS_INFO = 34853  # EXIF tag of the GPS block
ORIENTATION = 274


@pytest.fixture
def streets():
    make_category(name="Straßenbeleuchtung", slug="beleuchtung", service_code="licht")
    return make_category(name="Straßenschäden", slug="strassenschaeden", service_code="strasse")


def department_staff_with_totp(department) -> tuple:
    """A member of the department's staff who may work its reports; returns (user, secret)."""
    user = StaffFactory(
        email="sachbearbeitung@lohmar.de",
        real_name="Sabine Sachbearbeiterin",
        department=department,
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="defects",
            codename__in=["view_defectreport", "change_defectreport"],
        )
    )
    return user, with_totp(user)


def phone_photo() -> bytes:
    """2400×1200 px as the sensor wrote it, held upright (orientation 6), with a GPS position."""
    data = jpeg_bytes(size=(2400, 1200), orientation=ROTATE_90_CLOCKWISE)
    with Image.open(io.BytesIO(data)) as picture:
        exif = picture.getexif()
        assert exif[ORIENTATION] == ROTATE_90_CLOCKWISE
        assert exif.get_ifd(GPS_INFO)[ExifTags.GPS.GPSLatitude] == (50.0, 50.0, 21.84)
    return data


def path_of(url: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S*)", url)
    assert match, url
    return match.group(1)


def assert_no_exif_and_at_most_2048(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "JPEG"
        exif = picture.getexif()
        assert dict(exif) == {}
        assert not exif.get_ifd(GPS_INFO)
        assert "exif" not in picture.info
        assert max(picture.size) <= 2048
        return picture.size


def test_report_confirm_work_and_see_it_public_without_exif(page, browser, live_server, streets):
    assert celery_app.conf.task_always_eager  # settings_test: tasks run on commit, in-process
    no_tiles(page)
    neighbour = UserFactory(email="bernd.nachbar@example.org", real_name="Bernd Nachbar")

    # 1. The citizen files the report: the place by a click on the map, a phone photo.
    page.goto(FORM)
    page.locator("[data-point-picker] .leaflet-container").wait_for()
    assert_accessible(page)
    page.get_by_label("Straßenschäden").check()
    page.locator(".portal-map--picker").click()  # the map opens on the town centre
    expect(page.locator(".portal-map--picker .leaflet-marker-icon")).to_have_count(1)
    latitude = float(page.get_by_label("Breitengrad").input_value())
    longitude = float(page.get_by_label("Längengrad").input_value())
    page.get_by_label("Beschreibung", exact=True).fill(
        "Tiefes Schlagloch in der Fahrbahn vor dem Rathaus."
    )
    page.locator("#id_photo_1").set_input_files(
        files=[{"name": "IMG_0815.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    page.get_by_label("Was zeigt Foto 1?").fill("Ein tiefes Schlagloch mit Wasser darin")
    page.get_by_label("E-Mail-Adresse").fill(REPORTER)
    page.get_by_role("button", name="Meldung absenden").click()

    expect(page.get_by_role("heading", name="Danke für Ihre Meldung")).to_be_visible()
    report = DefectReport.objects.get(reporter_email=REPORTER)
    assert re.fullmatch(r"MM-\d{4}-\d{5}", report.reference)
    expect(
        page.get_by_text(f"Ihre Meldung hat das Aktenzeichen {report.reference}.")
    ).to_be_visible()
    assert (report.status, report.category) == (Status.SUBMITTED, streets)
    assert (report.latitude, report.longitude) == pytest.approx((latitude, longitude), abs=1e-6)
    assert_accessible(page)
    assert page.request.get(report.get_absolute_url()).status == 404  # not public yet
    photo = Photo.objects.get(report=report)
    assert photo.state == Photo.State.READY and not photo.is_released

    # 2. The link in the e-mail shows the report; the reporter's button makes it public.
    [confirmation] = [m for m in mail.outbox if m.to == [REPORTER]]
    assert report.reference in confirmation.subject
    link = re.search(r"https?://\S+/maengel/bestaetigen/\S+/", confirmation.body)
    assert link, confirmation.body
    page.goto(path_of(link.group(0)))
    expect(page.get_by_role("heading", name="Meldung bestätigen")).to_be_visible()
    assert_accessible(page)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED  # opening the link (a mail filter may) is not enough
    page.get_by_role("button", name="Meldung bestätigen").click()
    expect(page.get_by_role("heading", name="Danke, Ihre Meldung ist bestätigt")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Zur Meldung").click()
    expect(page).to_have_url(re.compile(f"{report.get_absolute_url()}$"))
    expect(page.locator(".defect-facts .kern-badge")).to_have_text("gemeldet")
    expect(page.locator(".defect-photos img")).to_have_count(0)  # not released yet

    # Someone else with an account noticed it too: they will hear of it, in their own e-mail.
    services.support_report(report=report, actor=neighbour)

    # 3. Staff of the responsible department release the photo and set "in Bearbeitung".
    staff_context = browser.new_context(base_url=live_server.url, locale="de-DE")
    staff_context.set_default_timeout(10_000)
    try:
        staff = staff_context.new_page()
        no_tiles(staff)
        staff_user, secret = department_staff_with_totp(streets.department)
        log_in(staff, staff_user.email, secret)
        staff.goto("/admin/defects/defectreport/")
        staff.get_by_role("link", name=report.reference).click()
        expect(staff).to_have_url(re.compile(rf"/admin/defects/defectreport/{report.pk}/change/$"))

        staff.get_by_role("link", name="Freigeben").click()
        alt_text = staff.get_by_label("Bildbeschreibung (Alternativtext)")
        expect(alt_text).to_have_value("Ein tiefes Schlagloch mit Wasser darin")
        alt_text.fill("Schlagloch voller Regenwasser auf der Fahrbahn")
        staff.get_by_role("button", name="Freigeben").click()
        expect(staff.locator(".messagelist")).to_contain_text("Das Foto ist freigegeben")

        mail.outbox.clear()
        staff.get_by_role("link", name="Status ändern").click()
        staff.get_by_label("Neuer Status").select_option(label="in Bearbeitung")
        staff.get_by_label("Öffentliche Notiz").fill(NOTE)
        staff.get_by_role("button", name="Status ändern").click()
        expect(staff.locator(".messagelist")).to_contain_text(
            f"Die Meldung {report.reference} hat jetzt den Status „in Bearbeitung“."
        )
    finally:
        staff_context.close()
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS

    # The reporter hears of it with the note, and of nobody else; so does the supporter.
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert set(by_recipient) == {(REPORTER,), (neighbour.email,)}
    news = by_recipient[(REPORTER,)]
    assert (news.cc, news.bcc) == ([], [])
    assert news.subject == f"[Mängelmelder] {report.reference}: in Bearbeitung"
    assert NOTE in news.body
    assert f"{report.get_absolute_url()}" in news.body
    others = [
        neighbour.email,
        neighbour.real_name,
        neighbour.display_name,
        staff_user.email,
        staff_user.real_name,
        staff_user.display_name,
    ]
    for text in (news.subject, news.body):
        for other in others:
            assert other not in text
    assert REPORTER not in by_recipient[(neighbour.email,)].body

    # 4. The public, in a fresh anonymous browser, sees the status, the note and the photo.
    public_context = browser.new_context(base_url=live_server.url, locale="de-DE", bypass_csp=True)
    public_context.set_default_timeout(10_000)
    try:
        public = public_context.new_page()
        no_tiles(public)
        public.goto(report.get_absolute_url())
        expect(public.get_by_role("heading", level=1)).to_have_text("Straßenschäden")
        expect(public.locator(".defect-facts .kern-badge")).to_have_text("in Bearbeitung")
        expect(public.locator(".defect-facts")).to_contain_text(
            "1 weitere Person hat diesen Mangel bemerkt"
        )
        history = public.locator(".defect-history > li")
        expect(history.last).to_contain_text("in Bearbeitung")
        expect(history.last).to_contain_text(NOTE)
        image = public.get_by_role("img", name="Schlagloch voller Regenwasser auf der Fahrbahn")
        expect(image).to_be_visible()
        image.evaluate("img => img.decode()")  # loaded and a real picture
        content = public.content()
        for personal in (REPORTER, *others):
            assert personal not in content
        assert_accessible(public)

        # The picture the page shows, and the full one it links to: no EXIF, at most 2048 px.
        thumbnail = public.request.get(image.get_attribute("src"))
        assert thumbnail.ok and thumbnail.headers["content-type"] == "image/jpeg"
        assert_no_exif_and_at_most_2048(thumbnail.body())
        full = public.request.get(public.locator(".defect-photos a").get_attribute("href"))
        assert full.ok and full.headers["content-type"] == "image/jpeg"
        # Turned upright by the orientation, then scaled to 2048 px on the long side.
        assert assert_no_exif_and_at_most_2048(full.body()) == (1024, 2048)
    finally:
        public_context.close()


# --- Without the map, by keyboard alone ---------------------------------------------------------


def test_without_the_map_by_keyboard_alone(page, streets):
    no_tiles(page)
    wahlscheid = DistrictFactory(name="Wahlscheid", slug="wahlscheid")
    DistrictFactory(name="Birk", slug="birk")
    page.goto(FORM)
    page.locator("[data-point-picker] .leaflet-container").wait_for()  # JavaScript is on
    trail: list = []

    # The first category is focused first; Space chooses it. The arrow keys go to the next.
    tab_to(page, "id_category_0", trail)
    assert press(page, "ArrowDown", trail)["id"] == "id_category_1"
    expect(page.locator("#id_category_1")).to_be_checked()
    chosen = page.locator("#id_category_1 + label").inner_text()
    assert chosen in {"Straßenschäden", "Straßenbeleuchtung"}

    tab_to(page, "id_description", trail)
    page.keyboard.type("Die Laterne an der Bushaltestelle flackert seit Tagen.")

    # Through the map and out again, without setting a point.
    start = len(trail)
    tab_to(page, "id_address", trail)
    passed = trail[start:]
    in_map = [i for i, focused in enumerate(passed) if focused["inMap"]]
    assert in_map, f"the map never had the focus: {passed}"
    assert not passed[-1]["inMap"] and in_map[-1] < len(passed) - 1
    assert page.get_by_label("Breitengrad").input_value() == ""
    page.keyboard.type("Hauptstraße 12, Bushaltestelle")

    # Shift+Tab leads back into the map as well; Tab leads out of it again.
    for _ in range(len(passed) - in_map[-1] - 1):
        press(page, "Shift+Tab", trail)
    assert focused(page)["inMap"]
    tab_to(page, "id_address", trail)

    tab_to(page, "id_district", trail)
    page.keyboard.type("Wahl")
    expect(page.locator("#id_district")).to_have_value(str(wahlscheid.pk))

    tab_to(page, "id_email", trail)
    page.keyboard.type("carla@example.org")
    # On to the button, and Enter.
    tab_to(page, lambda state: state["tag"] == "button" and state["type"] == "submit", trail)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Danke für Ihre Meldung")).to_be_visible()
    report = DefectReport.objects.get(reporter_email="carla@example.org")
    assert report.category.name == chosen
    assert (report.latitude, report.longitude) == (None, None)
    assert report.address == "Hauptstraße 12, Bushaltestelle"
    assert report.district == wahlscheid
    assert report.description == "Die Laterne an der Bushaltestelle flackert seit Tagen."
    assert report.status == Status.SUBMITTED
