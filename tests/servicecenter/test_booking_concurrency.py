"""A slot is never booked twice, even by requests at the same moment (PostgreSQL).

Every thread works on its own database connection, like parallel requests in gunicorn workers;
a barrier releases them together. The partial unique index `one_booking_per_slot` decides.
"""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from servicecenter import booking
from servicecenter.models import Appointment, MobileOfficeStop
from tests.factories import StaffFactory
from tests.servicecenter.booking_support import at, make_stop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Status = Appointment.Status


def run_at_once(jobs: list[Callable[[], object]]) -> list[object]:
    """Each job's result, or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as error:  # the test inspects it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs (deadlock?)"
    return results


def booking_job(stop_pk: int, clock: str, index: int) -> Callable[[], object]:
    def job():
        stop = MobileOfficeStop.objects.get(pk=stop_pk)
        return booking.book(
            stop=stop,
            starts_at=at(stop.date, clock),
            name=f"Person {index}",
            email=f"person{index}@example.org",
        )

    return job


def coming_stop() -> MobileOfficeStop:
    return make_stop(day=timezone.localdate() + timedelta(days=7))


def test_two_people_booking_the_same_slot_at_once_one_gets_it():
    stop = coming_stop()
    results = run_at_once([booking_job(stop.pk, "10:00", index) for index in range(2)])
    won = [result for result in results if isinstance(result, Appointment)]
    lost = [result for result in results if isinstance(result, booking.SlotTaken)]
    assert (len(won), len(lost)) == (1, 1), results
    assert lost[0].messages == [
        "Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen."
    ]
    assert list(Appointment.objects.values_list("pk", "status")) == [(won[0].pk, Status.BOOKED)]


def test_ten_requests_for_one_slot_book_it_once_and_other_slots_stay_apart():
    stop = coming_stop()
    jobs = [booking_job(stop.pk, "09:30", index) for index in range(10)]
    jobs += [booking_job(stop.pk, f"11:{minute:02d}", 10 + i) for i, minute in enumerate((0, 15))]
    results = run_at_once(jobs)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(error, booking.SlotTaken) for error in errors), errors
    assert len(errors) == 9
    booked = Appointment.objects.filter(stop=stop, status=Status.BOOKED)
    assert sorted(timezone.localtime(a.starts_at).strftime("%H:%M") for a in booked) == [
        "09:30",
        "11:00",
        "11:15",
    ]


def test_a_cancelled_slot_can_be_taken_again_by_one_of_two():
    stop = coming_stop()
    first = booking.book(
        stop=stop, starts_at=at(stop.date, "10:00"), name="Erste", email="e@example.org"
    )
    booking.cancel(appointment=first, token=first.cancel_token)
    results = run_at_once([booking_job(stop.pk, "10:00", index) for index in range(2)])
    assert sum(isinstance(result, Appointment) for result in results) == 1
    assert Appointment.objects.filter(stop=stop, status=Status.BOOKED).count() == 1
    assert Appointment.objects.filter(stop=stop, status=Status.CANCELLED).count() == 1


def test_no_booking_slips_in_while_a_stop_is_called_off():
    stop = coming_stop()
    staff = StaffFactory(is_superuser=True)
    clocks = ["09:00", "09:15", "09:30", "09:45", "10:00"]
    jobs = [booking_job(stop.pk, clock, index) for index, clock in enumerate(clocks)]
    jobs.append(lambda: booking.cancel_stop(actor=staff, stop=stop, reason="Sturmwarnung"))
    run_at_once(jobs)
    stop.refresh_from_db()
    assert stop.is_cancelled
    # Bookings before the cancellation were cancelled with it, later ones were refused.
    assert not Appointment.objects.filter(stop=stop, status=Status.BOOKED).exists()
