"""A task travels through Redis to a real worker process and its result comes back."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from lohmar_portal import tasks
from lohmar_portal.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """A Celery worker on its own queue, so no other worker can answer for it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lohmar_portal",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                queue,
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "lohmar_portal.settings"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while "ready." not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"worker did not start:\n{log.read_text()}"
        time.sleep(0.2)
    yield queue, process, log
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


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
