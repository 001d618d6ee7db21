"""The proposal map: the page with its list twin, the GeoJSON behind it, and {% map_config %}."""

import json

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ideas.models import Proposal
from ideas.views import maps
from lohmar_portal.cache import bump_content_version
from lohmar_portal.geo import is_in_city
from lohmar_portal.templatetags.maps import city_boundary
from tests.factories import DistrictFactory, PillarFactory, UserFactory
from tests.participation.factories import ProposalFactory

pytestmark = pytest.mark.django_db

MAP_URL = "/vorschlaege/karte/"
GEOJSON_URL = "/vorschlaege/karte.geojson"
TOWN_CENTRE = (50.8394, 7.2164)
WAHLSCHEID = (50.8603, 7.2762)  # north-east of the centre, still in the city


def located(point=TOWN_CENTRE, **kwargs) -> Proposal:
    assert is_in_city(*point)
    return ProposalFactory(latitude=point[0], longitude=point[1], **kwargs)


def geojson(client, query: str = "") -> dict:
    response = client.get(f"{GEOJSON_URL}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


def references(collection: dict) -> list[str]:
    return [feature["properties"]["reference"] for feature in collection["features"]]


def test_urls_have_their_names():
    assert reverse("ideas:proposal_map") == MAP_URL
    assert reverse("ideas:proposal_geojson") == GEOJSON_URL


# --- The page -----------------------------------------------------------------------------------


def test_map_page_lists_each_located_proposal_with_pillar_status_and_district(client):
    proposal = located(
        title="Sitzbänke mit Ladestation",
        pillar=PillarFactory(title="Digital nah dran!"),
        district=DistrictFactory(name="Birk", slug="birk"),
        status=Proposal.Status.IN_REVIEW,
    )
    without_point = ProposalFactory(title="Digitale Bürgersprechstunde")
    html = client.get(MAP_URL).content.decode()
    assert f'href="{proposal.get_absolute_url()}">Sitzbänke mit Ladestation</a>' in html
    assert "Digital nah dran!" in html
    assert "in Prüfung" in html
    assert "Birk" in html
    assert without_point.title not in html
    assert "1 Vorschlag mit Ort" in html


def test_map_page_has_the_map_region_config_and_says_the_list_is_the_same(client):
    html = client.get(MAP_URL).content.decode()
    assert 'role="region"' in html
    assert 'aria-label="Karte der Vorschläge mit Ort"' in html
    assert f'data-geojson-url="{GEOJSON_URL}"' in html
    assert "Die Liste unter der Karte zeigt dieselben Vorschläge wie die Karte" in html
    assert 'id="portal-map-config"' in html
    assert 'src="/static/leaflet/leaflet.js"' in html
    assert 'src="/static/js/proposal-map.js"' in html
    assert "style=" not in html


@pytest.mark.parametrize(
    "kind",
    [
        {"is_hidden": True, "hidden_reason": "Beleidigend"},
        {"status": Proposal.Status.WITHDRAWN},
        {"status": Proposal.Status.MERGED},
    ],
    ids=["hidden", "withdrawn", "merged"],
)
def test_hidden_withdrawn_and_merged_proposals_are_neither_listed_nor_on_the_map(client, kind):
    shown = located(title="Sichtbarer Vorschlag")
    absent = located(title="Nicht öffentlicher Vorschlag", **kind)
    html = client.get(MAP_URL).content.decode()
    assert shown.title in html
    assert absent.title not in html
    assert references(geojson(client)) == [shown.reference]


@pytest.mark.parametrize("name", ["pillar", "status", "district"])
def test_a_filter_narrows_the_list_and_the_map_alike(client, name):
    wanted = located(
        title="Gesuchter Vorschlag",
        pillar=PillarFactory(slug="digital-nah-dran"),
        status=Proposal.Status.SHORTLISTED,
        district=DistrictFactory(name="Birk", slug="birk"),
    )
    other = located(
        title="Anderer Vorschlag",
        pillar=PillarFactory(slug="digital-gut-unterwegs"),
        status=Proposal.Status.SUBMITTED,
        district=DistrictFactory(name="Donrath", slug="donrath"),
    )
    value = {"pillar": "digital-nah-dran", "status": "shortlisted", "district": "birk"}[name]
    html = client.get(f"{MAP_URL}?{name}={value}").content.decode()
    assert wanted.title in html
    assert other.title not in html
    # The map on the page asks the GeoJSON for exactly the proposals the list shows.
    assert f'data-geojson-url="{GEOJSON_URL}?{name}={value}"' in html
    assert references(geojson(client, f"{name}={value}")) == [wanted.reference]


def test_an_unknown_filter_value_on_the_page_is_explained_and_ignored(client):
    proposal = located(title="Freies WLAN in Lohmar")
    html = client.get(f"{MAP_URL}?pillar=gibt-es-nicht").content.decode()
    assert "Bitte prüfen Sie Ihre Eingaben" in html
    assert proposal.title in html
    assert f'data-geojson-url="{GEOJSON_URL}"' in html


def test_the_list_is_paginated_by_20_and_pages_keep_the_filter(client):
    pillar = PillarFactory(slug="digital-nah-dran")
    proposals = [located(pillar=pillar, title=f"Vorschlag Nummer {n:02d}") for n in range(21)]
    first = client.get(f"{MAP_URL}?pillar=digital-nah-dran").content.decode()
    assert "21 Vorschläge mit Ort" in first
    assert first.count('<li class="kern-body">') == 20
    assert proposals[0].title not in first  # the oldest is on page 2
    assert 'href="?pillar=digital-nah-dran&amp;page=2"' in first
    second = client.get(f"{MAP_URL}?pillar=digital-nah-dran&page=2").content.decode()
    assert second.count('<li class="kern-body">') == 1
    assert proposals[0].title in second


# --- GeoJSON ------------------------------------------------------------------------------------


def test_geojson_is_a_feature_collection_with_point_and_public_properties(client):
    proposal = located(
        point=WAHLSCHEID,
        title="Mobiles Bürgerbüro in Wahlscheid",
        pillar=PillarFactory(title="Digital nah dran!"),
        status=Proposal.Status.RECOMMENDED,
        rating_count=3,
        rating_sum=13,
    )
    ProposalFactory(title="Ohne Ort")
    collection = geojson(client)
    assert collection == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [WAHLSCHEID[1], WAHLSCHEID[0]]},
                "properties": {
                    "reference": proposal.reference,
                    "title": "Mobiles Bürgerbüro in Wahlscheid",
                    "url": f"/vorschlaege/{proposal.reference}/",
                    "pillar": "Digital nah dran!",
                    "status": "recommended",
                    "status_label": "dem Rat empfohlen",
                    "rating_mean": 4.3,
                    "rating_count": 3,
                },
            }
        ],
    }


def test_geojson_rating_mean_is_null_without_ratings(client):
    located()
    properties = geojson(client)["features"][0]["properties"]
    assert properties["rating_mean"] is None
    assert properties["rating_count"] == 0


def test_geojson_holds_no_personal_data(client):
    author = UserFactory(
        email="erika.mustermann@example.org", real_name="Erika Mustermann", display_name="Erika"
    )
    located(author=author)
    located(author=None, channel="paper", on_behalf_of="Max Mustermann, Hauptstraße 1")
    body = client.get(GEOJSON_URL).content.decode()
    for private in ["erika.mustermann@example.org", "Erika", "Max Mustermann", "Hauptstraße"]:
        assert private not in body


def test_bbox_keeps_only_proposals_inside_the_box(client):
    centre = located(point=TOWN_CENTRE)
    wahlscheid = located(point=WAHLSCHEID)
    around_wahlscheid = "7.25,50.85,7.30,50.87"
    assert references(geojson(client, f"bbox={around_wahlscheid}")) == [wahlscheid.reference]
    around_both = "7.20,50.83,7.30,50.87"
    assert references(geojson(client, f"bbox={around_both}")) == [
        wahlscheid.reference,
        centre.reference,
    ]


@pytest.mark.parametrize(
    "bbox",
    ["", "7.1,50.8,7.3", "7.1,50.8,7.3,50.9,1", "west,50.8,7.3,50.9", "nan,50.8,7.3,50.9",
     "7.3,50.8,7.1,50.9", "7.1,50.9,7.3,50.8", "7.1,-91,7.3,50.9"],
)  # fmt: skip
def test_a_bad_bbox_is_refused_with_a_german_message(client, bbox):
    located()
    response = client.get(f"{GEOJSON_URL}?bbox={bbox}")
    assert response.status_code == 400
    assert "Ungültiger Kartenausschnitt" in response.json()["error"]


def test_an_unknown_filter_value_in_the_geojson_is_refused(client):
    response = client.get(f"{GEOJSON_URL}?district=gibt-es-nicht")
    assert response.status_code == 400
    assert response.json() == {"error": "Ungültiger Filter: district."}


def test_geojson_is_cut_at_the_limit_keeping_the_newest(client, monkeypatch):
    monkeypatch.setattr(maps, "GEOJSON_LIMIT", 2)
    oldest, middle, newest = located(), located(), located()
    collection = geojson(client)
    assert references(collection) == [newest.reference, middle.reference]
    assert collection["truncated"] is True
    oldest.delete()
    bump_content_version()  # what every committed write does (see lohmar_portal/cache.py)
    assert "truncated" not in geojson(client)


def test_a_new_proposal_appears_in_the_geojson_at_once(client):
    assert geojson(client)["features"] == []
    proposal = located()
    bump_content_version()  # what every committed write does (see lohmar_portal/cache.py)
    assert references(geojson(client)) == [proposal.reference]


@pytest.mark.parametrize(
    "url", [MAP_URL, GEOJSON_URL, f"{MAP_URL}?pillar=p&status=submitted&district=d"]
)
def test_queries_do_not_grow_with_the_number_of_proposals(client, url):
    pillar = PillarFactory(slug="p")
    district = DistrictFactory(slug="d")
    located(pillar=pillar, district=district)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(19):
        located(pillar=pillar, district=district)
    bump_content_version()  # measure the rendering, not the page cache
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url)
    assert response.status_code == 200
    assert len(one) == len(twenty)


# --- {% map_config %} ---------------------------------------------------------------------------


def test_map_config_renders_leaflet_and_the_city_settings_as_json(settings):
    html = Template("{% load maps %}{% map_config %}").render(Context())
    assert '<link rel="stylesheet" href="/static/leaflet/leaflet.css">' in html
    assert '<link rel="stylesheet" href="/static/css/map.css">' in html
    assert '<script defer src="/static/leaflet/leaflet.js"></script>' in html
    start = html.index('<script id="portal-map-config" type="application/json">')
    payload = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    config = json.loads(payload)
    assert config["center"] == list(settings.PORTAL_MAP_CENTER)
    assert config["tiles"] == {
        "url": settings.PORTAL_MAP_TILES_URL,
        "attribution": settings.PORTAL_MAP_TILES_ATTRIBUTION,
    }
    assert config["boundary"] == json.loads(settings.PORTAL_BOUNDARY_FILE.read_text())
    (south, west), (north, east) = config["bounds"]
    assert south < TOWN_CENTRE[0] < north and west < TOWN_CENTRE[1] < east
    assert config["icon"]["url"] == "/static/leaflet/images/marker-icon.png"
    assert config["messages"]["removePoint"] == "Punkt entfernen"


def test_the_boundary_file_is_read_once():
    assert city_boundary() is city_boundary()
