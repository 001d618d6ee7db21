"""Searching the knowledge base: German full text on PostgreSQL, word matching on SQLite; the
public search never shows drafts or internal articles, the agents' search shows internal ones."""

import pytest
from django.db import connection

from servicecenter.knowledge import search_for_agents, search_public
from servicecenter.models import KnowledgeArticle

pytestmark = pytest.mark.django_db
Visibility = KnowledgeArticle.Visibility
on_sqlite = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="the fallback search runs only on SQLite"
)


def make_article(title, slug, *, answer="", keywords="", visibility=Visibility.PUBLIC):
    return KnowledgeArticle.objects.create(
        title=title,
        slug=slug,
        answer=answer or f"Antwort zu {title}.",
        keywords=keywords,
        visibility=visibility,
    )


@pytest.fixture
def library():
    return {
        "id_card": make_article(
            "Personalausweis beantragen",
            "personalausweis",
            answer="Den Ausweis beantragen Sie persönlich im Bürgerbüro.",
            keywords="Ausweis, Perso",
        ),
        "passport": make_article(
            "Reisepass beantragen",
            "reisepass",
            answer="Für Reisen außerhalb der EU. Bringen Sie Ihren alten Personalausweis mit.",
        ),
        "bulky": make_article(
            "Sperrmüll anmelden",
            "sperrmuell",
            answer="Die Abholung melden Sie an.",
            keywords="Möbel, Sofa",
        ),
        "internal": make_article(
            "Ausweis: Identität am Telefon prüfen",
            "intern-ausweis",
            visibility=Visibility.INTERNAL,
        ),
        "draft": make_article(
            "Ausweis online verlängern", "entwurf-ausweis", visibility=Visibility.DRAFT
        ),
    }


def slugs(articles):
    return [article.slug for article in articles]


def test_public_search_never_returns_internal_or_draft(library):
    found = slugs(search_public("Ausweis"))
    assert "personalausweis" in found
    assert "intern-ausweis" not in found
    assert "entwurf-ausweis" not in found


def test_agents_find_internal_and_public_but_no_drafts(library):
    found = slugs(search_for_agents("Ausweis"))
    assert "intern-ausweis" in found
    assert "personalausweis" in found
    assert "entwurf-ausweis" not in found


def test_keywords_are_searched(library):
    assert slugs(search_public("Sofa")) == ["sperrmuell"]


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_queries_find_nothing(library, query):
    assert search_public(query) == []
    assert search_for_agents(query) == []


def test_results_are_limited(library):
    for n in range(12):
        make_article(f"Sperrmüll Frage {n}", f"sperrmuell-{n}")
    assert len(search_for_agents("Sperrmüll")) == 10
    assert len(search_public("Sperrmüll", limit=5)) == 5


def test_a_search_is_one_query(library, django_assert_num_queries):
    with django_assert_num_queries(1):
        search_public("Ausweis beantragen")


@on_sqlite
def test_fallback_needs_every_word(library):
    assert slugs(search_public("Reisepass Personalausweis")) == ["reisepass"]
    assert slugs(search_public("reisepass")) == ["reisepass"]  # case-insensitive


@pytest.mark.postgres
def test_german_stemming_finds_inflected_words(library):
    # "Ausweise" and "Ausweis" share their stem in PostgreSQL's German configuration.
    assert "personalausweis" in slugs(search_public("Ausweise"))
    # Stop words do not have to appear ("Wie", "ich" are not in any article).
    assert "sperrmuell" in slugs(search_public("Wie melde ich Sperrmüll an"))


@pytest.mark.postgres
def test_title_and_keyword_matches_rank_above_answer_matches(library):
    found = slugs(search_public("Personalausweis"))
    # Both mention it; the one with it in its title comes first.
    assert found[:2] == ["personalausweis", "reisepass"]


@pytest.mark.postgres
def test_websearch_syntax_is_safe(library):
    # Quotes, minus and operators are understood, never a syntax error.
    assert slugs(search_public('"Reisepass beantragen"')) == ["reisepass"]
    assert "reisepass" not in slugs(search_public("beantragen -Reisepass"))
    assert search_public("& | ! ( ) :*") == []
