"""A task travels through Redis to a real worker process and its result comes back."""

from pathlib import Path

import pytest

from lohmar_portal import tasks
from lohmar_portal.celery import app
from tests.celery_worker import celery_worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    with celery_worker(tmp_path) as started:
        yield started


@pytest.mark.redis
def test_task_goes_through_redis_to_a_worker_and_back(worker):
    queue, process, log = worker
    app.conf.task_always_eager = False
    try:
        result = tasks.ping.apply_async(queue=queue)
        assert result.get(timeout=20) == "pong"
    finally:
        app.conf.task_always_eager = True
    assert result.id in log.read_text()  # the worker process, not this one, ran it
    assert process.poll() is None
