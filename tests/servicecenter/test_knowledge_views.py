"""The public FAQ: life situations, articles, search; only public articles, safely rendered."""

import pytest
from django.urls import reverse

from lohmar_portal.cache import bump_content_version
from servicecenter.models import KnowledgeArticle, LifeSituation
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
Visibility = KnowledgeArticle.Visibility


def make_article(title, *, slug=None, visibility=Visibility.PUBLIC, situations=(), **fields):
    article = KnowledgeArticle.objects.create(
        title=title,
        slug=slug or title.lower().replace(" ", "-").replace("?", ""),
        answer=fields.pop("answer", f"Antwort zu {title}."),
        visibility=visibility,
        **fields,
    )
    article.life_situations.set(situations)
    return article


@pytest.fixture
def moving():
    situation = LifeSituation.objects.create(
        name="Umzug", slug="umzug", summary="Ummelden, Adresse ändern", order=1
    )
    situation.departments.add(
        DepartmentFactory(name="Bürgerservice", email="buergerbuero@lohmar.example")
    )
    return situation


@pytest.fixture
def articles(moving):
    return {
        "public": make_article(
            "Wie melde ich meinen Wohnsitz um?",
            slug="wohnsitz-ummelden",
            situations=[moving],
            internal_notes="GEHEIM: Wohnungsgeberbestätigung prüfen",
        ),
        "internal": make_article(
            "Interner Textbaustein Umzug",
            slug="intern-umzug",
            visibility=Visibility.INTERNAL,
            situations=[moving],
        ),
        "draft": make_article(
            "Entwurf Umzug online",
            slug="entwurf-umzug",
            visibility=Visibility.DRAFT,
            situations=[moving],
        ),
    }


def test_index_shows_life_situations_with_public_counts(client, articles, moving):
    LifeSituation.objects.create(name="Geburt", slug="geburt", summary="Geburt anzeigen", order=2)
    response = client.get(reverse("servicecenter:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Umzug" in page and "Geburt" in page
    assert moving.get_absolute_url() in page
    # One public article; internal and draft ones are not counted.
    assert "1 Antwort" in page
    assert 'role="search"' in page


def test_index_shows_the_promise_article_as_intro(client, db):
    make_article(
        "Was leistet das Service Center?",
        slug="service-center",
        answer="Einfache Anfragen werden schnell und abschließend bearbeitet.",
    )
    page = client.get(reverse("servicecenter:index")).content.decode()
    assert "Einfache Anfragen werden schnell und abschließend bearbeitet." in page


def test_life_situation_lists_public_articles_and_departments(client, articles, moving):
    response = client.get(moving.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Wie melde ich meinen Wohnsitz um?" in page
    assert "Interner Textbaustein" not in page
    assert "Entwurf Umzug" not in page
    assert "Bürgerservice" in page
    assert "mailto:buergerbuero@lohmar.example" in page


def test_unknown_life_situation_is_not_found(client, db):
    assert (
        client.get(reverse("servicecenter:life_situation", args=["gibt-es-nicht"])).status_code
        == 404
    )


@pytest.mark.parametrize("kind", ["internal", "draft"])
def test_internal_and_draft_articles_are_not_found(client, articles, kind):
    assert client.get(articles[kind].get_absolute_url()).status_code == 404


def test_article_shows_answer_and_related_but_never_internal_notes(client, articles, moving):
    other = make_article(
        "Meldebescheinigung beantragen", slug="meldebescheinigung", situations=[moving]
    )
    response = client.get(articles["public"].get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Antwort zu Wie melde ich meinen Wohnsitz um?" in page
    assert "GEHEIM" not in page
    assert other.get_absolute_url() in page
    assert articles["internal"].get_absolute_url() not in page
    assert articles["draft"].get_absolute_url() not in page


def test_article_answer_is_escaped_with_paragraphs_and_links(client, db):
    article = make_article(
        "Sicher dargestellt",
        slug="sicher",
        answer='Erster Absatz <script>alert("x")</script>\n\nMehr unter https://www.lohmar.de/',
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert "<p>Erster Absatz" in page
    assert 'href="https://www.lohmar.de/"' in page


def test_search_finds_public_articles_only(client, articles):
    response = client.get(reverse("servicecenter:search"), {"q": "Wohnsitz"})
    assert response.status_code == 200
    page = response.content.decode()
    assert articles["public"].get_absolute_url() in page
    assert "1 Treffer für „Wohnsitz“" in page
    for word, kind in [("Textbaustein", "internal"), ("Entwurf", "draft")]:
        page = client.get(reverse("servicecenter:search"), {"q": word}).content.decode()
        assert articles[kind].get_absolute_url() not in page
        assert "0 Treffer" in page


def test_empty_search_asks_for_words(client, db):
    response = client.get(reverse("servicecenter:search"), {"q": "   "})
    assert response.status_code == 200
    assert "Geben Sie ein oder mehrere Wörter ein" in response.content.decode()


def test_too_long_search_is_refused_with_a_message(client, db):
    response = client.get(reverse("servicecenter:search"), {"q": "x" * 201})
    assert response.status_code == 400
    page = response.content.decode()
    assert "höchstens 200 Zeichen" in page
    assert 'href="#id_q"' in page


def _articles(count, situation):
    for n in range(count):
        make_article(f"Frage {n}", slug=f"frage-{n}", situations=[situation], keywords="ummelden")


@pytest.mark.parametrize("count", [1, 20])
def test_pages_run_a_constant_number_of_queries(client, moving, count, django_assert_num_queries):
    _articles(count, moving)
    for n in range(count):
        LifeSituation.objects.create(name=f"Lage {n}", slug=f"lage-{n}", summary="…", order=n + 5)
    article = KnowledgeArticle.objects.get(slug="frage-0")
    pages = [
        (reverse("servicecenter:index"), 2),
        (moving.get_absolute_url(), 3),
        (article.get_absolute_url(), 3),
        (reverse("servicecenter:search") + "?q=ummelden", 1),
    ]
    for url, queries in pages:
        bump_content_version()
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200


def test_pages_are_cached_for_visitors(client, articles, moving, django_assert_num_queries):
    client.get(moving.get_absolute_url())
    with django_assert_num_queries(0):
        assert client.get(moving.get_absolute_url()).status_code == 200


def test_home_section_offers_search_and_life_situations(client, articles, moving):
    LifeSituation.objects.create(name="Ohne Antworten", slug="leer", summary="…")
    page = client.get(reverse("home")).content.decode()
    assert 'id="service-start-titel"' in page
    assert f'action="{reverse("servicecenter:search")}"' in page
    assert moving.get_absolute_url() in page
    assert "/service/lebenslagen/leer/" not in page  # only life situations with answers
    assert reverse("servicecenter:index") in page


def test_life_situation_links_to_the_contact_form_and_the_schedule(client, moving):
    page = client.get(moving.get_absolute_url()).content.decode()
    assert f'href="{reverse("servicecenter:ticket_create")}"' in page
    assert f'href="{reverse("servicecenter:schedule")}"' in page
    assert "Frage stellen" in page
