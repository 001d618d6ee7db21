"""A worker killed during an export: the redelivered task takes the job over at once instead of
skipping it until it is stale (found by `bench/faults.py worker-kill`; issue 8, 4c).

A build holds a PostgreSQL advisory lock for its job; the lock dies with the worker's
connection, so a running job whose lock is free was left by a dead worker.
"""

import psycopg
import pytest
from django.db import connection

from ideas.exports import services
from ideas.models import DossierExport
from tests.exports.factories import rated_proposal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

State = DossierExport.State


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PORTAL_BASE_URL = "https://portal.example"


def left_running() -> DossierExport:
    """A job a worker claimed and started (a fresh heartbeat), as it is when the worker dies."""
    export = services.request_export(
        actor=None,
        kind=DossierExport.Kind.WORKSHOP,
        formats=["csv"],
        process=rated_proposal().process,
        enqueue=False,
    )
    assert services.claim(export.pk)
    return export


def other_worker() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )


def test_a_job_left_by_a_dead_worker_is_taken_over_at_once():
    export = left_running()
    assert services.build(export.pk) is not None  # the redelivered task
    export.refresh_from_db()
    assert (export.state, export.attempts) == (State.READY, 2)


def test_a_job_a_live_worker_is_building_is_left_to_it():
    export = left_running()
    building = other_worker()
    try:
        building.execute("SELECT pg_advisory_lock(%s, %s)", (services.BUILD_LOCK, export.pk))
        assert services.build(export.pk) is None  # a duplicate task: nothing twice
        export.refresh_from_db()
        assert (export.state, export.attempts) == (State.RUNNING, 1)
        # That worker dies: its lock goes with its server process. Closing the connection would
        # leave the process a moment to end, so kill it and wait (up to 5 s) until it is gone.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [building.info.backend_pid])
            assert cursor.fetchone()[0]
    finally:
        building.close()
    assert services.build(export.pk) is not None
    export.refresh_from_db()
    assert export.state == State.READY


def test_a_finished_build_leaves_no_lock_behind():
    export = left_running()
    services.build(export.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            # This export's lock in this test database (other test processes build theirs).
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND database = (SELECT oid FROM pg_database "
            "WHERE datname = current_database())",
            [services.BUILD_LOCK, export.pk],
        )
        assert cursor.fetchone()[0] == 0
