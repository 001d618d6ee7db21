"""Process pages and the roadmap with Lohmar's demo data in a real browser: no axe findings."""

import pytest
from django.core.management import call_command

from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(settings):
    debug = settings.DEBUG
    settings.DEBUG = False  # the demo without its staff account (and without a credentials file)
    call_command("load_demo")
    settings.DEBUG = debug


@pytest.mark.parametrize(
    "url",
    [
        "/beteiligung/",
        "/beteiligung/digitalisierungsstrategie-2019/",
        "/beteiligung/digitales-lohmar-2026-27/",
        "/roadmap/",
        "/roadmap/digitale-ausstattung-schulen/",
    ],
)
def test_process_and_roadmap_pages_have_no_axe_violations(page, demo_data, url):
    page.goto(url)
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_roadmap_progress_bars_are_labelled_and_lead_to_the_project(page, demo_data):
    page.goto("/roadmap/")
    bar = page.get_by_role("progressbar", name="Fortschritt von „Digitale Ausstattung der Schulen“")
    assert bar.get_attribute("value") == "85"
    page.get_by_role("link", name="Digitale Ausstattung der Schulen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Digitale Ausstattung der Schulen"
    proposal = "VS-2019-0003: Schnelles Internet und Tablets für alle Schulen"
    assert page.get_by_role("link", name=proposal).count() == 1
    assert page.get_by_text("2. September 2024").is_visible()


def test_the_2019_process_shows_its_running_phase(page, demo_data):
    page.goto("/beteiligung/digitalisierungsstrategie-2019/")
    current = page.locator('[aria-current="step"]')
    assert current.count() == 1
    assert "13. Oktober 2019" in page.locator(".portal-timeline").inner_text()
