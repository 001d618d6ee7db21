"""Write requests are all-or-nothing; reads cost no transaction round trips."""

import pytest
from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from lohmar_portal.middleware import AtomicWritesMiddleware
from lohmar_portal.models import District
from lohmar_portal.tasks import send_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def writing_view(status: int):
    def view(request):
        District.objects.create(name="Neu", slug="neu")
        from django.db import transaction

        transaction.on_commit(lambda: send_email.delay(subject="s", body="b", to=["a@b.de"]))
        return HttpResponse(status=status)

    return view


def test_a_failed_write_request_leaves_nothing_behind_and_sends_nothing():
    middleware = AtomicWritesMiddleware(writing_view(500))
    request = RequestFactory().post("/")
    request.user = UserFactory()
    middleware(request)
    assert not District.objects.filter(slug="neu").exists()
    assert mail.outbox == []


def test_a_successful_write_request_commits_and_then_sends():
    middleware = AtomicWritesMiddleware(writing_view(302))
    request = RequestFactory().post("/")
    request.user = UserFactory()
    middleware(request)
    assert District.objects.filter(slug="neu").exists()
    assert len(mail.outbox) == 1


def test_reads_run_without_begin_and_commit(client):
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not any(q["sql"].upper() in {"BEGIN", "COMMIT"} for q in queries)


def test_an_anonymous_post_keeps_everybodys_cache(client):
    from lohmar_portal.cache import content_version

    before = content_version()
    client.post("/sprache/", {"language": "en", "next": "/"})
    client.post("/accounts/login/", {"login": "niemand@example.org", "password": "falsch"})
    assert content_version() == before


def test_a_signed_in_write_makes_cached_pages_stale(client):
    from lohmar_portal.cache import content_version

    user = UserFactory()
    client.force_login(user)
    before = content_version()
    client.post("/konto/", {"display_name": "Neu", "real_name": ""})
    assert content_version() != before


def test_a_post_to_a_page_that_only_shows_is_refused_and_keeps_everybodys_cache(client):
    from lohmar_portal.cache import content_version

    client.force_login(UserFactory())
    before = content_version()
    response = client.post("/vorschlaege/")
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD")
    assert "So geht es hier nicht weiter" in response.content.decode()  # not an empty answer
    assert content_version() == before


def test_an_address_that_only_takes_a_form_explains_itself_in_the_visitors_language(client):
    from tests.ideas.conftest import make_proposal

    proposal = make_proposal()
    client.force_login(UserFactory())
    response = client.get(f"{proposal.get_absolute_url()}bewerten/")
    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert "Es wurde nichts gespeichert" in response.content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(f"{proposal.get_absolute_url()}bewerten/").content.decode()
    assert "Nothing was saved" in english
