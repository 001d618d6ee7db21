"""Full-text search over proposals: PostgreSQL's German configuration with a GIN index."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

# The index (migration 0003) is built from exactly this expression, so the planner can use it.
PROPOSAL_SEARCH_VECTOR = SearchVector("title", "summary", "text", config="german")


def search_proposals(queryset: QuerySet, query: str) -> QuerySet:
    """Proposals matching the words; ranked when the caller asks for relevance."""
    if connection.vendor == "postgresql":
        search_query = SearchQuery(query, config="german", search_type="websearch")
        return (
            queryset.alias(search_vector=PROPOSAL_SEARCH_VECTOR)
            .filter(search_vector=search_query)
            .annotate(search_rank=SearchRank(PROPOSAL_SEARCH_VECTOR, search_query))
        )
    # SQLite (trying it out): every word must appear in title, summary or text.
    for word in query.split():
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(text__icontains=word)
        )
    return queryset
