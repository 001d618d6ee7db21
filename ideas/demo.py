"""Demo data of the strategy: Lohmar's vision 'Digitales Lohmar 2025' and its four pillars,
the 2019 process and a current one with demo proposals, and the roadmap built from them.
"""

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from lohmar_portal.geo import is_in_city
from lohmar_portal.models import Department, District, User
from lohmar_portal.services import reserve_references
from participation import services as participation
from participation.models import Comment, Phase, Process, Rating
from participation.permissions import phase_allows

from .models import Pillar, Proposal, RoadmapProject, RoadmapUpdate, StatusChange, Vision

DATA = Path(__file__).parent / "demo_data" / "strategy.json"
PARTICIPATION = Path(__file__).parent / "demo_data" / "participation.json"


def load(log) -> None:
    """Create or update the strategy, the demo processes, proposals and roadmap projects."""
    data = json.loads(DATA.read_text())
    vision, _ = Vision.objects.update_or_create(
        title=data["vision"]["title"], defaults={**data["vision"], "is_published": True}
    )
    for pillar in data["pillars"]:
        Pillar.objects.update_or_create(slug=pillar["slug"], defaults={**pillar, "vision": vision})
    log(f"Vision „{vision.title}“ mit {len(data['pillars'])} Schwerpunkten")
    _load_participation(log, json.loads(PARTICIPATION.read_text()))


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _load_participation(log, data: dict) -> None:
    processes = {item["slug"]: _process(item) for item in data["processes"]}
    citizens = {item["email"]: _citizen(item) for item in data["citizens"]}
    proposals = {}
    for item in data["proposals"]:
        proposal = _proposal(item, processes=processes, citizens=citizens)
        if proposal is None:
            log(f"{item['reference']} gehört nicht zur Demo und bleibt unverändert.")
            continue
        _contributions(proposal, item, citizens=citizens)
        proposals[proposal.reference] = proposal
    _reserve_references([item["reference"] for item in data["proposals"]])
    for item in data["projects"]:
        _project(item, proposals=proposals)
    log(
        f"{len(processes)} Beteiligungsverfahren, {len(citizens)} Demo-Bürger/innen, "
        f"{len(proposals)} Vorschläge, {len(data['projects'])} Umsetzungsprojekte"
    )


def _process(item: dict) -> Process:
    process, _ = Process.objects.update_or_create(
        slug=item["slug"],
        defaults={"title": item["title"], "description": item["description"], "is_public": True},
    )
    names = []
    for phase in item["phases"]:
        Phase.objects.update_or_create(
            process=process,
            name=phase["name"],
            defaults={
                **phase,
                "starts_at": _when(phase["starts_at"]),
                "ends_at": _when(phase["ends_at"]),
            },
        )
        names.append(phase["name"])
    process.phases.exclude(name__in=names).delete()
    return process


def _citizen(item: dict) -> User:
    user, _ = User.objects.update_or_create(
        email=item["email"],
        defaults={
            "display_name": item["display_name"],
            "district": District.objects.filter(slug=item["district"]).first(),
        },
    )
    if user.has_usable_password():  # demo citizens exist to be seen, never to log in
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _proposal(item: dict, *, processes: dict, citizens: dict) -> Proposal | None:
    existing = (
        Proposal.objects.filter(reference=item["reference"]).select_related("process").first()
    )
    if existing is not None and existing.process.slug not in processes:
        return None  # a real proposal took this number: never overwrite it
    point = item["point"] or (None, None)
    if point[0] is not None and not is_in_city(*point):
        raise ValueError(f"{item['reference']}: point {point} is outside the city.")
    history = item["history"]
    proposal, _ = Proposal.objects.update_or_create(
        reference=item["reference"],
        defaults={
            "process": processes[item["process"]],
            "pillar": Pillar.objects.get(slug=item["pillar"]),
            "title": item["title"],
            "summary": item["summary"],
            "text": item["text"],
            "district": District.objects.filter(slug=item["district"]).first()
            if item["district"]
            else None,
            "latitude": point[0],
            "longitude": point[1],
            "author": citizens.get(item["author"]),
            "channel": item["channel"],
            "entered_by": None,
            "on_behalf_of": "",
            "status": history[-1][0] if history else Proposal.Status.SUBMITTED,
            "official_answer": item["official_answer"],
            "answered_at": _when(item["answered_at"]),
            "merged_into": None,
            "is_hidden": False,
            "hidden_reason": "",
            "created_at": _when(item["created_at"]),
        },
    )
    _status_history(proposal, history)
    return proposal


def _status_history(proposal: Proposal, history: list) -> None:
    """Make the public history exactly: submitted, then each step of the JSON, in order."""
    steps = [("", Proposal.Status.SUBMITTED, proposal.created_at, "", proposal.author, False)]
    for to_status, at, note in history:
        previous = steps[-1][1]
        if to_status not in Proposal.TRANSITIONS[previous]:
            raise ValueError(f"{proposal.reference}: {previous} → {to_status} is no valid step.")
        steps.append((previous, to_status, _when(at), note, None, True))
    current = [
        (c.from_status, c.to_status, c.created_at, c.note, c.actor_id, c.by_staff)
        for c in proposal.status_changes.all()
    ]
    wanted = [(s[0], s[1], s[2], s[3], s[4].pk if s[4] else None, s[5]) for s in steps]
    if current == wanted:
        return
    proposal.status_changes.all().delete()
    StatusChange.objects.bulk_create(
        StatusChange(
            proposal=proposal,
            from_status=old,
            to_status=new,
            created_at=at,
            note=note,
            actor=actor,
            by_staff=by_staff,
        )
        for old, new, at, note, actor, by_staff in steps
    )


def _contributions(proposal: Proposal, item: dict, *, citizens: dict) -> None:
    """Ratings and comments: through the services while the phase allows them, else as rows."""
    content_type = participation.content_type_of(proposal)
    rate_open = phase_allows(proposal.process, "rate")
    comment_open = phase_allows(proposal.process, "comment")
    for email, value in item["ratings"].items():
        if rate_open:
            participation.rate(user=citizens[email], target=proposal, value=value)
        else:
            Rating.objects.update_or_create(
                content_type=content_type,
                object_id=proposal.pk,
                user=citizens[email],
                defaults={"value": value},
                create_defaults={
                    "value": value,
                    "created_at": proposal.created_at + timedelta(days=1),
                },
            )
    for comment in item["comments"]:
        author = citizens[comment["author"]]
        rows = Comment.objects.filter(
            content_type=content_type, object_id=proposal.pk, author=author, text=comment["text"]
        )
        if rows.exists():
            continue
        if comment_open:
            participation.add_comment(actor=author, target=proposal, text=comment["text"])
        else:
            Comment.objects.create(
                content_type=content_type,
                object_id=proposal.pk,
                author=author,
                text=comment["text"],
                created_at=_when(comment["at"]),
            )
    # The closed process's rows were written directly; the counters follow from the rows.
    participation.recount(proposal)


def _reserve_references(references: list[str]) -> None:
    """Keep the demo's fixed numbers out of the sequence, so new proposals never collide."""
    highest: dict[tuple[str, int], int] = {}
    for reference in references:
        prefix, year, number = reference.split("-")
        key = (prefix, int(year))
        highest[key] = max(highest.get(key, 0), int(number))
    for (prefix, year), number in highest.items():
        reserve_references(prefix, year=year, up_to=number)


def _project(item: dict, *, proposals: dict) -> RoadmapProject:
    project, _ = RoadmapProject.objects.update_or_create(
        slug=item["slug"],
        defaults={
            "title": item["title"],
            "description": item["description"],
            "pillar": Pillar.objects.get(slug=item["pillar"]),
            "department": Department.objects.filter(slug=item["department"]).first(),
            "priority": item["priority"],
            "progress": item["progress"],
            "percent": item["percent"],
            "is_published": True,
        },
    )
    project.proposals.set([proposals[ref] for ref in item["proposals"] if ref in proposals])
    for update in item["updates"]:
        RoadmapUpdate.objects.update_or_create(
            project=project,
            date=date.fromisoformat(update["date"]),
            defaults={"text": update["text"]},
        )
    return project
