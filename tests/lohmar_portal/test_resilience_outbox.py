"""Redis away: saving still works, queued work waits in the outbox and runs once the broker is
back, nothing lost and nothing done twice (issue 8, 4b).

`broker` stands in for Celery's publishing: down (kombu's OperationalError, as with Redis
stopped) or up (messages recorded). For the work itself to run, a test switches back to
in-process tasks and flushes the outbox.
"""

import re
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.app.task import Task
from celery.exceptions import Retry
from celery.signals import worker_ready
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from kombu.exceptions import OperationalError as BrokerError

from defects.models import DefectReport
from lohmar_portal import outbox
from lohmar_portal.celery import app
from lohmar_portal.models import QueuedTask, SentEmail
from lohmar_portal.tasks import enqueue, send_email
from participation.models import Rating
from servicecenter.models import Ticket
from tests.defects.conftest import IN_LOHMAR, make_category
from tests.factories import UserFactory
from tests.ideas.conftest import make_process, make_proposal

ROOT = Path(__file__).resolve().parents[2]
State = QueuedTask.State


class FakeBroker:
    def __init__(self) -> None:
        self.up = False
        self.sent: list[tuple[str, list, dict, str]] = []
        self.lock = threading.Lock()
        self.delay = 0.0


@pytest.fixture
def broker(monkeypatch):
    fake = FakeBroker()
    real = Task.apply_async

    def apply_async(task, args=None, kwargs=None, **options):
        if task.app.conf.task_always_eager:
            return real(task, args, kwargs, **options)
        if not fake.up:
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        time.sleep(fake.delay)
        with fake.lock:
            fake.sent.append(
                (task.name, list(args or ()), dict(kwargs or {}), options.get("task_id"))
            )

    monkeypatch.setattr(Task, "apply_async", apply_async)
    app.conf.task_always_eager = False
    yield fake
    app.conf.task_always_eager = True


def run_in_process() -> None:
    """The worker side: from here on, sent tasks run in this process."""
    app.conf.task_always_eager = True


def queue_mail(**fields) -> None:
    with transaction.atomic():
        enqueue(
            send_email, subject="Ihre Meldung", body="Danke.", to=["anna@example.org"], **fields
        )


# --- The outbox ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_task_the_broker_refuses_waits_in_the_outbox(broker):
    queue_mail()  # no error reaches the caller: what it saved is saved
    row = QueuedTask.objects.get()
    assert row.task_name == "lohmar_portal.tasks.send_email"
    assert row.args == []
    assert row.kwargs == {"subject": "Ihre Meldung", "body": "Danke.", "to": ["anna@example.org"]}
    assert (row.state, row.attempts) == (State.WAITING, 1)
    assert "Connection refused" in row.last_error
    assert row.task_id
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_before_the_commit_nor_kept_after_a_rollback(broker):
    broker.up = True
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        enqueue(send_email, subject="s", body="b", to=["a@example.org"])
        assert QueuedTask.objects.get().state == State.WAITING  # written with the transaction
        assert broker.sent == []
        raise ZeroDivisionError
    assert not QueuedTask.objects.exists()
    assert broker.sent == []


@pytest.mark.django_db(transaction=True)
def test_a_task_is_sent_at_the_commit_and_marked_sent(broker):
    broker.up = True
    queue_mail()
    row = QueuedTask.objects.get()
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 1, "")
    assert row.sent_at is not None
    assert [(sent[0], sent[3]) for sent in broker.sent] == [(row.task_name, row.task_id)]
    assert outbox.flush() == {"sent": 0, "failed": 0, "waiting": 0}
    assert len(broker.sent) == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_process_died_after_the_commit_is_sent_by_the_flush(broker, monkeypatch):
    """The process is killed between its commit and the send: the committed row remains."""
    with monkeypatch.context() as dying:
        dying.setattr(outbox, "publish", lambda task, row: None)
        queue_mail()
    row = QueuedTask.objects.get()
    assert (row.state, row.attempts) == (State.WAITING, 0)
    broker.up = True
    # Within the grace its own request may still be sending it: left alone.
    assert outbox.flush() == {"sent": 0, "failed": 0, "waiting": 1}
    assert broker.sent == []
    QueuedTask.objects.update(created_at=row.created_at - outbox.GRACE - timedelta(seconds=1))
    assert outbox.flush() == {"sent": 1, "failed": 0, "waiting": 0}
    assert [sent[3] for sent in broker.sent] == [row.task_id]
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 1)


@pytest.mark.django_db(transaction=True)
def test_a_row_the_flush_took_first_is_not_marked_again_by_its_request(broker):
    """The flush and the late request both send: same task id (the task recognises it), and
    the request does not overwrite the flush's mark."""
    broker.up = True
    with transaction.atomic():
        enqueue(send_email, subject="s", body="b", to=["a@example.org"])
        row = QueuedTask.objects.get()
    flushed = QueuedTask.objects.get()
    assert flushed.state == State.SENT
    QueuedTask.objects.update(attempts=2, last_error="vom Ausgang gesendet")
    outbox.publish(send_email, row)  # the request's send arriving late
    flushed.refresh_from_db()
    assert (flushed.attempts, flushed.last_error) == (2, "vom Ausgang gesendet")


@pytest.mark.django_db(transaction=True)
def test_the_flush_sends_each_waiting_task_once_with_its_task_id(broker):
    queue_mail()
    queue_mail(html="<p>Danke.</p>")
    broker.up = True
    assert outbox.flush() == {"sent": 2, "failed": 0, "waiting": 0}
    rows = list(QueuedTask.objects.order_by("pk"))
    assert [sent[3] for sent in broker.sent] == [row.task_id for row in rows]
    assert broker.sent[1][2]["html"] == "<p>Danke.</p>"
    assert all(row.state == State.SENT and row.sent_at and row.attempts == 2 for row in rows)
    assert outbox.flush() == {"sent": 0, "failed": 0, "waiting": 0}
    assert len(broker.sent) == 2


@pytest.mark.django_db(transaction=True)
def test_the_flush_stops_while_the_broker_is_still_away(broker):
    queue_mail()
    queue_mail()
    assert outbox.flush() == {"sent": 0, "failed": 0, "waiting": 2}
    first, second = QueuedTask.objects.order_by("pk")
    assert (first.state, first.attempts) == (State.WAITING, 2)
    assert (second.state, second.attempts) == (State.WAITING, 1)  # not tried: the broker is away
    assert broker.sent == []


@pytest.mark.django_db(transaction=True)
def test_a_task_unknown_to_this_version_is_given_up_not_retried_forever(broker):
    QueuedTask.objects.create(task_name="gone.tasks.renamed", task_id="t-gone", attempts=1)
    queue_mail()
    broker.up = True
    assert outbox.flush() == {"sent": 1, "failed": 1, "waiting": 0}
    gone = QueuedTask.objects.get(task_id="t-gone")
    assert gone.state == State.FAILED
    assert "unknown task" in gone.last_error


@pytest.mark.django_db(transaction=True)
def test_queued_e_mails_arrive_once_when_the_worker_runs_them(broker):
    queue_mail()
    run_in_process()
    assert outbox.flush()["sent"] == 1
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    # The commit that marked it sent is lost (a crash): the task is sent once more...
    QueuedTask.objects.update(state=State.WAITING)
    assert outbox.flush()["sent"] == 1
    assert len(mail.outbox) == 1  # ...and its e-mail is not sent again: same task id
    assert SentEmail.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_flushes_at_once_send_every_task_once(broker):
    for _ in range(20):
        queue_mail()
    broker.up = True
    broker.delay = 0.01  # each send takes a moment: the flushes overlap
    results = []

    def flush():
        try:
            results.append(outbox.flush(batch=5))
        finally:
            connection.close()

    threads = [threading.Thread(target=flush) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    task_ids = [sent[3] for sent in broker.sent]
    assert len(task_ids) == len(set(task_ids)) == 20
    assert sum(result["sent"] for result in results) == 20
    assert all(result["sent"] for result in results)  # both took part
    assert not QueuedTask.objects.filter(state=State.WAITING).exists()


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_sends_the_outbox(broker):
    queue_mail()
    broker.up = True
    worker_ready.send(sender=None)
    assert QueuedTask.objects.get().state == State.SENT
    assert len(broker.sent) == 1


def test_the_outbox_is_sent_every_minute_and_when_a_worker_reconnects(broker):
    entry = app.conf.beat_schedule["flush-outbox"]
    assert entry["task"] == "lohmar_portal.tasks.flush_outbox"
    assert entry["schedule"] == 60.0
    assert outbox.FlushOnReconnect in app.steps["consumer"]
    broker.up = True
    step = outbox.FlushOnReconnect(SimpleNamespace())
    step.start(SimpleNamespace(restart_count=0))  # first connection: worker_ready sends
    assert broker.sent == []
    step.start(SimpleNamespace(restart_count=1))  # the broker is back after a loss
    assert [sent[0] for sent in broker.sent] == ["lohmar_portal.tasks.flush_outbox"]


# --- E-mails are sent once per task -------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_delivered_twice_sends_its_e_mail_once():
    fields = {"subject": "Bestätigung", "body": "b", "to": ["ben@example.org"]}
    send_email.apply(kwargs=fields, task_id="task-1")
    send_email.apply(kwargs=fields, task_id="task-1")  # redelivered after a lost worker
    assert len(mail.outbox) == 1
    send_email.apply(kwargs=fields, task_id="task-2")  # another task: another e-mail
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_failed_send_leaves_no_mark_so_the_retry_sends(monkeypatch):
    real = EmailMultiAlternatives.send
    calls = []

    def flaky(self, fail_silently=False):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionRefusedError("the mail server is away")
        return real(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    fields = {"subject": "s", "body": "b", "to": ["c@example.org"]}
    with pytest.raises(Retry):  # the task asks to be run again later (with the same id)
        send_email.apply(kwargs=fields, task_id="t-3")
    assert mail.outbox == []
    assert not SentEmail.objects.exists()
    send_email.apply(kwargs=fields, task_id="t-3")  # the retry
    assert len(calls) == 2
    assert len(mail.outbox) == 1
    assert SentEmail.objects.count() == 1


@pytest.mark.django_db
def test_a_direct_call_outside_a_task_simply_sends():
    send_email(subject="s", body="b", to=["d@example.org"])
    send_email(subject="s", body="b", to=["d@example.org"])
    assert len(mail.outbox) == 2
    assert not SentEmail.objects.exists()


@pytest.mark.django_db
def test_without_a_broker_tasks_still_run_right_after_the_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail()
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    assert not QueuedTask.objects.exists()


# --- The apps save and queue through the outbox -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reports_tickets_and_ratings_are_saved_with_the_broker_away(client, broker):
    category = make_category()
    response = client.post(
        "/maengel/melden/",
        {
            "category": category.pk,
            "description": "Die Laterne vor Hausnummer 12 ist dunkel.",
            "latitude": f"{IN_LOHMAR[0]:.6f}",
            "longitude": f"{IN_LOHMAR[1]:.6f}",
            "email": "anna@example.org",
            "duplicates_checked": "1",
        },
    )
    assert response.status_code == 302
    report = DefectReport.objects.get()
    confirmation = QueuedTask.objects.get(task_name="defects.tasks.send_confirmation")
    assert confirmation.args[0] == report.pk

    citizen = UserFactory(email="ben@example.org")
    client.force_login(citizen)
    response = client.post(
        "/service/anliegen/neu/", {"subject": "Ummeldung", "text": "Ich bin umgezogen."}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    receipt = QueuedTask.objects.get(task_name="servicecenter.tasks.send_receipt")
    assert receipt.args == [ticket.pk]

    proposal = make_proposal(process=make_process())
    response = client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "5"})
    assert response.status_code == 302
    assert Rating.objects.get(user=citizen).value == 5
    assert mail.outbox == []

    # Redis is back and the worker runs what waited: each e-mail once.
    run_in_process()
    assert outbox.flush() == {"sent": 2, "failed": 0, "waiting": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.org", "ben@example.org"]
    confirmation_mail = next(m for m in mail.outbox if m.to == [report.reporter_email])
    assert report.reference in confirmation_mail.subject


APPS = ["lohmar_portal", "participation", "ideas", "defects", "servicecenter"]


def test_the_apps_queue_tasks_only_through_enqueue():
    """`.delay()` or `.apply_async()` in app code would bypass the outbox (and the commit)."""
    offenders = []
    for app_name in APPS:
        for path in (ROOT / app_name).rglob("*.py"):
            if path.name == "outbox.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"\.(delay|apply_async)\(", line) and not line.lstrip().startswith(
                    "#"
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


# --- The outbox in the admin --------------------------------------------------------------------


@pytest.mark.django_db
def test_administrators_see_the_outbox_without_arguments_and_send_it_again():
    from tests.factories import UserFactory as Users
    from tests.staff_clients import client_for, with_mfa

    failed = QueuedTask.objects.create(
        task_name="lohmar_portal.tasks.send_email",
        task_id="t-failed",
        kwargs={"subject": "Ihr Anliegen", "body": "b", "to": ["geheim@example.org"]},
        state=State.FAILED,
        attempts=3,
        last_error="SMTPServerDisconnected",
    )
    admin = client_for(with_mfa(Users(is_staff=True, is_superuser=True)))
    page = admin.get("/admin/lohmar_portal/queuedtask/")
    assert page.status_code == 200
    assert "t-failed" in page.content.decode()
    detail = admin.get(f"/admin/lohmar_portal/queuedtask/{failed.pk}/change/").content.decode()
    assert "SMTPServerDisconnected" in detail
    assert "geheim@example.org" not in detail  # the arguments are not shown
    assert admin.get("/admin/lohmar_portal/queuedtask/add/").status_code == 403

    response = admin.post(
        "/admin/lohmar_portal/queuedtask/",
        {"action": "send_again", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert "1 wieder eingereiht; gesendet: 1, wartend: 0." in response.content.decode()
    failed.refresh_from_db()
    assert failed.state == State.SENT
    assert [m.to for m in mail.outbox] == [["geheim@example.org"]]

    moderator = client_for(with_mfa(Users(is_staff=True)))
    assert moderator.get("/admin/lohmar_portal/queuedtask/").status_code == 403


# --- A broker that hangs ------------------------------------------------------------------------


def test_the_broker_connection_has_timeouts_longer_than_the_workers_wait(settings):
    options = app.conf.broker_transport_options
    assert options == settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] > app.conf.task_time_limit
    assert 0 < options["socket_connect_timeout"] <= 2
    # Workers wait up to a second (BRPOP) for new tasks: a shorter timeout would break them.
    assert 1 < options["socket_timeout"] <= 10


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_never_answers_costs_the_timeout_and_the_task_waits(silent_server):
    from celery import Celery

    # An app of its own that never becomes the current one: the portal's tasks stay on theirs.
    hanging = Celery(
        "hanging",
        broker=f"redis://127.0.0.1:{silent_server}/0",
        broker_transport_options={"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
        set_as_current=False,
    )

    @hanging.task(name="tests.hanging_probe", shared=False)
    def probe():
        raise AssertionError("never run")

    row = QueuedTask.objects.create(task_name=probe.name, task_id="t-hanging")
    started = time.monotonic()
    try:
        outbox.publish(probe, row)  # no error reaches the caller
    finally:
        hanging.close()
    assert time.monotonic() - started < 5  # not Redis' default of waiting forever
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.WAITING, 1)
    assert "imeout" in row.last_error
