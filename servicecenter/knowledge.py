"""The knowledge base: reads for the public FAQ (only public articles), search, and the agents'
search for ready answers (internal and public articles, never drafts).

Search uses PostgreSQL's German full-text configuration on an expression built at query time
(no index: the knowledge base holds hundreds of articles, not millions); SQLite, for trying the
portal out, matches every word with `icontains`.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lohmar_portal.models import Department

from .models import KnowledgeArticle, LifeSituation

Visibility = KnowledgeArticle.Visibility

# Longer queries are refused with a message: nobody types more, and a long websearch query
# is work for the database without a better answer.
MAX_QUERY_LENGTH = 200
SEARCH_LIMIT = 25
AGENT_SEARCH_LIMIT = 10
RELATED_LIMIT = 5
# The public article whose answer introduces the FAQ (the service center's promise).
INTRO_SLUG = "service-center"

# Title and keywords say what an article is about; the answer only mentions things.
ARTICLE_SEARCH_VECTOR = (
    SearchVector("title", weight="A", config="german")
    + SearchVector("keywords", weight="A", config="german")
    + SearchVector("answer", weight="B", config="german")
)


def normalise_query(query: str) -> str:
    """The query as searched: whitespace collapsed (the caller checks the length)."""
    return " ".join(query.split())


def search_articles(articles: QuerySet[KnowledgeArticle], query: str) -> QuerySet[KnowledgeArticle]:
    """Articles matching the query in title, answer or keywords, best first."""
    query = normalise_query(query)
    if not query:
        return articles.none()
    if connections[articles.db].vendor == "postgresql":
        search_query = SearchQuery(query, config="german", search_type="websearch")
        return (
            articles.alias(search_vector=ARTICLE_SEARCH_VECTOR)
            .filter(search_vector=search_query)
            .annotate(search_rank=SearchRank(ARTICLE_SEARCH_VECTOR, search_query))
            .order_by("-search_rank", "order", "title")
        )
    # SQLite: every word must appear in the title, the answer or the keywords.
    for word in query.split():
        articles = articles.filter(
            Q(title__icontains=word) | Q(answer__icontains=word) | Q(keywords__icontains=word)
        )
    return articles.order_by("order", "title")


def search_public(query: str, *, limit: int = SEARCH_LIMIT) -> list[KnowledgeArticle]:
    """Public articles for the FAQ search (one query)."""
    return list(search_articles(KnowledgeArticle.objects.public(), query)[:limit])


def search_for_agents(query: str, *, limit: int = AGENT_SEARCH_LIMIT) -> list[KnowledgeArticle]:
    """Internal and public articles an agent may insert as an answer, best first (one query).

    Drafts never: they are not checked yet. The result carries `internal_notes` for the agent.
    """
    return list(search_articles(KnowledgeArticle.objects.for_agents(), query)[:limit])


def life_situations() -> list[LifeSituation]:
    """Every life situation with the number of its public articles (`public_count`)."""
    return list(
        LifeSituation.objects.annotate(
            public_count=Count("articles", filter=Q(articles__visibility=Visibility.PUBLIC))
        ).order_by("order", "name")
    )


def top_life_situations(limit: int = 6) -> list[LifeSituation]:
    """The first life situations that have public articles (for the home page)."""
    return [situation for situation in life_situations() if situation.public_count][:limit]


def life_situation(slug: str) -> LifeSituation | None:
    return LifeSituation.objects.filter(slug=slug).first()


def public_articles_of(situation: LifeSituation) -> list[KnowledgeArticle]:
    return list(KnowledgeArticle.objects.public().filter(life_situations=situation))


def departments_of(situation: LifeSituation) -> list[Department]:
    return list(situation.departments.order_by("name"))


def public_article(slug: str) -> KnowledgeArticle | None:
    """A public article with its department and life situations; drafts and internal: None."""
    return (
        KnowledgeArticle.objects.public()
        .filter(slug=slug)
        .select_related("department")
        .prefetch_related("life_situations")
        .first()
    )


def related_articles(
    article: KnowledgeArticle, *, limit: int = RELATED_LIMIT
) -> list[KnowledgeArticle]:
    """Other public articles of the same life situations (one query)."""
    situations = [situation.pk for situation in article.life_situations.all()]
    if not situations:
        return []
    return list(
        KnowledgeArticle.objects.public()
        .filter(pk__in=KnowledgeArticle.objects.filter(life_situations__in=situations).values("pk"))
        .exclude(pk=article.pk)[:limit]
    )


def intro_article() -> KnowledgeArticle | None:
    """The service center's promise, if it is published as an article."""
    return KnowledgeArticle.objects.public().filter(slug=INTRO_SLUG).first()


# --- The one write of the knowledge base outside the admin's forms -----------------------------


def publish_articles(*, actor, articles: QuerySet[KnowledgeArticle]) -> list[KnowledgeArticle]:
    """Make the given articles public; returns those that changed (the caller logs them)."""
    if not actor.has_perm("servicecenter.change_knowledgearticle"):
        raise PermissionDenied(_("Sie dürfen Wissensartikel nicht veröffentlichen."))
    changed = list(articles.exclude(visibility=Visibility.PUBLIC))
    KnowledgeArticle.objects.filter(pk__in=[article.pk for article in changed]).update(
        visibility=Visibility.PUBLIC, updated_at=timezone.now()
    )
    return changed
