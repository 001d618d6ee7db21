"""Queued work that survives a broker outage, and e-mails that a repeated task sends once.

`enqueue(task, *args, **kwargs)` sends a Celery task once the current transaction commits, as
`transaction.on_commit(lambda: task.delay(...))` did. When the broker does not take it, the
task waits in the outbox (`QueuedTask`), with the task id it was given, and `flush` sends it
once the broker answers: when a worker starts or reconnects, and the beat every minute. The
saving that queued it is never undone or failed by the broker being away. (The outbox keeps
what the broker refused; a web process killed between its commit and the send loses that
task. Exports have a safety net of their own: `requeue_stale_exports`.)

Nothing is done twice: a flush locks the rows it sends (others skip them) and marks each sent
in the same transaction. Should the broker receive a task twice all the same (that commit
failing after the send, a worker lost after its work and redelivered), the task id is the same,
and the tasks are safe to repeat: the builds claim their job, photos are processed once, and
e-mails go through `deliver`, which sends one message per task id, recipients and subject.

With `CELERY_TASK_ALWAYS_EAGER` (no broker: development, tests) tasks run in-process at once,
errors propagating, as before.
"""

import hashlib
import logging
from datetime import timedelta
from functools import partial

from celery import bootsteps, uuid
from celery._state import get_current_worker_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

# One quick reconnection (a pooled connection may be stale after a broker restart), no more:
# the request that queued the task waits for this.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
BATCH = 100


def enqueue(task, *args, **kwargs) -> None:
    """Send `task(*args, **kwargs)` after the current transaction commits (at once outside one);
    when the broker is away, keep it in the outbox."""
    transaction.on_commit(partial(publish, task, args, kwargs))


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


def publish(task, args=(), kwargs=None) -> str | None:
    """Send the task now; if that fails, keep it in the outbox. Returns the task id (None when
    run in-process)."""
    kwargs = kwargs or {}
    if task.app.conf.task_always_eager:
        task.apply_async(args, kwargs)
        return None
    task_id = uuid()
    try:
        _send(task, args, kwargs, task_id)
    except Exception as error:
        keep(task.name, args, kwargs, task_id, error)
    return task_id


def keep(name: str, args, kwargs, task_id: str, error: Exception) -> None:
    """Put a task the broker did not take into the outbox."""
    from .models import QueuedTask

    try:
        QueuedTask.objects.create(
            task_name=name,
            task_id=task_id,
            args=list(args),
            kwargs=dict(kwargs),
            attempts=1,
            last_error=_describe(error),
        )
    except Exception:
        log.exception("Task %s[%s] was neither sent nor kept: it is lost.", name, task_id)
        return
    log.warning(
        "Broker unavailable (%s); task %s[%s] waits in the outbox.", _describe(error), name, task_id
    )


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
                .filter(state=QueuedTask.State.WAITING)
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
