"""The Mängelmelder's public side: the map page with its list twin, the GeoJSON behind the map,
a report's page, its photos, and the home page section. Nothing about reporters anywhere."""

import io
from datetime import datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from defects import home
from defects.models import DefectReport, Photo, StatusUpdate, Support
from defects.views import public
from lohmar_portal import sections
from lohmar_portal.cache import bump_content_version
from lohmar_portal.geo import is_in_city
from tests.defects.conftest import (
    IN_LOHMAR,
    make_all_departments_staff,
    make_category,
    make_department_staff,
    make_report,
)
from tests.factories import DepartmentFactory, DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = DefectReport.Status
LIST_URL = "/maengel/"
GEOJSON_URL = "/maengel/karte.geojson"
WAHLSCHEID = (50.8603, 7.2762)  # north-east of the centre, still in the city


def located(point=IN_LOHMAR, **fields) -> DefectReport:
    assert is_in_city(*point)
    return make_report(latitude=point[0], longitude=point[1], **fields)


def geojson(client, query: str = "") -> dict:
    response = client.get(f"{GEOJSON_URL}?{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


def references(collection: dict) -> list[str]:
    return [feature["properties"]["reference"] for feature in collection["features"]]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def jpeg(size=(8, 8), colour="blue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def make_photo(report, *, released=True, state=Photo.State.READY, alt_text="") -> Photo:
    """A photo as process_photo and release_photo leave it (files re-encoded, no original)."""
    photo = Photo(report=report, state=state, is_released=released, alt_text=alt_text)
    if state == Photo.State.READY:
        photo.image.save("foto.jpg", ContentFile(jpeg((40, 30))), save=False)
        photo.thumbnail.save("vorschau.jpg", ContentFile(jpeg((8, 6))), save=False)
    photo.save()
    return photo


def test_urls_have_their_names():
    assert reverse("defects:report_list") == LIST_URL
    assert reverse("defects:report_geojson") == GEOJSON_URL
    assert reverse("defects:statistics") == "/maengel/statistik/"
    assert reverse("defects:photo", kwargs={"pk": 7}) == "/maengel/fotos/7/"
    assert reverse("defects:thumbnail", kwargs={"pk": 7}) == "/maengel/fotos/7/vorschau/"
    assert reverse("defects:report_detail", kwargs={"reference": "MM-2026-00001"}) == (
        "/maengel/MM-2026-00001/"
    )


# --- The map page and its list twin -------------------------------------------------------------


def test_the_list_shows_each_public_report_with_its_facts(client):
    category = make_category(name="Straßenbeleuchtung", slug="beleuchtung")
    report = located(
        category=category,
        status=Status.IN_PROGRESS,
        description="Die Laterne vor dem Haus Nummer 12 flackert seit Tagen.",
        address="Hauptstraße 12",
        district=DistrictFactory(name="Birk", slug="birk"),
        supporter_count=4,
    )
    html = page(client, LIST_URL)
    assert f'href="{report.get_absolute_url()}">' in html
    assert f"{report.reference}: Straßenbeleuchtung" in html
    assert "in Bearbeitung" in html
    assert "Die Laterne vor dem Haus Nummer 12 flackert seit Tagen." in html
    assert "Hauptstraße 12" in html and "Birk" in html
    assert timezone.localtime(report.created_at).strftime("%Y-%m-%d") in html
    assert "4 Personen" in html
    assert "1 Meldung" in html


def test_a_long_description_is_shortened_in_the_list(client):
    located(description="Sehr lang. " * 100)
    html = page(client, LIST_URL)
    assert "Sehr lang. " * 20 not in html
    assert "…" in html


def test_a_report_without_point_is_in_the_list_but_not_on_the_map(client):
    with_point = located()
    without_point = make_report(address="Am Friedhof, hinter der Kapelle")
    html = page(client, LIST_URL)
    assert with_point.reference in html
    assert without_point.reference in html
    assert "ohne Kartenpunkt" in html
    assert "2 Meldungen" in html
    assert references(geojson(client)) == [with_point.reference]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.SUBMITTED},
        {"is_hidden": True, "hidden_reason": "Enthält einen Namen"},
    ],
    ids=["unconfirmed", "hidden"],
)
def test_unconfirmed_and_hidden_reports_are_neither_listed_nor_on_the_map(client, fields):
    shown = located(description="Sichtbarer Mangel am Markt.")
    absent = located(description="Nicht öffentlicher Mangel.", **fields)
    html = page(client, LIST_URL)
    assert shown.reference in html
    assert absent.reference not in html
    assert "Nicht öffentlicher Mangel." not in html
    assert references(geojson(client)) == [shown.reference]


def test_the_map_page_has_the_map_its_assets_and_says_the_list_is_the_same(client):
    html = page(client, LIST_URL)
    assert 'id="defect-map"' in html
    assert 'role="region"' in html
    assert 'aria-label="Karte der gemeldeten Mängel"' in html
    assert f'data-geojson-url="{GEOJSON_URL}"' in html
    assert "Die Liste unter der Karte zeigt dieselben Meldungen wie die Karte" in html
    assert 'id="portal-map-config"' in html
    assert 'id="defect-map-messages"' in html
    assert 'src="/static/leaflet/leaflet.js"' in html
    assert 'src="/static/leaflet-markercluster/leaflet.markercluster.js"' in html
    assert 'href="/static/leaflet-markercluster/MarkerCluster.css"' in html
    assert 'href="/static/leaflet-markercluster/MarkerCluster.Default.css"' in html
    assert 'src="/static/js/defect-map.js"' in html
    assert 'href="/maengel/statistik/"' in html
    assert "style=" not in html
    assert "<script>" not in html


def test_the_map_page_links_to_the_report_form(client):
    html = page(client, LIST_URL)
    assert f'href="{reverse("defects:report_create")}"' in html
    assert "Mangel melden" in html


def test_the_filter_is_a_get_form_with_category_status_and_time(client):
    make_category(name="Spielplätze", slug="spielplaetze")
    html = page(client, LIST_URL)
    assert 'method="get"' in html
    assert '<option value="spielplaetze">Spielplätze</option>' in html
    assert '<optgroup label="Zusammengefasst">' in html
    assert '<option value="open">' in html and '<option value="done">' in html
    assert '<option value="resolved">erledigt</option>' in html
    assert '<option value="submitted">' not in html  # never public
    assert '<option value="30">letzte 30 Tage</option>' in html
    assert 'type="date" name="since"' in html


@pytest.mark.parametrize(
    ("query", "wanted_fields", "other_fields"),
    [
        ("category=strasse", {"category": "strasse"}, {}),
        ("status=open", {"status": Status.ACKNOWLEDGED}, {"status": Status.RESOLVED}),
        ("status=done", {"status": Status.NOT_RESPONSIBLE}, {"status": Status.IN_PROGRESS}),
        ("status=resolved", {"status": Status.RESOLVED}, {"status": Status.CLOSED}),
        ("status=in_progress", {"status": Status.IN_PROGRESS}, {"status": Status.CONFIRMED}),
        ("period=7", {"age": 2}, {"age": 10}),
        ("period=30", {"age": 20}, {"age": 40}),
        ("period=365", {"age": 200}, {"age": 400}),
        ("since=2026-03-01", {"created": (2026, 3, 1)}, {"created": (2026, 2, 28)}),
        ("since=01.03.2026", {"created": (2026, 3, 2)}, {"created": (2026, 2, 28)}),
    ],
)
def test_each_filter_narrows_the_list_and_the_map_alike(client, query, wanted_fields, other_fields):
    categories = {"strasse": make_category(slug="strasse"), "gruen": make_category(slug="gruen")}

    def fields(spec):
        result = {"category": categories[spec.get("category", "gruen")]}
        if "status" in spec:
            result["status"] = spec["status"]
        if "age" in spec:
            result["created_at"] = timezone.now() - timedelta(days=spec["age"])
        if "created" in spec:
            result["created_at"] = timezone.make_aware(datetime(*spec["created"], 0, 30))
        return result

    wanted = located(description="Der gesuchte Mangel.", **fields(wanted_fields))
    other = located(point=WAHLSCHEID, description="Ein anderer Mangel.", **fields(other_fields))
    html = page(client, f"{LIST_URL}?{query}")
    assert wanted.reference in html
    assert other.reference not in html
    assert "1 Meldung" in html
    # The map on the page asks the GeoJSON for exactly the reports the list shows.
    expected_query = "since=2026-03-01" if query.startswith("since") else query
    assert f'data-geojson-url="{GEOJSON_URL}?{expected_query}"' in html
    assert references(geojson(client, query)) == [wanted.reference]


def test_period_and_since_together_keep_the_later_start(client):
    recent = located(created_at=timezone.now() - timedelta(days=3))
    older = located(created_at=timezone.now() - timedelta(days=20))
    long_ago = (timezone.localdate() - timedelta(days=100)).isoformat()
    html = page(client, f"{LIST_URL}?period=7&since={long_ago}")
    assert recent.reference in html
    assert older.reference not in html


@pytest.mark.parametrize(
    "query",
    ["category=gibt-es-nicht", "status=submitted", "period=3", "since=gestern", "since=0001-01-01"],
)
def test_an_invalid_filter_on_the_page_is_explained_and_ignored(client, query):
    report = located()
    html = page(client, f"{LIST_URL}?{query}")
    assert "Bitte prüfen Sie Ihre Eingaben" in html
    assert report.reference in html
    assert f'data-geojson-url="{GEOJSON_URL}"' in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=gibt-es-nicht", "category"),
        ("status=submitted", "status"),
        ("period=3", "period"),
        ("since=gestern", "since"),
        ("since=0001-01-01", "since"),
        ("since=1899-12-31", "since"),
    ],
)
def test_an_invalid_filter_in_the_geojson_is_refused_in_german(client, query, field):
    response = client.get(f"{GEOJSON_URL}?{query}")
    assert response.status_code == 400
    assert response.json() == {"error": f"Ungültiger Filter: {field}."}


def test_the_list_is_paginated_by_20_and_pages_keep_the_filter(client):
    category = make_category(slug="strasse")
    reports = [
        located(category=category, created_at=timezone.now() - timedelta(minutes=n))
        for n in range(21)
    ]
    first = page(client, f"{LIST_URL}?category=strasse")
    assert "21 Meldungen" in first
    assert first.count("defect-report-item") == 20
    assert reports[-1].reference not in first  # the oldest is on page 2
    assert 'href="?category=strasse&amp;page=2"' in first
    second = page(client, f"{LIST_URL}?category=strasse&page=2")
    assert second.count("defect-report-item") == 1
    assert reports[-1].reference in second


# --- GeoJSON ------------------------------------------------------------------------------------


def test_geojson_is_a_feature_collection_with_only_public_minimal_properties(client):
    report = located(
        point=WAHLSCHEID,
        category=make_category(name="Straßenschäden"),
        status=Status.IN_PROGRESS,
        description="Ein tiefes Schlagloch, das niemand in der Karte sehen soll.",
        address="Wahlscheider Straße 3",
    )
    make_report(address="Ohne Punkt")
    assert geojson(client) == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [WAHLSCHEID[1], WAHLSCHEID[0]]},
                "properties": {
                    "reference": report.reference,
                    "category": "Straßenschäden",
                    "status": "in Bearbeitung",
                    "date": timezone.localtime(report.created_at).date().isoformat(),
                    "url": f"/maengel/{report.reference}/",
                },
            }
        ],
    }


def test_bbox_keeps_only_reports_inside_the_box(client):
    centre = located(created_at=timezone.now() - timedelta(hours=1))
    wahlscheid = located(point=WAHLSCHEID)
    assert references(geojson(client, "bbox=7.25,50.85,7.30,50.87")) == [wahlscheid.reference]
    assert references(geojson(client, "bbox=7.20,50.83,7.30,50.87")) == [
        wahlscheid.reference,
        centre.reference,
    ]
    assert references(geojson(client, "bbox=7.25,50.85,7.30,50.87&status=resolved")) == []


@pytest.mark.parametrize(
    "bbox",
    ["", "7.1,50.8,7.3", "7.1,50.8,7.3,50.9,1", "west,50.8,7.3,50.9", "nan,50.8,7.3,50.9",
     "inf,50.8,7.3,50.9", "7.3,50.8,7.1,50.9", "7.1,50.9,7.3,50.8", "7.1,-91,7.3,50.9",
     "-181,50.8,7.3,50.9"],
)  # fmt: skip
def test_a_bad_bbox_is_refused_with_a_german_message(client, bbox):
    located()
    response = client.get(f"{GEOJSON_URL}?bbox={bbox}")
    assert response.status_code == 400
    assert "Ungültiger Kartenausschnitt" in response.json()["error"]


def test_geojson_is_cut_at_the_limit_keeping_the_newest_and_says_so(client, settings):
    settings.DEFECTS_GEOJSON_LIMIT = 2
    now = timezone.now()
    oldest = located(created_at=now - timedelta(days=3))
    middle = located(created_at=now - timedelta(days=2))
    newest = located(created_at=now - timedelta(days=1))
    collection = geojson(client)
    assert references(collection) == [newest.reference, middle.reference]
    assert collection["truncated"] is True
    assert collection["limit"] == 2
    oldest.delete()
    bump_content_version()  # what every committed write does (see lohmar_portal/cache.py)
    collection = geojson(client)
    assert "truncated" not in collection
    assert "limit" not in collection


def test_the_default_limit_is_2000(settings):
    del settings.DEFECTS_GEOJSON_LIMIT
    assert public.geojson_limit() == 2000


def test_a_new_report_appears_in_the_geojson_after_the_write(client):
    assert geojson(client)["features"] == []
    report = located()
    bump_content_version()  # what every committed write does (see lohmar_portal/cache.py)
    assert references(geojson(client)) == [report.reference]


def test_geojson_is_served_from_the_cache_for_logged_in_visitors_too(client, citizen):
    located()
    client.force_login(citizen)
    assert len(geojson(client)["features"]) == 1
    with CaptureQueriesContext(connection) as queries:
        assert len(geojson(client)["features"]) == 1
    assert not [q for q in queries if "defects_defectreport" in q["sql"]]


# --- A report's page ----------------------------------------------------------------------------


def test_the_detail_page_shows_the_report_and_its_public_history(client):
    staff = make_department_staff(DepartmentFactory(), display_name="Sachbearbeiterin Amsel")
    report = located(
        category=make_category(name="Wilder Müll"),
        status=Status.IN_PROGRESS,
        description="Sperrmüll am Waldrand.\nSeit zwei Wochen.",
        address="Waldweg, Parkplatz",
        district=DistrictFactory(name="Wahlscheid", slug="wahlscheid"),
        supporter_count=2,
    )
    at = timezone.now() - timedelta(days=2)
    StatusUpdate.objects.create(
        report=report, from_status="", to_status=Status.SUBMITTED, created_at=at
    )
    StatusUpdate.objects.create(
        report=report,
        from_status=Status.SUBMITTED,
        to_status=Status.CONFIRMED,
        created_at=at + timedelta(minutes=5),
    )
    StatusUpdate.objects.create(
        report=report,
        from_status=Status.CONFIRMED,
        to_status=Status.IN_PROGRESS,
        note="Der Bauhof holt den Müll am Freitag ab.",
        actor=staff,
        by_staff=True,
        created_at=at + timedelta(days=1),
    )
    html = page(client, report.get_absolute_url())
    assert f"Mängelmeldung {report.reference}" in html
    assert '<h1 class="kern-heading-x-large" id="meldung-titel">Wilder Müll</h1>' in html
    assert "in Bearbeitung" in html
    assert "<p>Sperrmüll am Waldrand.<br>Seit zwei Wochen.</p>" in html
    assert "Waldweg, Parkplatz" in html and "Wahlscheid" in html
    assert "2 weitere Personen haben diesen Mangel bemerkt" in html
    history = html[html.index('id="verlauf-titel"') :]
    assert history.index("gemeldet") < history.index("in Bearbeitung")
    assert "Der Bauhof holt den Müll am Freitag ab." in history
    assert history.count("durch die Stadt") == 1
    assert "unbestätigt" not in html
    assert "Sachbearbeiterin Amsel" not in html


def test_the_detail_page_has_a_small_map_with_the_point(client):
    report = located(point=WAHLSCHEID)
    html = page(client, report.get_absolute_url())
    assert 'id="defect-point-map"' in html
    assert 'data-latitude="50.8603"' in html
    assert 'data-longitude="7.2762"' in html
    assert 'src="/static/js/defect-map.js"' in html
    assert "style=" not in html


def test_a_report_without_point_has_no_map(client):
    report = make_report(address="Rathausplatz, am Brunnen")
    html = page(client, report.get_absolute_url())
    assert 'id="defect-point-map"' not in html
    assert "leaflet.js" not in html
    assert "Rathausplatz, am Brunnen" in html


def test_only_released_and_processed_photos_are_shown(client):
    report = located()
    described = make_photo(report, alt_text="Schlagloch mit Wasser gefüllt")
    undescribed = make_photo(report)
    unreleased = make_photo(report, released=False)
    pending = make_photo(report, state=Photo.State.PENDING, released=False)
    html = page(client, report.get_absolute_url())
    for shown in (described, undescribed):
        assert f'href="/maengel/fotos/{shown.pk}/"' in html
        assert f'src="/maengel/fotos/{shown.pk}/vorschau/"' in html
    assert 'alt="Schlagloch mit Wasser gefüllt"' in html
    assert f'alt="Foto zum Mangel {report.reference}"' in html
    for hidden in (unreleased, pending):
        assert f"/maengel/fotos/{hidden.pk}/" not in html


def test_a_report_without_photos_has_no_photo_section(client):
    report = located()
    make_photo(report, released=False)
    assert "Fotos</h2>" not in page(client, report.get_absolute_url())


def test_a_duplicate_links_to_its_original_and_the_original_to_its_duplicates(client):
    original = located()
    duplicate = located(status=Status.DUPLICATE, duplicate_of=original)
    hidden_duplicate = located(status=Status.DUPLICATE, duplicate_of=original, is_hidden=True)
    html = page(client, duplicate.get_absolute_url())
    assert "Duplikat von" in html
    assert (
        f'<a class="kern-link" href="{original.get_absolute_url()}">{original.reference}</a>'
        in (html)
    )
    html = page(client, original.get_absolute_url())
    assert "Duplikate" in html
    assert f'href="{duplicate.get_absolute_url()}">{duplicate.reference}</a>' in html
    assert hidden_duplicate.reference not in html


def test_a_hidden_report_answers_gone_with_the_public_reason_only(client):
    report = located(
        is_hidden=True,
        hidden_reason="Die Meldung enthielt Namen von Anwohnern.",
        description="Herr Nachbar parkt immer falsch.",
    )
    make_photo(report)
    response = client.get(report.get_absolute_url())
    assert response.status_code == 410
    html = response.content.decode()
    assert "Diese Meldung ist ausgeblendet" in html
    assert "Die Meldung enthielt Namen von Anwohnern." in html
    assert "Herr Nachbar parkt immer falsch." not in html
    assert "/maengel/fotos/" not in html


def test_an_unconfirmed_or_unknown_report_does_not_exist_for_the_public(client):
    unconfirmed = located(status=Status.SUBMITTED)
    assert client.get(unconfirmed.get_absolute_url()).status_code == 404
    hidden_unconfirmed = located(status=Status.SUBMITTED, is_hidden=True, hidden_reason="x")
    assert client.get(hidden_unconfirmed.get_absolute_url()).status_code == 404
    assert client.get("/maengel/MM-1999-99999/").status_code == 404


@pytest.mark.parametrize("kind", ["unconfirmed", "hidden"])
def test_staff_who_work_on_a_report_see_it_with_a_notice(client, kind, category):
    fields = (
        {"status": Status.SUBMITTED}
        if kind == "unconfirmed"
        else {"is_hidden": True, "hidden_reason": "Beleidigung"}
    )
    report = located(category=category, description="Inhalt für die Sachbearbeitung.", **fields)
    client.force_login(make_department_staff(category.department))
    html = page(client, report.get_absolute_url())
    assert "Inhalt für die Sachbearbeitung." in html
    notice = "Noch nicht bestätigt" if kind == "unconfirmed" else "ausgeblendet: Beleidigung"
    assert notice in html


def test_staff_of_another_department_see_what_the_public_sees(client, category):
    hidden = located(category=category, is_hidden=True, hidden_reason="Beleidigung")
    unconfirmed = located(category=category, status=Status.SUBMITTED)
    client.force_login(make_department_staff(DepartmentFactory()))
    assert client.get(hidden.get_absolute_url()).status_code == 410
    assert client.get(unconfirmed.get_absolute_url()).status_code == 404


def test_the_detail_page_works_without_the_support_form(client, monkeypatch):
    monkeypatch.setattr(public, "SUPPORT_FORM", "defects/components/gibt-es-nicht.html")
    report = located()
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    assert response.context["show_support"] is False


def test_the_support_form_is_included_on_a_public_report(client):
    report = located()
    response = client.get(report.get_absolute_url())
    assert response.context["show_support"] is True
    assert response.context["can_support"] is True
    resolved = located(status=Status.RESOLVED)
    assert client.get(resolved.get_absolute_url()).context["can_support"] is False


# --- Photos -------------------------------------------------------------------------------------

ROLES = ["anonymous", "citizen", "department_staff", "other_department_staff", "all_staff"]
# Which roles get the file: released photos of public reports for everybody; everything else
# only for staff who work on the report.
PHOTO_CASES = {
    "released": {"released": True, "report": {}},
    "unreleased": {"released": False, "report": {}},
    "hidden_report": {"released": True, "report": {"is_hidden": True, "hidden_reason": "x"}},
    "unconfirmed_report": {"released": True, "report": {"status": Status.SUBMITTED}},
}


@pytest.mark.parametrize("case", list(PHOTO_CASES))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", ["photo", "thumbnail"])
def test_photo_permission_matrix(client, category, citizen, role, case, view):
    spec = PHOTO_CASES[case]
    report = located(category=category, **spec["report"])
    photo = make_photo(report, released=spec["released"])
    user = {
        "anonymous": None,
        "citizen": citizen,
        "department_staff": make_department_staff(category.department),
        "other_department_staff": make_department_staff(DepartmentFactory()),
        "all_staff": make_all_departments_staff(),
    }[role]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse(f"defects:{view}", kwargs={"pk": photo.pk}))
    public_file = case == "released"
    allowed = public_file or role in ("department_staff", "all_staff")
    if not allowed:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    field = photo.image if view == "photo" else photo.thumbnail
    with field.open("rb") as file:
        assert body == file.read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    if public_file:
        assert response["Cache-Control"].startswith("public")
    else:
        assert response["Cache-Control"] == "private, no-store"


def test_a_photo_still_being_processed_is_not_served_even_to_staff(client, category):
    report = located(category=category)
    photo = make_photo(report, released=False, state=Photo.State.PENDING)
    client.force_login(make_department_staff(category.department))
    assert client.get(reverse("defects:photo", kwargs={"pk": photo.pk})).status_code == 404
    assert client.get(reverse("defects:thumbnail", kwargs={"pk": photo.pk})).status_code == 404
    assert client.get("/maengel/fotos/999999/").status_code == 404


# --- Privacy ------------------------------------------------------------------------------------

SECRETS = [
    "rosalinde.geheim@example.org",
    "Rosalinde Unsichtbar",
    "Zaunkoenig-Pseudonym",
    "anonym.geheim@example.org",
    "Kunibert Verborgen",
    "+49 2246 987654",
    "Walburga Hinterzimmer",
    "unterstuetzer.geheim@example.org",
    "Ottilie Amtsstube",
    "Sachbearbeiter-Pseudonym",
    "Interne Notiz: Anwohner ist schwierig",
]


def test_no_personal_data_of_reporters_on_any_public_page_or_in_the_geojson(client):
    from defects.models import InternalNote

    account = UserFactory(
        email="rosalinde.geheim@example.org",
        real_name="Rosalinde Unsichtbar",
        display_name="Zaunkoenig-Pseudonym",
    )
    staff = make_all_departments_staff(
        real_name="Ottilie Amtsstube", display_name="Sachbearbeiter-Pseudonym"
    )
    by_account = located(reporter=account, reporter_email="", status=Status.RESOLVED)
    anonymous = make_report(
        address="Am Markt 2",
        reporter_email="anonym.geheim@example.org",
        reporter_name="Kunibert Verborgen",
        reporter_phone="+49 2246 987654",
        on_behalf_of="Walburga Hinterzimmer",
        channel="phone",
        entered_by=staff,
    )
    for report in (by_account, anonymous):
        StatusUpdate.objects.create(
            report=report,
            from_status=Status.CONFIRMED,
            to_status=Status.IN_PROGRESS,
            note="Wird erledigt.",
            actor=staff,
            by_staff=True,
        )
        Support.objects.create(
            report=report,
            email="unterstuetzer.geheim@example.org",
            confirmed_at=timezone.now(),
        )
        InternalNote.objects.create(
            report=report, author=staff, text="Interne Notiz: Anwohner ist schwierig"
        )
    DefectReport.objects.filter(pk=by_account.pk).update(resolved_at=timezone.now())
    urls = [
        LIST_URL,
        f"{LIST_URL}?status=open",
        GEOJSON_URL,
        by_account.get_absolute_url(),
        anonymous.get_absolute_url(),
        "/maengel/statistik/",
        "/",
    ]
    for url in urls:
        body = page(client, url)
        for secret in SECRETS:
            assert secret not in body, (url, secret)


# --- The home page ------------------------------------------------------------------------------


@pytest.fixture
def home_section():
    """The section as DefectsConfig.ready() registers it (once), removed again afterwards."""
    registered = [s for s in sections.home_sections if s.template_name.startswith("defects/")]
    if registered:
        yield registered[0]
        return
    home.register()
    section = next(s for s in sections.home_sections if s.template_name.startswith("defects/"))
    yield section
    sections.home_sections.remove(section)


def test_register_adds_the_defects_section_to_the_home_page(client, home_section):
    assert home_section.order == 30
    report = located(description="Ampel an der Kreuzung ist ausgefallen.")
    located(status=Status.SUBMITTED, description="Unbestätigte Meldung.")
    html = page(client, "/")
    assert "Mängelmelder" in html
    assert report.reference in html
    assert "Ampel an der Kreuzung ist ausgefallen." in html
    assert "Unbestätigte Meldung." not in html
    assert f'href="{reverse("defects:report_create")}"' in html
    assert f'href="{LIST_URL}"' in html


def test_the_home_section_shows_the_three_newest_reports(home_section):
    now = timezone.now()
    reports = [located(created_at=now - timedelta(hours=n)) for n in range(5)]
    context = home_section.context(None)
    assert [r.reference for r in context["latest"]] == [r.reference for r in reports[:3]]


# --- Queries ------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        LIST_URL,
        f"{LIST_URL}?category=strasse&status=open&period=30",
        GEOJSON_URL,
        f"{GEOJSON_URL}?category=strasse&status=open&bbox=7.0,50.7,7.4,51.0",
    ],
)
def test_list_and_map_queries_do_not_grow_with_the_number_of_reports(client, url):
    category = make_category(slug="strasse")
    district = DistrictFactory()
    located(category=category, district=district)
    make_report(category=category, address="Ohne Punkt", district=district)
    one = _queries(client, url)
    for _ in range(19):
        located(category=category, district=DistrictFactory())
        make_report(category=make_category(), address="Ohne Punkt")
    bump_content_version()  # measure the rendering, not the page cache
    assert _queries(client, url) == one


def test_the_detail_page_queries_do_not_grow_with_history_photos_or_duplicates(client):
    staff = make_all_departments_staff()

    def add(report):
        StatusUpdate.objects.create(
            report=report,
            from_status=Status.CONFIRMED,
            to_status=Status.IN_PROGRESS,
            note="Notiz",
            actor=staff,
            by_staff=True,
        )
        make_photo(report)
        located(status=Status.DUPLICATE, duplicate_of=report)

    report = located()
    add(report)
    one = _queries(client, report.get_absolute_url())
    for _ in range(19):
        add(report)
    bump_content_version()
    html = client.get(report.get_absolute_url()).content.decode()
    assert html.count("/vorschau/") == 20
    bump_content_version()
    assert _queries(client, report.get_absolute_url()) == one


def test_the_home_page_queries_do_not_grow_with_the_number_of_reports(client, home_section):
    located()
    one = _queries(client, "/")
    for _ in range(19):
        located(district=DistrictFactory())
    bump_content_version()
    assert _queries(client, "/") == one
