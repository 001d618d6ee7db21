"""The Mängelmelder's public pages in a real browser: the clustered map with popups and its list
twin, the filter, a report's page with its small map and photo, and the statistics; axe-clean
(tiles never load)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from defects.models import DefectReport
from tests.browser.axe import assert_accessible
from tests.browser.test_maps import no_tiles
from tests.defects.conftest import make_category, make_report
from tests.defects.test_public_views import make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOWN_CENTRE = (50.8394, 7.2164)
WAHLSCHEID = (50.8603, 7.2762)
BIRK = (50.8195, 7.1960)


@pytest.fixture
def reports():
    """Four reports a few metres apart in the town centre, one each in Wahlscheid and Birk, and
    one without a point (list only)."""
    streets = make_category(name="Straßenschäden", slug="strassenschaeden")
    lights = make_category(name="Straßenbeleuchtung", slug="beleuchtung")
    centre = [
        make_report(
            category=streets,
            latitude=TOWN_CENTRE[0] + n * 0.0002,
            longitude=TOWN_CENTRE[1] + n * 0.0002,
        )
        for n in range(4)
    ]
    wahlscheid = make_report(
        category=lights,
        latitude=WAHLSCHEID[0],
        longitude=WAHLSCHEID[1],
        status=DefectReport.Status.IN_PROGRESS,
    )
    birk = make_report(category=streets, latitude=BIRK[0], longitude=BIRK[1])
    make_report(category=lights, address="Am Friedhof, hinter der Kapelle")
    return {"centre": centre, "wahlscheid": wahlscheid, "birk": birk}


def open_map(page, path: str = "/maengel/") -> None:
    no_tiles(page)
    page.goto(path)
    page.wait_for_selector("#defect-map[data-markers]")


def wait_for_popup(page):
    # Leaflet fades the popup in; axe must judge its colours once it is fully there.
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    return page.locator("#defect-map .leaflet-popup")


def test_the_map_clusters_markers_opens_popups_and_has_its_list_twin(page, reports):
    open_map(page)
    assert page.locator("#defect-map").get_attribute("data-markers") == "6"
    assert page.locator("#defect-map .leaflet-overlay-pane path").count() == 1  # the outline
    cluster = page.locator("#defect-map .marker-cluster")
    assert cluster.count() == 1
    assert cluster.inner_text().strip().startswith("4")
    assert "4 Meldungen an dieser Stelle" in cluster.text_content()
    markers = page.locator("#defect-map img.leaflet-marker-icon")
    wahlscheid = reports["wahlscheid"]
    alt = f"Meldung {wahlscheid.reference}: Straßenbeleuchtung, in Bearbeitung"
    assert sorted(markers.evaluate_all("icons => icons.map(icon => icon.alt)")) == sorted(
        [alt, f"Meldung {reports['birk'].reference}: Straßenschäden, gemeldet"]
    )
    # The list twin holds all seven, the one without a point too.
    assert page.locator(".defect-list > li").count() == 7
    assert "7 Meldungen" in page.locator("#defect-list-heading").inner_text()
    assert page.get_by_text("ohne Kartenpunkt").count() == 1
    assert_accessible(page)

    page.locator(f'#defect-map img.leaflet-marker-icon[alt="{alt}"]').click()
    popup = wait_for_popup(page)
    link = popup.get_by_role("link", name=f"{wahlscheid.reference}: Straßenbeleuchtung")
    assert link.get_attribute("href") == f"/maengel/{wahlscheid.reference}/"
    assert "Status: in Bearbeitung" in popup.inner_text()
    reported = timezone.localtime(wahlscheid.created_at)
    assert f"Gemeldet am: {reported.day}." in popup.inner_text()
    assert popup.get_by_role("button", name="Hinweis schließen").count() == 1
    assert_accessible(page)
    link.click()
    page.wait_for_url(f"**/maengel/{wahlscheid.reference}/")


def test_a_cut_answer_is_said_and_moving_the_map_asks_for_the_visible_part(page, reports, settings):
    settings.DEFECTS_GEOJSON_LIMIT = 2
    open_map(page)
    assert page.locator("#defect-map").get_attribute("data-markers") == "2"
    status = page.locator("#defect-map-status")
    assert "nur die 2 neuesten Meldungen" in status.inner_text()
    assert page.locator(".defect-list > li").count() == 7  # the list has them all
    with page.expect_response(lambda response: "bbox=" in response.url) as answer:
        page.get_by_role("button", name="Karte vergrößern").click()
    part = answer.value.json()
    west, south, east, north = (
        float(value) for value in answer.value.url.split("bbox=")[1].split(",")
    )
    assert west < east and south < north
    page.wait_for_function(
        "count => document.getElementById('defect-map').dataset.markers === String(count)",
        arg=len(part["features"]),
    )
    assert_accessible(page)


def test_a_cluster_opens_into_its_markers(page, reports):
    open_map(page)
    page.locator("#defect-map .marker-cluster").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#defect-map img.leaflet-marker-icon').length >= 4"
    )
    alts = page.locator("#defect-map img.leaflet-marker-icon").evaluate_all(
        "icons => icons.map(icon => icon.alt)"
    )
    for report in reports["centre"]:
        assert f"Meldung {report.reference}: Straßenschäden, gemeldet" in alts


def test_the_filter_narrows_map_and_list_and_works_by_keyboard(page, reports):
    open_map(page)
    page.get_by_label("Kategorie").select_option(label="Straßenbeleuchtung")
    page.get_by_role("button", name="Filter anwenden").press("Enter")
    page.wait_for_url("**/maengel/?category=beleuchtung*")
    page.wait_for_selector("#defect-map[data-markers]")
    assert page.locator("#defect-map").get_attribute("data-markers") == "1"
    assert page.locator("#defect-map .marker-cluster").count() == 0
    assert page.locator(".defect-list > li").count() == 2
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_url("**status=in_progress*")
    page.wait_for_selector("#defect-map[data-markers]")
    assert page.locator("#defect-map").get_attribute("data-markers") == "1"
    assert page.locator(".defect-list > li").count() == 1
    assert_accessible(page)


def test_without_javascript_the_list_and_filter_still_work(browser, live_server, reports):
    context = browser.new_context(
        base_url=live_server.url, locale="de-DE", java_script_enabled=False
    )
    try:
        tab = context.new_page()
        tab.goto("/maengel/?status=in_progress")
        assert tab.locator("#defect-map").is_hidden()
        assert tab.locator(".defect-list > li").count() == 1
        assert reports["wahlscheid"].reference in tab.locator(".defect-list").inner_text()
    finally:
        context.close()


def test_the_map_works_under_the_portals_content_security_policy(browser, live_server, reports):
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    try:
        tab = context.new_page()
        refused = []
        tab.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        open_map(tab)
        tab.locator(f"#defect-map img[alt^='Meldung {reports['birk'].reference}']").click()
        tab.locator("#defect-map .leaflet-popup").wait_for()
        tab.get_by_role("button", name="Hinweis schließen").click()
        tab.locator("#defect-map .leaflet-popup").wait_for(state="detached")
        tab.locator("#defect-map .marker-cluster").click()
        tab.wait_for_function(
            "() => document.querySelectorAll('#defect-map img.leaflet-marker-icon').length >= 4"
        )
        tab.goto(reports["birk"].get_absolute_url())
        tab.wait_for_selector("#defect-point-map[data-ready]")
        assert refused == []
    finally:
        context.close()


def test_the_report_page_shows_its_place_and_photo_and_is_accessible(page, reports):
    report = reports["wahlscheid"]
    make_photo(report, alt_text="Die Laterne ist abgeknickt")
    no_tiles(page)
    page.goto(report.get_absolute_url())
    page.wait_for_selector("#defect-point-map[data-ready]")
    assert page.locator("#defect-point-map img.leaflet-marker-icon").count() == 1
    photo = page.get_by_role("img", name="Die Laterne ist abgeknickt")
    assert photo.evaluate("image => image.complete && image.naturalWidth > 0")
    assert_accessible(page)


def test_the_statistics_page_is_accessible(page, reports):
    resolved = reports["birk"]
    DefectReport.objects.filter(pk=resolved.pk).update(
        status=DefectReport.Status.RESOLVED,
        resolved_at=resolved.confirmed_at + timedelta(days=4),
    )
    page.goto("/maengel/statistik/")
    assert page.locator("svg.portal-chart").count() == 4
    assert page.get_by_role("table").count() == 4
    assert_accessible(page)


def test_a_hidden_report_and_one_without_point_are_accessible(page, reports):
    hidden = reports["centre"][0]
    DefectReport.objects.filter(pk=hidden.pk).update(
        is_hidden=True, hidden_reason="Die Meldung nannte eine Person."
    )
    response = page.goto(hidden.get_absolute_url())
    assert response.status == 410
    assert page.get_by_role("heading", name="Diese Meldung ist ausgeblendet").count() == 1
    assert_accessible(page)
    without_point = DefectReport.objects.filter(latitude__isnull=True).get()
    page.goto(without_point.get_absolute_url())
    assert page.locator("#defect-point-map").count() == 0
    assert_accessible(page)
