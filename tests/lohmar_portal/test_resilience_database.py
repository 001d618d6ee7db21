"""PostgreSQL away: requests fail fast with a German 503 and Retry-After, never a 500 page
(issue 8, 4a). The database is made to fail at the cursor, at COMMIT, and outside the view."""

import sys

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import InterfaceError, OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory

from lohmar_portal import urls
from lohmar_portal.middleware import server_error
from participation.models import Rating
from tests.factories import UserFactory
from tests.ideas.conftest import make_process, make_proposal


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert "Das Bürgerportal ist gleich wieder da" in page
    assert "Traceback" not in page


@pytest.fixture
def database_away(monkeypatch):
    """From now on every query fails as with PostgreSQL stopped."""

    def refuse(self, sql, params=None):
        raise OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        )

    def turn_off():
        monkeypatch.setattr(CursorWrapper, "execute", refuse)
        monkeypatch.setattr(CursorWrapper, "executemany", refuse)

    return turn_off


@pytest.mark.django_db
def test_a_page_that_needs_the_database_answers_503(client, database_away):
    proposal = make_proposal(process=make_process())
    assert client.get(proposal.get_absolute_url()).status_code == 200
    database_away()
    assert_unavailable_page(client.get("/vorschlaege/"))


@pytest.mark.django_db
def test_a_logged_in_write_answers_503_when_the_database_is_away(client, database_away):
    proposal = make_proposal(process=make_process())
    client.force_login(UserFactory())
    database_away()
    response = client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "4"})
    assert_unavailable_page(response)


@pytest.mark.django_db(transaction=True)
def test_a_rating_whose_commit_fails_is_refused_with_503_and_not_kept(client, monkeypatch):
    proposal = make_proposal(process=make_process())
    citizen = UserFactory()
    client.force_login(citizen)

    def commit_fails():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "_commit", commit_fails)
    response = client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "4"})
    monkeypatch.undo()
    assert_unavailable_page(response)
    # Not acknowledged, and not stored either: the rating and its counters went together.
    assert not Rating.objects.filter(user=citizen).exists()
    proposal.refresh_from_db()
    assert proposal.rating_count == 0


@pytest.mark.django_db
def test_a_database_error_outside_the_view_gets_the_503_page_too(client, monkeypatch):
    """The session is saved after the view, outside its transaction: the handler500 maps it."""

    def save_fails(self, request, response):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(SessionMiddleware, "process_response", save_fails)
    client.raise_request_exception = False
    assert_unavailable_page(client.get("/"))


def test_the_error_handler_tells_the_database_from_other_errors():
    assert urls.handler500 == "lohmar_portal.middleware.server_error"
    request = RequestFactory().get("/")
    try:
        raise OperationalError("the database system is starting up")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        assert_unavailable_page(server_error(request))
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_connections_fail_fast_and_are_checked_before_reuse(settings):
    default = settings.DATABASES["default"]
    assert default["OPTIONS"]["connect_timeout"] <= 5
    assert default["CONN_HEALTH_CHECKS"] is True


def test_developers_see_the_error_itself_with_debug_on(settings):
    from lohmar_portal.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    error = OperationalError("no such table: ideas_proposal")  # a migration not yet run
    assert middleware.process_exception(request, error).status_code == 503
    settings.DEBUG = True
    assert middleware.process_exception(request, error) is None
