import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lohmar_portal.cache import bump_content_version
from tests.factories import PillarFactory, VisionFactory

pytestmark = pytest.mark.django_db


def test_home_shows_the_vision_and_links_each_pillar(client):
    vision = VisionFactory(motto="Lohmar | Digital | Für Alle")
    pillars = PillarFactory.create_batch(4, vision=vision)
    html = client.get("/").content.decode()
    assert "Lohmar | Digital | Für Alle" in html
    for pillar in pillars:
        assert f'href="/strategie/{pillar.slug}/"' in html
        assert pillar.title in html


def test_home_without_a_published_vision_still_works(client):
    VisionFactory(is_published=False, motto="Entwurf der Vision")
    response = client.get("/")
    assert response.status_code == 200
    assert "Entwurf der Vision" not in response.content.decode()


def test_vision_page_shows_statement_pillars_and_background(client):
    vision = VisionFactory(background="Am 16. Mai 2019 wurde die Vision vorgestellt.")
    PillarFactory(vision=vision, title="Digital nah dran!")
    html = client.get("/strategie/").content.decode()
    assert vision.statement in html
    assert "Digital nah dran!" in html
    assert "Am 16. Mai 2019" in html


def test_pillar_page(client):
    pillar = PillarFactory(title="Digital gut unterwegs!", text="Intelligente Mobilität.")
    html = client.get(f"/strategie/{pillar.slug}/").content.decode()
    assert "Digital gut unterwegs!" in html
    assert "Intelligente Mobilität." in html


def test_unpublished_or_unknown_pages_are_404(client):
    pillar = PillarFactory(vision=VisionFactory(is_published=False))
    assert client.get("/strategie/").status_code == 404
    assert client.get(f"/strategie/{pillar.slug}/").status_code == 404
    assert client.get("/strategie/gibt-es-nicht/").status_code == 404


# The home page also shows the newest defect reports and the service center's life situations.
@pytest.mark.parametrize(("url", "budget"), [("/", 6), ("/strategie/", 4)])
def test_strategy_pages_run_a_constant_number_of_queries(client, url, budget):
    vision = VisionFactory()
    PillarFactory(vision=vision)
    bump_content_version()  # as any write would; measure the rendering, not the cache
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    PillarFactory.create_batch(19, vision=vision)
    bump_content_version()
    with CaptureQueriesContext(connection) as twenty:
        client.get(url)
    assert len(one) == len(twenty) <= budget


def test_pillar_page_lists_its_proposals_only(client):
    from tests.ideas.conftest import make_proposal

    pillar, other = PillarFactory(), PillarFactory()
    make_proposal(pillar=pillar, title="Passt hierher")
    make_proposal(pillar=other, title="Anderer Schwerpunkt")
    html = client.get(f"/strategie/{pillar.slug}/").content.decode()
    assert "Passt hierher" in html and "Anderer Schwerpunkt" not in html
    assert "1 Projektvorschlag zu diesem Schwerpunkt" in html


def test_pillar_page_runs_a_constant_number_of_queries(client):
    from tests.ideas.conftest import make_process, make_proposal

    pillar = PillarFactory()
    process = make_process()
    make_proposal(pillar=pillar, process=process)
    bump_content_version()  # as any write would; measure the rendering, not the cache
    with CaptureQueriesContext(connection) as one:
        client.get(f"/strategie/{pillar.slug}/")
    for _ in range(19):
        make_proposal(pillar=pillar, process=process)
    bump_content_version()
    with CaptureQueriesContext(connection) as twenty:
        client.get(f"/strategie/{pillar.slug}/")
    assert len(one) == len(twenty)


def test_logged_in_home_renders_the_strategy_sections_once_per_content_version(client):
    from ideas.models import Vision
    from tests.factories import UserFactory
    from tests.ideas.conftest import make_proposal

    vision = VisionFactory(motto="Erste Fassung")
    make_proposal(pillar=PillarFactory(vision=vision), title="Neuer Vorschlag am Markt")
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert "Erste Fassung" in html and "Neuer Vorschlag am Markt" in html
    with CaptureQueriesContext(connection) as again:
        client.get("/")
    tables = " ".join(query["sql"] for query in again.captured_queries)
    assert "ideas_" not in tables and "participation_" not in tables
    Vision.objects.filter(pk=vision.pk).update(motto="Zweite Fassung")
    bump_content_version()  # as every write does after its commit
    assert "Zweite Fassung" in client.get("/").content.decode()
