"""Full-text search over proposals: PostgreSQL's German configuration with a GIN index."""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet


def search_proposals(queryset: QuerySet, query: str) -> QuerySet:
    """Proposals matching the words; ranked when the caller asks for relevance.

    On PostgreSQL the words are looked up in the proposals' search documents (a table kept by
    a trigger, see ProposalSearchDocument); SQLite, for trying the portal out, reads the texts.
    """
    if connection.vendor == "postgresql":
        search_query = SearchQuery(query, config="german", search_type="websearch")
        return queryset.filter(search_document__document=search_query).annotate(
            search_rank=SearchRank(F("search_document__document"), search_query)
        )
    # SQLite (trying it out): every word must appear in title, summary or text.
    for word in query.split():
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(text__icontains=word)
        )
    return queryset
