"""A real Celery worker process for tests that prove the broker path (needs Redis)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from celery.result import _set_task_join_will_block

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def celery_worker(log_dir: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """Start a worker on a queue of its own (no other worker answers for it); stop it after.

    Yields the queue name, the process and its log. `env` adds to or overrides the
    environment (for example DATABASE_URL of the test database).
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = log_dir / f"worker-{queue}.log"
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
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "lohmar_portal.settings", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # Celery keeps "inside a task" in one process-wide flag. Eager tasks run by the live server's
    # threads at the same time can leave it set (each restores what it saw on entry), and then
    # this test's result.get() would be refused as a call from within a task: it is not one.
    _set_task_join_will_block(False)
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"worker did not start:\n{log.read_text()}"
            time.sleep(0.2)
        yield queue, process, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
