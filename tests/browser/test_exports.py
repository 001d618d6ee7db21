"""An administrator starts a workshop dossier in the admin, watches it finish, downloads it."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client

from ideas.exports import services
from tests.browser.axe import assert_accessible
from tests.exports.factories import exporter, workshop_data
from tests.exports.helpers import csv_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def log_in(page, live_server, user):
    """Staff with two factors set up, logged in (the MFA login itself has its own tests)."""
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_an_administrator_exports_the_workshop_dossier(page, live_server, private_media, tmp_path):
    process, (best, *_rest) = workshop_data()
    log_in(page, live_server, exporter())
    page.goto("/admin/ideas/dossierexport/add/")
    page.get_by_label("Art").select_option("workshop")
    page.get_by_label("PDF").check()
    page.get_by_label("CSV").check()
    page.get_by_label("Beteiligungsverfahren").select_option(label=process.title)
    page.get_by_role("button", name="Speichern").click()

    # The export page: the job's state and progress (live with JavaScript), then the files.
    panel = page.locator(".export-status")
    panel.get_by_text("fertig").wait_for()
    assert panel.locator("progress").get_attribute("value") == "100"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV herunterladen").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename.endswith(".csv")
    rows = csv_rows(path)
    assert rows[1][0] == best.reference
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF herunterladen").click()
    assert download_info.value.suggested_filename.endswith(".pdf")


def test_the_open_data_page_has_no_axe_violations(page, private_media):
    workshop_data()
    export = services.refresh_open_data()
    services.build(export.pk)
    page.goto("/offene-daten/")
    assert page.get_by_role("heading", level=1).inner_text() == "Offene Daten: Projektvorschläge"
    assert page.get_by_role("link", name="Projektvorschläge als JSON").count() == 1
    assert_accessible(page)
