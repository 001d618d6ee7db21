"""The maps in a real browser: the proposal map and the form's point picker (tiles never load)."""

import pytest
from django.template import Context, Template

from tests.browser.axe import assert_accessible
from tests.factories import PillarFactory
from tests.participation.factories import ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOWN_CENTRE = (50.8394, 7.2164)
WAHLSCHEID = (50.8603, 7.2762)
BIRK = (50.8195, 7.1960)
COLOGNE = (50.9375, 6.9603)  # outside the city


def no_tiles(page) -> None:
    """There is no internet here; the maps must work without their background tiles."""
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())


def open_proposal_map(page) -> None:
    no_tiles(page)
    page.goto("/vorschlaege/karte/")
    page.wait_for_selector("#proposal-map[data-markers]")


def test_the_map_shows_a_marker_for_each_located_proposal_and_is_accessible(page):
    pillar = PillarFactory(title="Digital nah dran!")
    for title, point in [
        ("Freies WLAN am Rathaus", TOWN_CENTRE),
        ("Mobiles Bürgerbüro in Wahlscheid", WAHLSCHEID),
        ("Digitale Infotafel in Birk", BIRK),
    ]:
        ProposalFactory(title=title, pillar=pillar, latitude=point[0], longitude=point[1])
    ProposalFactory(title="Vorschlag ohne Ort")
    open_proposal_map(page)

    markers = page.locator("#proposal-map .leaflet-marker-icon")
    assert markers.count() == 3
    assert sorted(markers.evaluate_all("icons => icons.map(icon => icon.alt)")) == [
        "Digitale Infotafel in Birk",
        "Freies WLAN am Rathaus",
        "Mobiles Bürgerbüro in Wahlscheid",
    ]
    assert page.locator("#proposal-map .leaflet-overlay-pane path").count() == 1  # the outline
    # The list twin holds the same three.
    assert page.locator(".portal-map-list > li").count() == 3
    assert_accessible(page)

    page.locator('#proposal-map .leaflet-marker-icon[alt="Freies WLAN am Rathaus"]').click()
    popup = page.locator("#proposal-map .leaflet-popup")
    # Leaflet fades the popup in; axe must judge its colours once it is fully there.
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    link = popup.get_by_role("link", name="Freies WLAN am Rathaus")
    assert link.get_attribute("href").startswith("/vorschlaege/VS-")
    assert "Schwerpunkt: Digital nah dran!" in popup.inner_text()
    assert "Noch keine Bewertungen" in popup.inner_text()
    assert popup.get_by_role("button", name="Hinweis schließen").count() == 1
    assert_accessible(page)


def test_the_map_works_under_the_portals_content_security_policy(browser, live_server):
    ProposalFactory(latitude=TOWN_CENTRE[0], longitude=TOWN_CENTRE[1])
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    try:
        page = context.new_page()
        refused = []
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        open_proposal_map(page)
        page.locator("#proposal-map .leaflet-marker-icon").click()
        page.locator("#proposal-map .leaflet-popup").wait_for()
        assert refused == []
    finally:
        context.close()


# --- The point picker ---------------------------------------------------------------------------

# The markup the proposal form gives the picker (see templates/ideas/proposal_form.html).
PICKER_PAGE = """{% load static maps %}<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>Ort wählen</title>{% map_config %}</head>
<body class="kern-body"><main>
<h1 class="kern-heading-large">Ort wählen</h1>
<form method="post" action="/">
<fieldset class="kern-fieldset">
<legend class="kern-label">Ort auf der Karte (freiwillig)</legend>
<div data-point-picker data-lat-input="id_latitude" data-lon-input="id_longitude"></div>
<label class="kern-label" for="id_latitude">Breitengrad</label>
<input class="kern-form-input__input" type="number" step="any" name="latitude" id="id_latitude">
<label class="kern-label" for="id_longitude">Längengrad</label>
<input class="kern-form-input__input" type="number" step="any" name="longitude" id="id_longitude">
</fieldset>
</form>
</main>
<script src="{% static 'js/point-picker.js' %}" defer></script>
</body></html>"""


@pytest.fixture
def picker(page, live_server):
    """A page with the form's point-picker markup, served from the live server's origin."""
    html = Template(PICKER_PAGE).render(Context())
    page.route(
        f"{live_server.url}/punktwahl/",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    no_tiles(page)
    page.goto("/punktwahl/")
    page.wait_for_selector("[data-point-picker] .leaflet-container")
    return page


def value(page, input_id: str) -> str:
    return page.locator(f"#{input_id}").input_value()


def test_a_click_in_the_city_sets_the_point_and_fills_both_inputs(picker):
    picker.locator(".portal-map--picker").click()  # the middle of the map: the city centre
    latitude, longitude = value(picker, "id_latitude"), value(picker, "id_longitude")
    assert len(latitude.split(".")[1]) == 6 and len(longitude.split(".")[1]) == 6
    assert abs(float(latitude) - 50.84) < 0.02 and abs(float(longitude) - 7.22) < 0.03
    assert picker.locator(".portal-map--picker .leaflet-marker-icon").count() == 1
    assert "Der Ort wurde gesetzt" in picker.locator("[aria-live=polite]").inner_text()
    assert_accessible(picker)


def test_a_click_outside_the_city_is_refused_with_a_message(picker):
    map_box = picker.locator(".portal-map--picker").bounding_box()
    picker.locator(".portal-map--picker").click(position={"x": 5, "y": map_box["height"] - 5})
    assert value(picker, "id_latitude") == ""
    assert value(picker, "id_longitude") == ""
    assert picker.locator(".portal-map--picker .leaflet-marker-icon").count() == 0
    assert "nicht im Stadtgebiet" in picker.locator("[aria-live=polite]").inner_text()


def test_typed_coordinates_move_the_marker_and_remove_clears_both(picker):
    picker.locator(".portal-map--picker").click()
    marker = picker.locator(".portal-map--picker .leaflet-marker-icon")
    before = marker.bounding_box()
    picker.locator("#id_latitude").fill(str(WAHLSCHEID[0]))
    picker.locator("#id_longitude").fill(str(WAHLSCHEID[1]))
    picker.locator("#id_longitude").dispatch_event("change")
    picker.wait_for_timeout(400)  # the map pans to the marker
    assert marker.count() == 1
    assert marker.bounding_box() != before

    picker.get_by_role("button", name="Punkt entfernen").click()
    assert value(picker, "id_latitude") == ""
    assert value(picker, "id_longitude") == ""
    assert marker.count() == 0
    assert picker.locator("[aria-live=polite]").inner_text() == "Der Ort wurde entfernt."


@pytest.mark.parametrize(
    ("position", "expected"),
    [(WAHLSCHEID, ("50.860300", "7.276200")), (COLOGNE, ("", ""))],
    ids=["in the city", "outside"],
)
def test_my_location_fills_the_inputs_only_inside_the_city(picker, position, expected):
    picker.context.grant_permissions(["geolocation"])
    picker.context.set_geolocation({"latitude": position[0], "longitude": position[1]})
    picker.get_by_role("button", name="Meinen Standort verwenden").click()
    status = picker.locator("[aria-live=polite]")
    status.filter(has_text="Der Ort").wait_for()
    assert (value(picker, "id_latitude"), value(picker, "id_longitude")) == expected
