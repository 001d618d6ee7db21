"""Concurrent writes on PostgreSQL: counters stay equal to the rows, nobody rates twice,
and reference numbers are never handed out twice.

Every thread works on its own database connection, like parallel requests in gunicorn workers.
"""

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Sum

from ideas.models import Proposal
from lohmar_portal.models import User
from lohmar_portal.services import next_reference
from participation import services
from participation.models import Rating
from participation.services import RATING_PRIOR_MEAN, RATING_PRIOR_WEIGHT
from tests.factories import UserFactory

from .factories import ProposalFactory, open_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(jobs: list[Callable[[], object]]) -> list[object]:
    """Start all jobs at the same moment, each in a thread with its own connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)
    errors: list[BaseException] = []

    def worker(index: int, job: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs (deadlock?)"
    assert errors == []
    return results


def rate_job(user_pk: int, proposal_pk: int, value: int) -> Callable[[], object]:
    def job():
        return services.rate(
            user=User.objects.get(pk=user_pk),
            target=Proposal.objects.get(pk=proposal_pk),
            value=value,
        )

    return job


def rate_as_the_page_does_job(user_pk: int, proposal_pk: int, value: int) -> Callable[[], object]:
    """The rating POST: the request's transaction, the proposal read under its lock once."""

    def job():
        with transaction.atomic():
            target = services.locked_target(
                Proposal.objects.select_related("process"), pk=proposal_pk
            )
            return services.rate(user=User.objects.get(pk=user_pk), target=target, value=value)

    return job


def withdraw_job(user_pk: int, proposal_pk: int) -> Callable[[], object]:
    def job():
        return services.withdraw_rating(
            user=User.objects.get(pk=user_pk),
            target=Proposal.objects.get(pk=proposal_pk),
        )

    return job


def assert_counters_match_rows(proposal: Proposal) -> dict[int, int]:
    proposal.refresh_from_db()
    rows = Rating.objects.filter(
        content_type=services.content_type_of(proposal), object_id=proposal.pk
    )
    totals = rows.aggregate(count=Count("pk"), total=Sum("value", default=0))
    assert (proposal.rating_count, proposal.rating_sum) == (totals["count"], totals["total"])
    assert proposal.rating_score == pytest.approx(
        (RATING_PRIOR_WEIGHT * RATING_PRIOR_MEAN + totals["total"])
        / (RATING_PRIOR_WEIGHT + totals["count"])
    )
    per_user = list(rows.values("user").annotate(n=Count("pk")).values_list("n", flat=True))
    assert set(per_user) <= {1}, "somebody has two ratings"
    return dict(rows.values_list("user_id", "value"))


def test_twenty_people_rating_at_once_are_all_counted():
    proposal = ProposalFactory(process=open_process())
    users = UserFactory.create_batch(20, verified=False)
    values = [1 + index % 5 for index in range(20)]
    run_in_threads(
        [rate_job(user.pk, proposal.pk, value) for user, value in zip(users, values, strict=True)]
    )
    ratings = assert_counters_match_rows(proposal)
    assert ratings == {user.pk: value for user, value in zip(users, values, strict=True)}
    assert (proposal.rating_count, proposal.rating_sum) == (20, 60)


def test_twenty_ratings_through_the_page_at_once_are_all_counted():
    proposal = ProposalFactory(process=open_process())
    users = UserFactory.create_batch(20, verified=False)
    run_in_threads([rate_as_the_page_does_job(user.pk, proposal.pk, 4) for user in users])
    assert_counters_match_rows(proposal)
    assert (proposal.rating_count, proposal.rating_sum) == (20, 80)


def test_a_target_locked_in_an_earlier_transaction_is_read_again():
    proposal = ProposalFactory(process=open_process())
    with transaction.atomic():
        target = services.locked_target(Proposal.objects.select_related("process"), pk=proposal.pk)
    # Decided after that transaction ended: the lock is gone, the object is stale.
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.ADOPTED)
    with pytest.raises(PermissionDenied):
        services.rate(user=UserFactory(verified=False), target=target, value=4)
    assert not Rating.objects.exists()


def test_the_same_person_rating_twice_at_once_keeps_one_rating():
    process = open_process()
    user = UserFactory(verified=False)
    proposals = ProposalFactory.create_batch(10, process=process)
    for proposal in proposals:
        run_in_threads([rate_job(user.pk, proposal.pk, 2), rate_job(user.pk, proposal.pk, 5)])
        ratings = assert_counters_match_rows(proposal)
        assert list(ratings) == [user.pk]
        assert ratings[user.pk] in {2, 5}
        assert proposal.rating_count == 1


def test_ratings_changes_and_withdrawals_at_once_leave_exact_counters():
    proposal = ProposalFactory(process=open_process())
    users = UserFactory.create_batch(8, verified=False)
    jobs = [
        job
        for step, user in enumerate(users)
        for job in (
            rate_job(user.pk, proposal.pk, 1 + step % 5),
            withdraw_job(user.pk, proposal.pk),
            rate_job(user.pk, proposal.pk, 5 - step % 5),
        )
    ]
    run_in_threads(jobs)
    assert_counters_match_rows(proposal)


def test_concurrent_reference_numbers_are_distinct_and_gap_free():
    def job():
        with transaction.atomic():  # as in the services: the sequence row stays locked
            return next_reference("VS", year=2031)

    references = run_in_threads([job] * 20)
    assert sorted(references) == [f"VS-2031-{n:04d}" for n in range(1, 21)]
