"""Datenschutzerklärung, Impressum and the accessibility statement with its feedback form."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/datenschutz/", "Datenschutzerklärung"),
        ("/impressum/", "Impressum"),
        ("/barrierefreiheit/", "Erklärung zur Barrierefreiheit"),
    ],
)
def test_legal_pages_are_public_and_linked_in_every_footer(client, url, heading):
    page = client.get(url).content.decode()
    assert f'<h1 class="kern-heading-x-large">{heading}</h1>' in page
    assert "Rathausstraße 4" in client.get("/impressum/").content.decode()
    home = client.get("/").content.decode()
    assert f'href="{url}"' in home


def test_the_accessibility_statement_names_feedback_and_enforcement(client):
    page = client.get("/barrierefreiheit/").content.decode()
    assert "barrierefreiheit@lohmar.de" in page
    assert "Durchsetzungsverfahren" in page and "Ombudsstelle" in page
    assert 'name="message"' in page


def test_feedback_reaches_the_responsible_office(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/barrierefreiheit/",
            {
                "message": "Die Karte ist mit dem Screenreader schwer zu bedienen.",
                "page_url": "/vorschlaege/karte/",
                "email": "leser@example.org",
            },
            follow=True,
        )
    assert "Vielen Dank" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["barrierefreiheit@lohmar.de"]
    assert "Screenreader" in message.body and "/vorschlaege/karte/" in message.body
    assert "leser@example.org" in message.body


def test_empty_feedback_is_refused_and_sends_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/barrierefreiheit/", {"message": "", "email": "kein-at"})
    assert response.status_code == 400
    assert mail.outbox == []
    page = response.content.decode()
    assert "kern-error" in page
