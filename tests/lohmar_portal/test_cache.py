"""Anonymous pages come from the cache, yet never stale after a write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from tests.ideas.conftest import make_process, make_proposal

pytestmark = pytest.mark.django_db


def test_a_second_anonymous_visit_is_served_from_the_cache(client):
    make_proposal(title="Freies WLAN")
    client.get("/vorschlaege/")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/vorschlaege/").content.decode()
    assert "Freies WLAN" in html
    assert len(queries) == 0


@pytest.mark.django_db(transaction=True)  # the version is bumped when the write commits
def test_a_page_is_never_stale_after_a_write(client):
    proposal = make_proposal(process=make_process(), title="Freies WLAN")
    assert "noch nicht bewertet" in client.get("/vorschlaege/").content.decode()
    assert "Noch keine Bewertungen." in client.get(proposal.get_absolute_url()).content.decode()

    citizen = client.__class__()
    citizen.force_login(UserFactory())
    assert (
        citizen.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "5"}).status_code == 302
    )

    assert "5,0 von 5 Sternen (1 Bewertung)" in client.get("/vorschlaege/").content.decode()
    detail = client.get(proposal.get_absolute_url()).content.decode()
    assert "Durchschnitt 5,0 von 5 Sternen aus 1 Bewertung" in detail


def test_a_refused_write_keeps_the_cache(client):
    proposal = make_proposal(process=make_process())
    client.get("/vorschlaege/")
    citizen = client.__class__()
    citizen.force_login(UserFactory())
    assert (
        citizen.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "9"}).status_code == 400
    )
    with CaptureQueriesContext(connection) as queries:
        client.get("/vorschlaege/")
    assert len(queries) == 0


def test_logged_in_visitors_and_pending_messages_bypass_the_cache(client):
    make_proposal(title="Freies WLAN")
    assert "Mein Bürgerkonto" not in client.get("/vorschlaege/").content.decode()  # now cached
    client.force_login(UserFactory())
    assert "Mein Bürgerkonto" in client.get("/vorschlaege/").content.decode()
    client.post("/accounts/logout/")  # leaves a message for the next page
    html = client.get("/vorschlaege/").content.decode()
    assert "abgemeldet" in html and "Mein Bürgerkonto" not in html


def test_cached_pages_set_no_cookies_and_vary_on_cookie(client):
    make_proposal()
    client.get("/vorschlaege/")
    response = client.get("/vorschlaege/")
    assert not response.cookies
    assert "Cookie" in response["Vary"]


def test_language_switch_by_link_returns_to_the_page(client):
    response = client.get("/sprache/?language=en&next=/vorschlaege/")
    assert response.status_code == 302
    assert response["Location"] == "/vorschlaege/"
    assert response.cookies["django_language"].value == "en"
    html = client.get("/vorschlaege/").content.decode()
    assert 'lang="en"' in html and "Project proposals" in html


def test_language_switch_never_leads_off_the_site(client):
    response = client.get("/sprache/?language=en&next=https://boese.example/")
    assert response["Location"] == "/"
    response = client.get("/sprache/?language=xx&next=/")
    assert "django_language" not in response.cookies


def test_data_for_everyone_is_cached_for_logged_in_visitors_too(client):
    from tests.ideas.conftest import make_proposal

    make_proposal(latitude=50.84, longitude=7.21)
    client.force_login(UserFactory())
    client.get("/vorschlaege/karte.geojson")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/vorschlaege/karte.geojson")
    assert len(response.json()["features"]) == 1
    assert [q for q in queries if "ideas_proposal" in q["sql"]] == []


def test_a_request_keeps_the_version_it_started_with():
    """Data read before a concurrent write is never stored under the version after it."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from lohmar_portal.cache import (
        ContentVersionMiddleware,
        bump_content_version,
        content_version,
    )

    seen = []

    def view(request):
        seen.append(content_version())
        bump_content_version()  # another request's write commits during this one
        seen.append(content_version())
        return HttpResponse()

    ContentVersionMiddleware(view)(RequestFactory().get("/"))
    assert seen[0] == seen[1]
    assert content_version() != seen[0]  # the next request sees the new version


def test_a_read_keyed_by_free_text_is_cached_under_a_key_every_backend_takes():
    import warnings

    from lohmar_portal.cache import cached_read

    computed = []

    def compute(query):
        computed.append(query)
        return len(query)

    long_query = "Digitalisierung der Schule " * 20
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # CacheKeyWarning: spaces or more than 250 characters
        for query in ("WLAN Rathaus", "WLAN Rathaus", "WLAN\tRathaus", long_query, long_query):
            assert cached_read("count", query, compute=lambda q=query: compute(q)) == len(query)
    assert computed == ["WLAN Rathaus", "WLAN\tRathaus", long_query]


def test_a_page_with_a_long_address_is_cached_under_a_key_every_backend_takes(client):
    import warnings

    from django.core.cache.backends.base import CacheKeyWarning

    make_proposal(title="Freies WLAN")
    path = "/vorschlaege/?q=" + "Digitalisierung+der+Schule+" * 20
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # more than 250 characters
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
    assert len(queries) == 0


def test_a_content_version_lost_from_the_cache_never_brings_back_an_older_page(client):
    from django.core.cache import cache

    from ideas.models import Proposal
    from lohmar_portal.cache import VERSION_KEY, bump_content_version

    proposal = make_proposal(title="Freies WLAN")
    client.get("/vorschlaege/")  # stored under the first version
    Proposal.objects.filter(pk=proposal.pk).update(title="Freies WLAN im Rathaus")
    bump_content_version()
    assert "Freies WLAN im Rathaus" in client.get("/vorschlaege/").content.decode()
    cache.delete(VERSION_KEY)  # evicted (a full cache) while the first page is still stored
    assert "Freies WLAN im Rathaus" in client.get("/vorschlaege/").content.decode()
