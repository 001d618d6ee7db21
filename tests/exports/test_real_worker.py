"""In CI a real Celery worker on Redis builds a workshop dossier end to end.

The worker is another process: it reads the test database (committed rows, hence a
transactional test) and writes to the same private media directory as this process.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ideas import tasks
from ideas.exports import services
from ideas.models import DossierExport
from lohmar_portal.celery import app
from tests.celery_worker import celery_worker

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
    with celery_worker(
        tmp_path,
        DATABASE_URL=_test_database_url(),
        PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
        PORTAL_BASE_URL=settings.PORTAL_BASE_URL,
        CELERY_TASK_ALWAYS_EAGER="0",
    ) as (queue, _process, log):
        yield queue, log


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
