"""Reads for the process pages and the public roadmap."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Max, Min, Prefetch, Sum
from django.utils import timezone

from participation.models import Phase, Process

from .models import Pillar, Proposal, RoadmapProject, RoadmapUpdate


@dataclass(frozen=True)
class PhaseStep:
    """A phase as the timeline shows it: running now, over, or still to come."""

    phase: Phase
    state: str  # "active", "past" or "future"

    @property
    def is_active(self) -> bool:
        return self.state == "active"

    @property
    def is_past(self) -> bool:
        return self.state == "past"


@dataclass(frozen=True)
class ProcessSummary:
    """A process with the phase running now (None when none runs), the next one, and its state."""

    process: Process
    active_phase: Phase | None
    next_phase: Phase | None
    is_over: bool
    has_started: bool


def _phase_state(phase: Phase, now: datetime) -> str:
    if phase.is_active(now):
        return "active"
    return "past" if phase.is_over(now) else "future"


def _with_phases():
    return Process.objects.filter(is_public=True).prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("starts_at", "pk"))
    )


def _summary(process: Process, now: datetime) -> ProcessSummary:
    phases = list(process.phases.all())
    return ProcessSummary(
        process=process,
        active_phase=process.phase_at(now),
        next_phase=next((phase for phase in phases if phase.starts_at > now), None),
        is_over=bool(phases) and all(phase.is_over(now) for phase in phases),
        has_started=any(phase.starts_at <= now for phase in phases),
    )


def public_processes(*, now: datetime | None = None) -> list[ProcessSummary]:
    """Public processes, the most recently started first, each with its running phase."""
    now = now or timezone.now()
    processes = _with_phases().annotate(started_at=Min("phases__starts_at"))
    processes = processes.order_by(F("started_at").desc(nulls_last=True), "-created_at", "-pk")
    return [_summary(process, now) for process in processes]


def public_process(*, slug: str) -> Process | None:
    """A public process with its phases in order."""
    return _with_phases().filter(slug=slug).first()


def process_timeline(process: Process, *, now: datetime | None = None) -> list[PhaseStep]:
    """The process's phases in order, each marked as running, over or planned."""
    now = now or timezone.now()
    return [
        PhaseStep(phase=phase, state=_phase_state(phase, now)) for phase in process.phases.all()
    ]


def process_figures(process: Process) -> dict[str, int]:
    """Listed proposals of the process and the ratings and comments they received (one query)."""
    figures = (
        Proposal.objects.listed()
        .filter(process=process)
        .aggregate(
            proposals=Count("pk"),
            ratings=Sum("rating_count", default=0),
            comments=Sum("comment_count", default=0),
        )
    )
    return {key: int(value) for key, value in figures.items()}


@dataclass(frozen=True)
class PillarProjects:
    pillar: Pillar
    projects: list[RoadmapProject]


def roadmap() -> list[PillarProjects]:
    """Published projects grouped by pillar in the strategy's order, with their latest update."""
    projects = (
        RoadmapProject.objects.filter(is_published=True)
        .select_related("pillar", "department")
        .annotate(last_update=Max("updates__date"))
        .order_by("pillar__order", "pillar__title", "pillar_id", "priority", "title")
    )
    groups: list[PillarProjects] = []
    for project in projects:
        if not groups or groups[-1].pillar.pk != project.pillar_id:
            groups.append(PillarProjects(pillar=project.pillar, projects=[]))
        groups[-1].projects.append(project)
    return groups


def published_project(*, slug: str) -> RoadmapProject | None:
    """A published project with its updates (newest first) and its visible proposals."""
    return (
        RoadmapProject.objects.filter(is_published=True, slug=slug)
        .select_related("pillar", "department")
        .prefetch_related(
            Prefetch("updates", queryset=RoadmapUpdate.objects.order_by("-date", "-pk")),
            Prefetch(
                "proposals",
                queryset=Proposal.objects.visible().order_by("reference"),
                to_attr="visible_proposals",
            ),
        )
        .first()
    )
