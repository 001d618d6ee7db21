"""Configuration in the admin: categories and Open311 clients with keys shown once."""

import re

import pytest

from defects.models import ApiClient, Category, hash_token
from defects.open311 import keys
from tests.factories import DepartmentFactory

from .admin_support import API_CLIENTS, CATEGORIES, admin_staff, client_for
from .conftest import make_category, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client():
    return client_for(admin_staff(superuser=True))


# --- Categories ---------------------------------------------------------------------------------


def test_the_category_list_shows_the_responsible_department(superuser_client):
    category = make_category(name="Straßenbeleuchtung", service_code="licht")
    html = superuser_client.get(CATEGORIES).content.decode()
    assert "Straßenbeleuchtung" in html
    assert "licht" in html
    assert category.department.name in html


def test_a_superuser_adds_a_category_routed_to_a_department(superuser_client):
    department = DepartmentFactory(name="Bauhof")
    response = superuser_client.post(
        f"{CATEGORIES}add/",
        {
            "name": "Wilder Müll",
            "slug": "wilder-muell",
            "service_code": "muell",
            "department": department.pk,
            "group": "Sauberkeit",
            "keywords": "Sperrmüll, Ablagerung",
            "order": 3,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    category = Category.objects.get(service_code="muell")
    assert (category.department, category.keywords) == (department, "Sperrmüll, Ablagerung")


def test_department_staff_without_category_rights_cannot_edit_categories():
    category = make_category()
    client = client_for(admin_staff(department=category.department))
    assert client.get(CATEGORIES).status_code == 403
    assert client.post(f"{CATEGORIES}{category.pk}/change/", {"name": "x"}).status_code == 403


def test_a_category_with_reports_cannot_be_deleted(superuser_client):
    used = make_category()
    make_report(category=used)
    unused = make_category()
    assert superuser_client.get(f"{CATEGORIES}{used.pk}/delete/").status_code == 403
    superuser_client.post(f"{CATEGORIES}{unused.pk}/delete/", {"post": "yes"})
    assert list(Category.objects.all()) == [used]


# --- Open311 clients ----------------------------------------------------------------------------


def shown_keys(html: str) -> list[str]:
    return re.findall(r'id="api-key-\d+"[^>]*value="([^"]+)"', html.replace("\n", " "))


def test_creating_a_client_shows_its_key_once_and_stores_only_the_hash(superuser_client):
    response = superuser_client.post(
        f"{API_CLIENTS}add/",
        {"name": "Stadt-App", "contact_email": "app@example.org", "requests_per_hour": 120},
    )
    html = response.content.decode()
    [raw_key] = shown_keys(html)
    assert html.count(raw_key) == 1
    client = ApiClient.objects.get()
    assert (client.name, client.contact_email, client.requests_per_hour) == (
        "Stadt-App",
        "app@example.org",
        120,
    )
    assert client.key_hash == hash_token(raw_key)
    assert client.key_prefix == raw_key[:8]
    assert raw_key not in {str(value) for value in vars(client).values()}
    assert keys.authenticate(raw_key) == client
    # Never again: neither the list nor the change page shows the key or its hash.
    for url in (API_CLIENTS, f"{API_CLIENTS}{client.pk}/change/"):
        page = superuser_client.get(url).content.decode()
        assert raw_key not in page
        assert client.key_hash not in page
        assert client.key_prefix in page


def test_a_duplicate_client_name_is_refused_in_german(superuser_client):
    keys.create_api_client("Stadt-App", "", 60)
    response = superuser_client.post(
        f"{API_CLIENTS}add/", {"name": "Stadt-App", "requests_per_hour": 60}
    )
    assert response.status_code == 200
    assert "existiert bereits" in response.content.decode()
    assert not shown_keys(response.content.decode())
    assert ApiClient.objects.count() == 1


def test_rotating_a_key_shows_the_new_one_once_and_the_old_one_stops_working(superuser_client):
    client, old_key = keys.create_api_client("Stadt-App", "", 60)
    change_page = superuser_client.get(f"{API_CLIENTS}{client.pk}/change/").content.decode()
    rotate = f"{API_CLIENTS}{client.pk}/neuer-schluessel/"
    assert rotate in change_page
    confirm = superuser_client.get(rotate).content.decode()
    assert not shown_keys(confirm)  # a GET changes nothing
    assert keys.authenticate(old_key) == client
    [new_key] = shown_keys(superuser_client.post(rotate).content.decode())
    assert new_key != old_key
    assert keys.authenticate(old_key) is None
    assert keys.authenticate(new_key) == client


def test_the_rotate_action_asks_first_then_shows_each_new_key(superuser_client):
    first, first_key = keys.create_api_client("App eins", "", 60)
    second, second_key = keys.create_api_client("App zwei", "", 60)
    selected = {"action": "rotate_keys", "_selected_action": [first.pk, second.pk]}
    response = superuser_client.post(API_CLIENTS, selected)
    assert not shown_keys(response.content.decode())
    response = superuser_client.post(API_CLIENTS, {**selected, "apply": "1", "confirm": "on"})
    new_keys = shown_keys(response.content.decode())
    assert len(new_keys) == 2
    assert {keys.authenticate(key) for key in new_keys} == {first, second}
    assert keys.authenticate(first_key) is None
    assert keys.authenticate(second_key) is None


def test_deactivating_a_client_stops_its_key(superuser_client):
    client, raw_key = keys.create_api_client("Stadt-App", "", 60)
    superuser_client.post(API_CLIENTS, {"action": "deactivate", "_selected_action": [client.pk]})
    client.refresh_from_db()
    assert not client.is_active
    assert keys.authenticate(raw_key) is None
    superuser_client.post(API_CLIENTS, {"action": "activate", "_selected_action": [client.pk]})
    assert keys.authenticate(raw_key) == client


def test_department_staff_cannot_manage_api_clients():
    client, _ = keys.create_api_client("Stadt-App", "", 60)
    staff = client_for(admin_staff(department=DepartmentFactory()))
    assert staff.get(API_CLIENTS).status_code == 403
    assert staff.get(f"{API_CLIENTS}add/").status_code == 403
    assert staff.post(f"{API_CLIENTS}{client.pk}/neuer-schluessel/").status_code == 403


def test_staff_with_the_api_client_rights_manage_clients_without_being_superusers():
    staff = client_for(admin_staff(actions=("view", "add", "change"), models=("apiclient",)))
    response = staff.post(f"{API_CLIENTS}add/", {"name": "Partner", "requests_per_hour": 10})
    assert len(shown_keys(response.content.decode())) == 1
