"""The full-text search's documents on PostgreSQL: written by the trigger when a proposal's words
change, and only then (a rating must not re-index the text)."""

import pytest
from django.db import connection

from ideas.models import Proposal, ProposalSearchDocument
from ideas.search import search_proposals
from participation import services as participation
from tests.factories import UserFactory

from .conftest import make_proposal

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def found(query: str) -> list[str]:
    return list(
        search_proposals(Proposal.objects.listed(), query)
        .order_by("-search_rank", "-id")
        .values_list("title", flat=True)
    )


def document_row_version(proposal: Proposal) -> str:
    """Where the row lies (ctid): every write of a PostgreSQL row makes a new version of it
    elsewhere, also inside one transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ctid::text FROM ideas_proposalsearchdocument WHERE proposal_id = %s",
            [proposal.pk],
        )
        return cursor.fetchone()[0]


def test_a_new_proposal_is_found_by_its_stemmed_words(open_process):
    make_proposal(process=open_process, title="Bücherei", summary="Tablets ausleihen")
    make_proposal(process=open_process, title="Radweg", text="Ein Radweg nach Wahlscheid")

    assert found("Tablet") == ["Bücherei"]
    assert found("Radwege Wahlscheid") == ["Radweg"]
    assert found("Schwimmbad") == []


def test_changed_words_are_found_and_the_old_ones_are_not(open_process):
    proposal = make_proposal(process=open_process, title="Parkplatz am Rathaus")

    proposal.title = "Fahrradständer am Rathaus"
    proposal.save()
    assert found("Fahrradständer") == ["Fahrradständer am Rathaus"]
    assert found("Parkplatz") == []

    Proposal.objects.filter(pk=proposal.pk).update(text="Mit Ladesäulen")  # no signals
    assert found("Ladesäule") == ["Fahrradständer am Rathaus"]


def test_a_rating_leaves_the_search_document_alone(open_process):
    proposal = make_proposal(process=open_process, title="Sitzbänke im Park")
    before = document_row_version(proposal)

    participation.rate(user=UserFactory(), target=proposal, value=4)
    proposal.refresh_from_db()
    proposal.status = Proposal.Status.IN_REVIEW
    proposal.save()

    assert proposal.rating_count == 1
    assert document_row_version(proposal) == before


def test_the_document_goes_with_its_proposal(open_process):
    proposal = make_proposal(process=open_process, title="Wird gelöscht")
    assert ProposalSearchDocument.objects.filter(proposal=proposal).exists()

    proposal.delete()

    assert not ProposalSearchDocument.objects.exists()
