"""In CI a real Celery worker on Redis builds a workshop dossier end to end.

The worker is another process: it reads the test database (committed rows, hence a
transactional test) and writes to the same private media directory as this process.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ideas import tasks
from ideas.exports import services
from ideas.models import DossierExport
from lohmar_portal.celery import app

from .factories import workshop_data
from .helpers import csv_rows, file_of, pdf_text, xlsx

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _test_database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    queue = f"test-exports-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lohmar_portal.settings",
        "DATABASE_URL": _test_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
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
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while "ready." not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"worker did not start:\n{log.read_text()}"
        time.sleep(0.2)
    yield queue, log
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def test_a_real_worker_builds_the_workshop_dossier(worker):
    queue, log = worker
    process, (best, *_rest) = workshop_data()
    export = services.request_export(
        actor=None,
        kind="workshop",
        formats=["pdf", "xlsx", "csv"],
        process=process,
        anonymise=True,
        enqueue=False,
    )
    app.conf.task_always_eager = False
    try:
        result = tasks.build_export.apply_async((export.pk,), queue=queue)
        assert result.get(timeout=90) == "ready", log.read_text()
    finally:
        app.conf.task_always_eager = True
    assert result.id in log.read_text()  # the worker process built it, not this one
    export.refresh_from_db()
    assert export.state == DossierExport.State.READY
    assert "Freies WLAN im Rathaus" in pdf_text(file_of(export, "pdf"))
    assert xlsx(file_of(export, "xlsx"))["Vorschläge"].max_row == 4
    assert csv_rows(file_of(export, "csv"))[1][0] == best.reference
