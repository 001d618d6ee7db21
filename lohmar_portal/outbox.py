"""Queued work that survives a broker outage or a lost process, and e-mails that a repeated
task sends once.

`enqueue(task, *args, **kwargs)` is a transactional outbox: it writes the task into the outbox
(`QueuedTask`) in the caller's transaction, and sends it to the broker once that transaction
commits, marking its row sent. A rolled-back action queues nothing; a committed one always
leaves its task behind: sent, or waiting when the broker did not take it or the process died
between its commit and the send. `flush` sends what waits: when a worker starts or reconnects,
and the beat every minute. Rows not yet tried are left alone for `GRACE` (their own request is
sending them). The saving that queued a task is never undone or failed by the broker being
away.

Nothing is done twice: a flush locks the rows it sends (others skip them) and marks each sent
in the same transaction. Should the broker receive a task twice all the same (a mark lost after
the send, a worker lost after its work and redelivered), the task id is the same, and the tasks
are safe to repeat: the builds claim their job, photos are processed once, and e-mails go
through `deliver`, which sends one message per task id, recipients and subject.

With `CELERY_TASK_ALWAYS_EAGER` (no broker: development, tests) tasks run in-process at once
after the commit, errors propagating, without an outbox row.
"""

import hashlib
import logging
from datetime import timedelta
from functools import partial

from celery import bootsteps, uuid
from celery._state import get_current_worker_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)

# One quick reconnection (a pooled connection may be stale after a broker restart), no more:
# the request that queued the task waits for this.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
BATCH = 100
# A row its own request has not tried yet is that request's for this long; after it, the
# process is taken to be gone and a flush sends the task.
GRACE = timedelta(seconds=30)


def enqueue(task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` with the current transaction; it is sent once that commits
    (at once outside a transaction) and kept in the outbox until the broker has it."""
    if task.app.conf.task_always_eager:
        transaction.on_commit(partial(task.apply_async, args, kwargs))
        return
    from .models import QueuedTask

    row = QueuedTask.objects.create(
        task_name=task.name, task_id=uuid(), args=list(args), kwargs=dict(kwargs)
    )
    transaction.on_commit(partial(publish, task, row))


def _send(task, args, kwargs, task_id: str) -> None:
    # Nobody waits for these results: ignore_result also spares the web process a
    # subscription to the result backend (which would retry for 20 s on a dead Redis).
    task.apply_async(
        args,
        kwargs,
        task_id=task_id,
        ignore_result=True,
        retry=True,
        retry_policy=PUBLISH_RETRY_POLICY,
    )


def publish(task, row) -> None:
    """Send a committed outbox row's task now and mark it sent; when the broker does not take
    it, the row waits for a flush. Never raises: the caller's work is saved already."""
    from .models import QueuedTask

    try:
        _send(task, row.args, row.kwargs, row.task_id)
    except Exception as error:
        log.warning(
            "Broker unavailable (%s); task %s[%s] waits in the outbox.",
            _describe(error),
            row.task_name,
            row.task_id,
        )
        update = {"attempts": 1, "last_error": _describe(error)}
    else:
        update = {"attempts": 1, "state": QueuedTask.State.SENT, "sent_at": timezone.now()}
    try:
        # Only while it still waits untried: a flush may have taken it meanwhile.
        QueuedTask.objects.filter(pk=row.pk, state=QueuedTask.State.WAITING, attempts=0).update(
            **update
        )
    except Exception:
        # The database is away: the row stays untried and a flush sends it (again, by the
        # same task id, which the tasks recognise).
        log.exception("Outbox row of task %s[%s] not updated.", row.task_name, row.task_id)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def flush(batch: int = BATCH) -> dict[str, int]:
    """Send what waits in the outbox, oldest first, until it is empty or the broker fails.

    Returns counts: sent, failed (task unknown, or its in-process run failed) and waiting.
    """
    from .models import QueuedTask

    counts = {"sent": 0, "failed": 0}
    broker_down = False
    while not broker_down:
        with transaction.atomic():
            rows = list(
                QueuedTask.objects.select_for_update(skip_locked=True)
                .filter(due_for_flush())
                .order_by("pk")[:batch]
            )
            for row in rows:
                _send_row(row)
                if row.state == QueuedTask.State.WAITING:
                    broker_down = True
                    break
                counts["sent" if row.state == QueuedTask.State.SENT else "failed"] += 1
        if not rows:
            break
    counts["waiting"] = QueuedTask.objects.filter(state=QueuedTask.State.WAITING).count()
    if counts["sent"] or counts["failed"]:
        log.info("Outbox: %(sent)d sent, %(failed)d failed, %(waiting)d waiting.", counts)
    _forget_old()
    return counts


def due_for_flush() -> Q:
    """Waiting rows that were tried, or that their own request left untried for too long."""
    from .models import QueuedTask

    waiting = Q(state=QueuedTask.State.WAITING)
    return waiting & (Q(attempts__gt=0) | Q(created_at__lt=timezone.now() - GRACE))


def _send_row(row) -> None:
    """Send one locked outbox row and save its new state: sent; waiting still (the broker is
    away); failed (unknown task, or its in-process run failed: repeating will not help)."""
    from .celery import app
    from .models import QueuedTask

    eager = app.conf.task_always_eager
    row.attempts += 1
    task = app.tasks.get(row.task_name)
    try:
        if task is None:
            raise LookupError(f"unknown task {row.task_name}")
        if eager:
            task.apply_async(row.args, row.kwargs, task_id=row.task_id)
        else:
            _send(task, row.args, row.kwargs, row.task_id)
    except Exception as error:
        row.last_error = _describe(error)
        if eager or task is None:
            row.state = QueuedTask.State.FAILED
            log.error("Outbox task %s[%s] failed: %s", row.task_name, row.task_id, error)
        row.save(update_fields=["attempts", "last_error", "state"])
        return
    row.state = QueuedTask.State.SENT
    row.sent_at = timezone.now()
    row.save(update_fields=["attempts", "state", "sent_at"])


class FlushOnReconnect(bootsteps.StartStopStep):
    """A worker's consumer step: when its connection to the broker is back after a loss, the
    outbox is sent at once (by a worker, through the flush task) instead of at the next beat."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer) -> None:
        if consumer.restart_count < 1:  # 0 on the first connection (`worker_ready` flushes)
            return
        from .tasks import flush_outbox

        try:
            flush_outbox.apply_async(expires=55, ignore_result=True)
        except Exception as error:  # lost again already: the next reconnection tries again
            log.warning("Outbox flush not requested after reconnecting: %s", error)


def _forget_old() -> None:
    from .models import QueuedTask, SentEmail

    limit = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS)
    QueuedTask.objects.filter(state=QueuedTask.State.SENT, sent_at__lt=limit).delete()
    SentEmail.objects.filter(sent_at__lt=limit).delete()


def delivery_key(task_id: str, message) -> str:
    recipients = sorted({*message.to, *message.cc, *message.bcc})
    return hashlib.sha256("\n".join([task_id, message.subject, *recipients]).encode()).hexdigest()


def deliver(message) -> bool:
    """Send an e-mail message; within a task, only once per task id, recipients and subject.

    The mark is written in the transaction around the sending: a failed send (retried later)
    leaves none, and a second run of the same task waits for the first and then sends nothing.
    Outside a task (a direct call) the message is simply sent. Returns whether it was sent.
    """
    from .models import SentEmail

    task = get_current_worker_task()
    task_id = task.request.id if task is not None else None
    if not task_id:
        message.send()
        return True
    with transaction.atomic():
        _mark, created = SentEmail.objects.get_or_create(key=delivery_key(task_id, message))
        if not created:
            log.info("E-mail %r of task %s was sent before; not again.", message.subject, task_id)
            return False
        message.send()
    return True
