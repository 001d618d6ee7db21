"""Sections of the apps on the home page: shared ones are rendered once per content version."""

import pytest
from django.template import engines

from lohmar_portal import sections
from lohmar_portal.cache import bump_content_version
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(settings):
    """Two sections of a test app, one shared and one per visitor; removed afterwards."""
    reads = {"shared": 0, "personal": 0}
    news = {"text": "Erste Nachricht"}

    def shared(request):
        reads["shared"] += 1
        return {"text": news["text"]}

    def personal(request):
        reads["personal"] += 1
        return {"name": request.user.display_name if request.user.is_authenticated else ""}

    loader = (
        "django.template.loaders.locmem.Loader",
        {
            "test/shared.html": "<p>Neu: {{ section.text }}</p>",
            "test/personal.html": "<p>Hallo {{ section.name }}</p>",
        },
    )
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [loader, *engines["django"].engine.loaders],
            },
        }
    ]
    before = list(sections.home_sections)
    sections.register_home_section(
        order=98, template_name="test/shared.html", context=shared, shared=True
    )
    sections.register_home_section(order=99, template_name="test/personal.html", context=personal)
    yield reads, news
    sections.home_sections[:] = before


def test_a_shared_section_is_read_once_per_content_version_and_never_stale(client, registered):
    reads, news = registered
    client.force_login(UserFactory(display_name="Anna"))
    assert "Neu: Erste Nachricht" in client.get("/").content.decode()
    client.force_login(UserFactory(display_name="Bernd"))
    html = client.get("/").content.decode()
    assert "Neu: Erste Nachricht" in html and "Hallo Bernd" in html and "Hallo Anna" not in html
    assert reads == {"shared": 1, "personal": 2}
    news["text"] = "Zweite Nachricht"
    bump_content_version()  # as every write does after its commit
    assert "Neu: Zweite Nachricht" in client.get("/").content.decode()
    assert reads == {"shared": 2, "personal": 3}
