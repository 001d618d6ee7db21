"""Staff replace the built-in drafts of the legal pages with the city's own texts."""

import pytest

from lohmar_portal.cache import bump_content_version
from lohmar_portal.models import LegalPage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("privacy", "/datenschutz/"),
        ("imprint", "/impressum/"),
        ("accessibility", "/barrierefreiheit/"),
    ],
)
def test_a_published_text_replaces_the_draft(client, kind, url):
    assert "Entwurf:" in client.get(url).content.decode()
    LegalPage.objects.create(
        kind=kind,
        body="Amtlicher Text.\n\nZweiter Absatz: https://www.lohmar.de",
        is_published=True,
    )
    bump_content_version()  # what the admin's save request does
    html = client.get(url).content.decode()
    assert "Entwurf:" not in html
    assert "<p>Amtlicher Text.</p>" in html
    assert 'href="https://www.lohmar.de"' in html


def test_an_unpublished_text_keeps_the_draft(client):
    LegalPage.objects.create(kind="imprint", body="Noch nicht fertig.", is_published=False)
    html = client.get("/impressum/").content.decode()
    assert "Entwurf:" in html and "Noch nicht fertig." not in html


def test_the_feedback_form_stays_under_a_published_accessibility_statement(client):
    LegalPage.objects.create(kind="accessibility", body="Geprüfte Erklärung.", is_published=True)
    html = client.get("/barrierefreiheit/").content.decode()
    assert "Geprüfte Erklärung." in html and 'id="feedback-titel"' in html


def test_staff_text_is_escaped(client):
    LegalPage.objects.create(kind="imprint", body="<script>alert(1)</script>", is_published=True)
    html = client.get("/impressum/").content.decode()
    assert "<script>alert(1)</script>" not in html
