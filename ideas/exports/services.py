"""Every write of export jobs: request, build, fail, expire, re-queue, and the council decision.

A job moves queued → running → ready | failed (→ expired). The build claims the job with a
conditional UPDATE, so a task delivered twice builds it once; files are written beside their
final name and renamed when complete, and the job is marked ready only after all of them.
"""

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lohmar_portal.models import User
from lohmar_portal.tasks import enqueue
from participation.models import Phase, Process
from participation.permissions import can_moderate

from .. import services as ideas_services
from ..models import DossierExport, Pillar, Proposal
from . import conf, council, opendata, storage, workshop
from .permissions import can_request_export

log = logging.getLogger(__name__)

Kind = DossierExport.Kind
State = DossierExport.State

FORMATS = {
    Kind.WORKSHOP: ["pdf", "xlsx", "csv"],
    Kind.COUNCIL: ["docx", "pdf"],
    Kind.OPEN_DATA: ["csv", "json"],
}
BUILDERS = {
    Kind.WORKSHOP: workshop.BUILDERS,
    Kind.COUNCIL: council.BUILDERS,
    Kind.OPEN_DATA: opendata.BUILDERS,
}
SCOPES = {
    Kind.WORKSHOP: workshop.Scope,
    Kind.COUNCIL: council.Scope,
    Kind.OPEN_DATA: opendata.Scope,
}


def file_name(export: DossierExport, fmt: str) -> str:
    stem = {
        Kind.WORKSHOP: "workshop-dossier",
        Kind.COUNCIL: "beschlussvorlage",
        Kind.OPEN_DATA: "vorschlaege-offene-daten",
    }[export.kind]
    process = export.process.slug if export.process_id else "alle"
    if export.kind == Kind.OPEN_DATA:
        return f"{stem}.{fmt}"
    return f"{stem}-{process}-{export.pk}.{fmt}"


def check_formats(kind: str, formats: Iterable[str]) -> list[str]:
    formats = [f.strip().lower() for f in formats if f.strip()]
    allowed = FORMATS[kind]
    unknown = [f for f in formats if f not in allowed]
    if unknown or not formats:
        raise ValidationError(
            {
                "formats": _("Unbekanntes Format: %(unknown)s. Möglich sind: %(allowed)s.")
                % {"unknown": ", ".join(unknown) or "–", "allowed": ", ".join(allowed)}
            }
        )
    return sorted(set(formats), key=allowed.index)


@transaction.atomic
def request_export(
    *,
    actor: User | None,
    kind: str,
    formats: Sequence[str],
    process: Process | None = None,
    pillars: Sequence[Pillar] = (),
    statuses: Sequence[str] = (),
    created_from: date | None = None,
    created_until: date | None = None,
    anonymise: bool = True,
    proposal_ids: Sequence[int] | None = None,
    subject: str = "",
    proposed_resolution: str = "",
    trigger: str = "",
    enqueue: bool = True,
) -> DossierExport:
    """Record an export job and queue its build after the commit.

    `actor` None is the system (the command line, a beat job); people need the add permission.
    """
    if actor is not None and not can_request_export(actor):
        raise PermissionDenied(_("Sie dürfen keine Exporte anlegen."))
    if kind not in FORMATS:
        raise ValidationError({"kind": _("Unbekannte Art des Exports.")})
    unknown = [s for s in statuses if s not in Proposal.Status.values]
    if unknown:
        raise ValidationError(
            {"statuses": _("Unbekannter Status: %(s)s") % {"s": ", ".join(unknown)}}
        )
    if created_from and created_until and created_from > created_until:
        raise ValidationError({"created_until": _("Das Ende liegt vor dem Anfang.")})
    export = DossierExport(
        kind=kind,
        formats=check_formats(kind, formats),
        process=process,
        statuses=list(statuses),
        created_from=created_from,
        created_until=created_until,
        anonymise=True if kind == Kind.OPEN_DATA else anonymise,
        proposal_ids=sorted(proposal_ids) if proposal_ids is not None else None,
        subject=subject.strip() or (default_subject(process) if kind == Kind.COUNCIL else ""),
        proposed_resolution=proposed_resolution.strip()
        or (default_resolution() if kind == Kind.COUNCIL else ""),
        trigger=trigger,
        requested_by=actor,
    )
    export.full_clean(exclude=["pillars"])
    export.save()
    export.pillars.set(pillars)
    if enqueue:
        queue_build(export)
    return export


def default_subject(process: Process | None) -> str:
    if process is None:
        return _("Ergebnisse der Bürgerbeteiligung")
    return _("Ergebnisse der Bürgerbeteiligung „%(title)s“") % {"title": process.title}


def default_resolution() -> str:
    return _(
        "Der Rat nimmt die Ergebnisse der Bürgerbeteiligung zur Kenntnis und beschließt die in "
        "der Anlage aufgeführten Vorschläge zur Umsetzung. Die Verwaltung wird beauftragt, die "
        "beschlossenen Vorschläge in die Umsetzungsplanung aufzunehmen und regelmäßig über den "
        "Stand zu berichten."
    )


def queue_build(export: DossierExport) -> None:
    from .. import tasks

    enqueue(tasks.build_export, export.pk)


# --- Building -----------------------------------------------------------------------------------


# A build holds this PostgreSQL advisory lock (with the job's id) while it runs. The lock goes
# with the worker's connection: a job still running while nobody holds its lock was left by a
# worker that died, and is taken over at once (a task redelivered after its worker was killed).
BUILD_LOCK = 0x1DEA


@contextmanager
def _build_lock(export_id: int) -> Iterator[bool | None]:
    """True if this process now holds the job's lock, False if a live build holds it, None
    without PostgreSQL (then a running job is taken over only once stale)."""
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [BUILD_LOCK, export_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [BUILD_LOCK, export_id])
            except DatabaseError:  # the connection is gone, and the lock with it
                pass


def claim(export_id: int, *, take_over: bool = False) -> bool:
    """Take a queued (or stale running) job for building; False if another worker has it.

    `take_over`: also a running job that is not stale yet (its build is known to be dead)."""
    now = timezone.now()
    stale = now - timedelta(minutes=conf.stale_minutes())
    running = (
        Q(state=State.RUNNING) if take_over else Q(state=State.RUNNING, heartbeat_at__lt=stale)
    )
    claimed = (
        DossierExport.objects.filter(pk=export_id)
        .filter(Q(state=State.QUEUED) | running)
        .update(
            state=State.RUNNING,
            progress=0,
            error="",
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
        )
    )
    return bool(claimed)


def _progress(export: DossierExport, percent: int) -> None:
    DossierExport.objects.filter(pk=export.pk, state=State.RUNNING).update(
        progress=percent, heartbeat_at=timezone.now()
    )


def build(export_id: int) -> DossierExport | None:
    """Build a claimed job's files; mark it ready only when every file is in place.

    Raises on failure; the caller (task or command) decides between retry and `fail`.
    """
    with _build_lock(export_id) as held:
        if held is False:  # built right now by a live worker
            return None
        if not claim(export_id, take_over=bool(held)):
            return None
        return _build_claimed(export_id)


def _build_claimed(export_id: int) -> DossierExport | None:
    export = DossierExport.objects.select_related("process").get(pk=export_id)
    storage.remove_job_files(export.pk)  # leftovers of an interrupted attempt
    scope = SCOPES[export.kind].of(export)
    _progress(export, 10)
    files = {}
    for index, fmt in enumerate(export.formats):
        name = file_name(export, fmt)
        BUILDERS[export.kind][fmt](scope, storage.path_of(export.pk, name))
        files[fmt] = name
        _progress(export, 10 + round(85 * (index + 1) / len(export.formats)))
    if export.kind == Kind.COUNCIL and export.proposal_ids is None:
        export.proposal_ids = scope.proposal_ids
    now = timezone.now()
    updated = DossierExport.objects.filter(pk=export.pk, state=State.RUNNING).update(
        state=State.READY,
        progress=100,
        files=files,
        proposal_ids=export.proposal_ids,
        finished_at=now,
        heartbeat_at=now,
        expires_at=now + timedelta(days=conf.expiry_days()),
    )
    if not updated:  # expired or failed meanwhile: offer nothing half-known
        storage.remove_job_files(export.pk)
        return None
    export.refresh_from_db()
    notify_requester(export)
    return export


def requeue(export_id: int, error: str) -> None:
    """A transient error: back to the queue, the message kept for the admin to see."""
    DossierExport.objects.filter(pk=export_id, state=State.RUNNING).update(
        state=State.QUEUED, progress=0, error=error[:2000]
    )
    storage.remove_job_files(export_id)


def fail(export_id: int, error: str) -> None:
    """Record the failure with its message; no file of the job is offered."""
    storage.remove_job_files(export_id)
    DossierExport.objects.filter(pk=export_id).exclude(state=State.READY).update(
        state=State.FAILED,
        error=error[:2000] or _("Unbekannter Fehler."),
        files={},
        finished_at=timezone.now(),
    )


def notify_requester(export: DossierExport) -> None:
    user = export.requested_by
    if user is None or not user.is_active or not user.email:
        return
    from lohmar_portal.tasks import send_email

    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "export": export,
            "user": user,
            "url": settings.PORTAL_BASE_URL
            + reverse("admin:ideas_dossierexport_change", args=[export.pk]),
            "expiry_days": conf.expiry_days(),
        }
        subject = render_to_string("ideas/exports/email_ready_subject.txt", context)
        body = render_to_string("ideas/exports/email_ready_message.txt", context)
    enqueue(send_email, subject=" ".join(subject.split()), body=body, to=[user.email])


def rebuild(*, actor: User, export: DossierExport) -> DossierExport:
    """Build a finished job again (e.g. after its texts were edited)."""
    if not can_request_export(actor):
        raise PermissionDenied(_("Sie dürfen keine Exporte anlegen."))
    with transaction.atomic():
        changed = DossierExport.objects.filter(
            pk=export.pk, state__in=[State.READY, State.FAILED, State.EXPIRED]
        ).update(state=State.QUEUED, progress=0, error="", files={}, finished_at=None)
        if not changed:
            raise ValidationError(_("Dieser Export wird gerade erstellt."))
        storage.remove_job_files(export.pk)
        export.refresh_from_db()
        queue_build(export)
    return export


# --- Housekeeping (beat) ------------------------------------------------------------------------


def expire_exports(now=None) -> int:
    """Delete the files of exports past their date; the newest open data stays published."""
    now = now or timezone.now()
    newest_open_data = (
        DossierExport.objects.filter(kind=Kind.OPEN_DATA, state=State.READY)
        .order_by("-finished_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    expired = DossierExport.objects.filter(
        Q(state=State.READY, expires_at__lt=now)
        | Q(state=State.FAILED, created_at__lt=now - timedelta(days=conf.expiry_days()))
    ).exclude(pk=newest_open_data)
    count = 0
    for export_id in expired.values_list("pk", flat=True):
        storage.remove_job_files(export_id)
        count += DossierExport.objects.filter(pk=export_id).update(
            state=State.EXPIRED, files={}, progress=0
        )
    return count


def stale_exports(now=None):
    """Jobs a dead worker left running, and queued jobs whose message was lost."""
    now = now or timezone.now()
    limit = now - timedelta(minutes=conf.stale_minutes())
    return DossierExport.objects.filter(
        Q(state=State.RUNNING, heartbeat_at__lt=limit) | Q(state=State.QUEUED, created_at__lt=limit)
    )


def requeue_stale(now=None) -> list[int]:
    """Put stale jobs back in the queue and send their build task again."""
    ids = list(stale_exports(now).values_list("pk", flat=True))
    for export_id in ids:
        DossierExport.objects.filter(pk=export_id, state=State.RUNNING).update(
            state=State.QUEUED,
            progress=0,
            error=_("Der Export wurde unterbrochen und neu gestartet."),
        )
        storage.remove_job_files(export_id)
        export = DossierExport(pk=export_id)
        with transaction.atomic():
            queue_build(export)
    return ids


def refresh_open_data() -> DossierExport:
    return request_export(
        actor=None, kind=Kind.OPEN_DATA, formats=FORMATS[Kind.OPEN_DATA], trigger="nightly"
    )


def dossiers_after_phases(now=None, lookback=timedelta(days=2)) -> list[DossierExport]:
    """When a phase ends and a workshop phase follows, build the process's workshop dossier once."""
    now = now or timezone.now()
    created = []
    ended = Phase.objects.filter(ends_at__lte=now, ends_at__gt=now - lookback).select_related(
        "process"
    )
    for phase in ended:
        following = (
            Phase.objects.filter(process_id=phase.process_id, starts_at__gte=phase.ends_at)
            .order_by("starts_at")
            .first()
        )
        if following is None or following.kind != Phase.Kind.WORKSHOP:
            continue
        trigger = f"phase:{phase.pk}"
        if DossierExport.objects.filter(trigger=trigger).exists():
            continue
        created.append(
            request_export(
                actor=None,
                kind=Kind.WORKSHOP,
                formats=FORMATS[Kind.WORKSHOP],
                process=phase.process,
                anonymise=True,
                trigger=trigger,
            )
        )
    return created


# --- The council's decision ---------------------------------------------------------------------

DECISION_OUTCOMES = [
    Proposal.Status.ADOPTED,
    Proposal.Status.REJECTED,
    Proposal.Status.DEFERRED,
]


@transaction.atomic
def record_council_decision(
    *,
    actor: User,
    export: DossierExport,
    decision_date: date,
    resolution_number: str,
    outcomes: dict[int, str],
    statements: dict[int, str] | None = None,
) -> DossierExport:
    """Record the council's resolution and move each proposal's status through the services."""
    if not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation darf den Ratsbeschluss erfassen."))
    export = DossierExport.objects.select_for_update().get(pk=export.pk)
    if export.kind != Kind.COUNCIL:
        raise ValidationError(_("Ratsbeschlüsse gehören zu einer Beschlussvorlage."))
    if export.resolution_number:
        raise ValidationError(_("Der Beschluss zu dieser Vorlage ist bereits erfasst."))
    resolution_number = resolution_number.strip()
    if not resolution_number:
        raise ValidationError({"resolution_number": _("Bitte geben Sie die Beschlussnummer an.")})
    included = set(export.proposal_ids or [])
    unknown = [pk for pk in outcomes if pk not in included]
    if unknown:
        raise ValidationError(_("Diese Vorschläge gehören nicht zur Vorlage."))
    note = _("Ratsbeschluss Nr. %(number)s vom %(date)s") % {
        "number": resolution_number,
        "date": decision_date.strftime("%d.%m.%Y"),
    }
    statements = statements or {}
    proposals = Proposal.objects.in_bulk(list(outcomes))
    recorded = {}
    for pk, outcome in outcomes.items():
        if not outcome:
            continue
        if outcome not in DECISION_OUTCOMES:
            raise ValidationError(_("Unbekanntes Ergebnis: %(o)s") % {"o": outcome})
        proposal = proposals[pk]
        statement = (statements.get(pk) or "").strip()
        if statement:
            ideas_services.answer_proposal(actor=actor, proposal=proposal, answer=statement)
        ideas_services.change_status(actor=actor, proposal=proposal, status=outcome, note=note)
        recorded[proposal.reference] = outcome
    export.decision_date = decision_date
    export.resolution_number = resolution_number
    export.decision_outcomes = recorded
    export.save(update_fields=["decision_date", "resolution_number", "decision_outcomes"])
    return export
