"""The export job's life: queued, running, ready or failed, retried, re-queued, expired."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ideas import tasks
from ideas.exports import services, storage, workshop
from ideas.models import DossierExport
from participation.models import Phase
from tests.factories import StaffFactory
from tests.participation.factories import ProcessFactory

from .factories import exporter, rated_proposal, workshop_data
from .helpers import file_of

pytestmark = pytest.mark.django_db

State = DossierExport.State


def request(process=None, actor=None, formats=("csv",), **kwargs):
    return services.request_export(
        actor=actor,
        kind=DossierExport.Kind.WORKSHOP,
        formats=formats,
        process=process,
        enqueue=False,
        **kwargs,
    )


def test_the_task_builds_the_files_and_emails_the_requester(django_capture_on_commit_callbacks):
    process, _ = workshop_data()
    staff = exporter(email="planung@lohmar.example")
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(
            actor=staff, kind="workshop", formats=["csv", "xlsx"], process=process
        )
    export.refresh_from_db()
    assert export.state == State.READY
    assert export.attempts == 1
    assert set(export.files) == {"csv", "xlsx"}
    assert file_of(export, "csv").exists()
    assert export.expires_at > timezone.now() + timedelta(days=13)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["planung@lohmar.example"]
    assert f"https://portal.example/admin/ideas/dossierexport/{export.pk}/change/" in (
        mail.outbox[0].body
    )


def test_people_without_the_permission_cannot_start_an_export():
    with pytest.raises(PermissionDenied):
        request(actor=StaffFactory())


def test_a_job_is_built_once_even_when_its_task_arrives_twice():
    export = request(rated_proposal().process)
    assert services.build(export.pk) is not None
    assert services.build(export.pk) is None  # already ready: nothing to do
    export.refresh_from_db()
    assert export.attempts == 1


def test_a_failure_is_recorded_and_leaves_no_file(monkeypatch):
    export = request(rated_proposal().process, formats=("csv", "xlsx"))

    def broken(scope, target):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"half")  # as if the library died while writing
        raise ValueError("Die Tabelle ist kaputt")

    monkeypatch.setitem(workshop.BUILDERS, "xlsx", broken)
    assert tasks.build_export.delay(export.pk).get() == "failed"
    export.refresh_from_db()
    assert export.state == State.FAILED
    assert "Die Tabelle ist kaputt" in export.error
    assert export.files == {}
    assert not storage.job_dir(export.pk).exists()


def test_a_transient_error_is_retried_and_then_succeeds(monkeypatch):
    export = request(rated_proposal().process)
    real = workshop.BUILDERS["csv"]
    calls = []

    def flaky(scope, target):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        real(scope, target)

    monkeypatch.setitem(workshop.BUILDERS, "csv", flaky)
    tasks.build_export.apply(args=[export.pk])
    export.refresh_from_db()
    assert len(calls) == 2
    assert export.state == State.READY
    assert export.attempts == 2


def test_a_job_left_running_by_a_killed_worker_is_queued_again(
    django_capture_on_commit_callbacks,
):
    export = request(rated_proposal().process)
    assert services.claim(export.pk)
    long_ago = timezone.now() - timedelta(hours=1)
    DossierExport.objects.filter(pk=export.pk).update(heartbeat_at=long_ago, progress=40)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stale() == [export.pk]
    export.refresh_from_db()
    assert export.state == State.READY
    assert export.attempts == 2


def test_a_running_job_with_a_recent_heartbeat_is_left_alone():
    export = request(rated_proposal().process)
    assert services.claim(export.pk)
    assert services.requeue_stale() == []
    assert not services.claim(export.pk)


def test_expired_exports_lose_their_files_but_the_latest_open_data_stays():
    export = request(rated_proposal().process)
    services.build(export.pk)
    path = file_of(export, "csv")
    open_data = services.request_export(
        actor=None, kind="open_data", formats=["csv"], enqueue=False
    )
    services.build(open_data.pk)
    later = timezone.now() + timedelta(days=15)
    assert services.expire_exports(now=later) == 1
    export.refresh_from_db()
    assert export.state == State.EXPIRED
    assert export.files == {}
    assert not path.exists()
    open_data.refresh_from_db()
    assert open_data.state == State.READY


def test_the_dossier_is_built_when_the_phase_before_a_workshop_ends(
    django_capture_on_commit_callbacks,
):
    process, _ = workshop_data()
    idea_phase = Phase.objects.get(process=process, name="Ideensammlung")
    after = idea_phase.ends_at + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        created = services.dossiers_after_phases(now=after)
    assert [e.process for e in created] == [process]
    assert created[0].trigger == f"phase:{idea_phase.pk}"
    created[0].refresh_from_db()
    assert created[0].state == State.READY
    assert set(created[0].files) == {"pdf", "xlsx", "csv"}
    assert services.dossiers_after_phases(now=after) == []  # only once


def test_export_files_have_no_public_url():
    with pytest.raises(SuspiciousFileOperation):
        storage.storage().url("1/dossier.pdf")


def test_the_query_count_does_not_grow_with_the_number_of_proposals():
    counts = []
    for n in (1, 20):
        process = ProcessFactory()
        for i in range(n):
            rated_proposal(process=process, ratings=[4, 5], comments=[f"Kommentar {i}", "Ja"])
        export = request(process, formats=("pdf", "xlsx", "csv"))
        with CaptureQueriesContext(connection) as queries:
            services.build(export.pk)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_no_dossier_when_the_following_phase_is_not_a_workshop(django_capture_on_commit_callbacks):
    process, _ = workshop_data()
    Phase.objects.filter(process=process, kind=Phase.Kind.WORKSHOP).update(kind=Phase.Kind.OTHER)
    idea_phase = Phase.objects.get(process=process, name="Ideensammlung")
    with django_capture_on_commit_callbacks(execute=True):
        created = services.dossiers_after_phases(now=idea_phase.ends_at + timedelta(hours=1))
    assert created == []
