"""Every write of proposals and the roadmap: submit, edit, withdraw, status, answer, merge."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lohmar_portal.geo import is_in_city
from lohmar_portal.images import check_image, clean_image
from lohmar_portal.models import Department, District, User
from lohmar_portal.services import next_reference
from participation import services as participation
from participation.models import Channel, Comment, Follow, ModerationAction, Process, Rating
from participation.permissions import can_moderate

from .models import Pillar, Proposal, ProposalImage, RoadmapProject, RoadmapUpdate, StatusChange
from .permissions import can_edit_proposal, can_submit_proposal, can_withdraw_proposal

MAX_IMAGES = 3
MAX_IMAGE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class NewImage:
    file: UploadedFile
    alt_text: str


def _check_point(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("Bitte geben Sie Breiten- und Längengrad an.")})
    if latitude is not None and not is_in_city(latitude, longitude):
        raise ValidationError(
            {
                "latitude": _(
                    "Der Ort liegt nicht im Stadtgebiet. Bitte wählen Sie einen Ort in "
                    "der Stadt oder lassen Sie die Karte leer."
                )
            }
        )


def _check_images(images: Sequence[NewImage], existing: int = 0) -> None:
    """Images are checked by their content, never by their name."""
    if existing + len(images) > MAX_IMAGES:
        raise ValidationError(
            {"images": _("Höchstens %(max)d Bilder pro Vorschlag.") % {"max": MAX_IMAGES}}
        )
    for image in images:
        if not image.alt_text.strip():
            raise ValidationError(
                {"images": _("Bitte beschreiben Sie jedes Bild in einem Satz (Alternativtext).")}
            )
        try:
            check_image(image.file, max_bytes=MAX_IMAGE_BYTES)
        except ValidationError as error:
            raise ValidationError({"images": error.messages}) from None


def _record_status(
    proposal: Proposal,
    *,
    to: str,
    actor: User | None,
    note: str = "",
    by_staff: bool = False,
    from_status: str | None = None,
) -> None:
    StatusChange.objects.create(
        proposal=proposal,
        from_status=proposal.status if from_status is None else from_status,
        to_status=to,
        note=note,
        actor=actor,
        by_staff=by_staff,
    )


@transaction.atomic
def submit_proposal(
    *,
    actor: User,
    process: Process,
    pillar: Pillar,
    title: str,
    summary: str,
    text: str,
    district: District | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    images: Sequence[NewImage] = (),
    channel: str = Channel.WEB,
    on_behalf_of: str = "",
) -> Proposal:
    """File a proposal in the open submit phase; staff may enter one from paper, phone, …"""
    on_behalf = channel != Channel.WEB
    if on_behalf and not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation kann Vorschläge für andere erfassen."))
    if not on_behalf and not can_submit_proposal(actor, process):
        raise PermissionDenied(_("In dieser Phase können keine Vorschläge eingereicht werden."))
    _check_point(latitude, longitude)
    _check_images(images)
    proposal = Proposal(
        process=process,
        pillar=pillar,
        title=title.strip(),
        summary=summary.strip(),
        text=text.strip(),
        district=district,
        latitude=latitude,
        longitude=longitude,
        author=None if on_behalf else actor,
        channel=channel,
        entered_by=actor if on_behalf else None,
        on_behalf_of=on_behalf_of.strip() if on_behalf else "",
        rating_score=participation.RATING_PRIOR_MEAN,
        reference="-",
    )
    proposal.full_clean(exclude=["reference"])
    proposal.reference = next_reference("VS")
    proposal.save()
    for order, image in enumerate(images):
        ProposalImage.objects.create(
            proposal=proposal,
            image=clean_image(image.file),
            alt_text=image.alt_text.strip(),
            order=order,
        )
    _record_status(proposal, to=Proposal.Status.SUBMITTED, actor=actor, from_status="")
    if not on_behalf:
        participation.follow(user=actor, target=proposal)
    return proposal


@transaction.atomic
def edit_proposal(
    *,
    actor: User,
    proposal: Proposal,
    pillar: Pillar,
    title: str,
    summary: str,
    text: str,
    district: District | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    new_images: Sequence[NewImage] = (),
    remove_images: Sequence[int] = (),
) -> Proposal:
    """Let the author correct a proposal until the city has acted on it."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not can_edit_proposal(actor, proposal):
        raise PermissionDenied(_("Dieser Vorschlag kann nicht mehr bearbeitet werden."))
    _check_point(latitude, longitude)
    kept = proposal.images.exclude(pk__in=remove_images)
    _check_images(new_images, existing=kept.count())
    proposal.pillar, proposal.district = pillar, district
    proposal.title, proposal.summary, proposal.text = title.strip(), summary.strip(), text.strip()
    proposal.latitude, proposal.longitude = latitude, longitude
    proposal.full_clean()
    proposal.save()
    proposal.images.filter(pk__in=remove_images).delete()
    start = kept.count()
    for order, image in enumerate(new_images, start=start):
        ProposalImage.objects.create(
            proposal=proposal,
            image=clean_image(image.file),
            alt_text=image.alt_text.strip(),
            order=order,
        )
    return proposal


@transaction.atomic
def withdraw_proposal(*, actor: User, proposal: Proposal) -> Proposal:
    """The author takes a proposal back; it stays readable, marked as withdrawn."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not can_withdraw_proposal(actor, proposal):
        raise PermissionDenied(_("Dieser Vorschlag kann nicht mehr zurückgezogen werden."))
    _record_status(proposal, to=Proposal.Status.WITHDRAWN, actor=actor)
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status", "updated_at"])
    participation.notify_followers(target=proposal, event="status", exclude=actor)
    return proposal


@transaction.atomic
def change_status(*, actor: User, proposal: Proposal, status: str, note: str = "") -> Proposal:
    """Move a proposal along the workflow; followers are told by e-mail."""
    if not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation darf den Status ändern."))
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if status not in Proposal.TRANSITIONS[proposal.status]:
        raise ValidationError(
            _("Von „%(old)s“ geht es nicht zu „%(new)s“.")
            % {"old": proposal.get_status_display(), "new": Proposal.Status(status).label}
        )
    _record_status(proposal, to=status, actor=actor, note=note.strip(), by_staff=True)
    participation.log_action(
        actor=actor,
        target=proposal,
        action=ModerationAction.Action.STATUS,
        reason=note.strip(),
        old=proposal.status,
        new=status,
    )
    proposal.status = status
    proposal.save(update_fields=["status", "updated_at"])
    participation.notify_followers(target=proposal, event="status", exclude=actor)
    return proposal


@transaction.atomic
def answer_proposal(*, actor: User, proposal: Proposal, answer: str) -> Proposal:
    """Publish (or correct) the city's official answer; followers are told by e-mail."""
    if not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation darf offiziell antworten."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"official_answer": _("Bitte schreiben Sie eine Antwort.")})
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    proposal.official_answer = answer
    proposal.answered_at = timezone.now()
    proposal.save(update_fields=["official_answer", "answered_at", "updated_at"])
    participation.log_action(actor=actor, target=proposal, action=ModerationAction.Action.ANSWER)
    participation.notify_followers(target=proposal, event="answer", exclude=actor)
    return proposal


@transaction.atomic
def merge_proposals(*, actor: User, source: Proposal, target: Proposal, reason: str) -> Proposal:
    """Merge a duplicate into another proposal, which receives its ratings, comments, follows.

    A person who rated both keeps one rating, the newer one; the counters are recounted from
    the rows, so nobody is counted twice.
    """
    if not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation darf Vorschläge zusammenführen."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Bitte geben Sie eine öffentliche Begründung an."))
    locked = {
        p.pk: p for p in Proposal.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.pk == target.pk:
        raise ValidationError(_("Ein Vorschlag kann nicht mit sich selbst zusammengeführt werden."))
    if Proposal.Status.MERGED in (source.status, target.status):
        raise ValidationError(_("Bereits zusammengeführte Vorschläge können nicht beteiligt sein."))
    if not target.is_open_for_participation() or target.status == Proposal.Status.WITHDRAWN:
        raise ValidationError(
            _(
                "Der Vorschlag, der bleibt, muss sichtbar und noch offen sein (nicht entschieden, "
                "nicht zurückgezogen)."
            )
        )
    if source.status == Proposal.Status.ADOPTED or source.projects.exists():
        raise ValidationError(
            _("Ein beschlossener Vorschlag oder einer auf der Roadmap wird nicht zusammengeführt.")
        )
    content_type = participation.content_type_of(source)
    on_source = Q(content_type=content_type, object_id=source.pk)
    on_target = Q(content_type=content_type, object_id=target.pk)

    target_ratings = {r.user_id: r for r in Rating.objects.filter(on_target)}
    for rating in Rating.objects.filter(on_source):
        twin = target_ratings.get(rating.user_id)
        if twin is None:
            continue
        older, newer = sorted([rating, twin], key=lambda r: (r.updated_at, r.pk))
        older.delete()
        if newer is rating:
            target_ratings[rating.user_id] = rating
    if target.author_id:  # nobody rates their own proposal, not even through a merge
        Rating.objects.filter(on_source, user_id=target.author_id).delete()
    Rating.objects.filter(on_source).update(object_id=target.pk)
    Comment.objects.filter(on_source).update(object_id=target.pk)
    followers = Follow.objects.filter(on_target).values("user_id")
    Follow.objects.filter(on_source, user_id__in=followers).delete()
    Follow.objects.filter(on_source).update(object_id=target.pk)

    _record_status(source, to=Proposal.Status.MERGED, actor=actor, note=reason, by_staff=True)
    source.status = Proposal.Status.MERGED
    source.merged_into = target
    source.save(update_fields=["status", "merged_into", "updated_at"])
    participation.recount(source)
    participation.recount(target)
    for proposal, other in ((source, target), (target, source)):
        participation.log_action(
            actor=actor,
            target=proposal,
            action=ModerationAction.Action.MERGE,
            reason=reason,
            merged=source.reference,
            kept=target.reference,
            other=other.reference,
        )
    return target


@transaction.atomic
def create_roadmap_project(
    *,
    actor: User,
    proposals: Sequence[Proposal],
    title: str,
    description: str,
    pillar: Pillar | None = None,
    department: Department | None = None,
    priority: int = RoadmapProject.Priority.MEDIUM,
) -> RoadmapProject:
    """Turn adopted proposals into a project on the public roadmap."""
    if not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation darf Umsetzungsprojekte anlegen."))
    if not proposals:
        raise ValidationError(_("Bitte wählen Sie mindestens einen Vorschlag."))
    not_adopted = [p.reference for p in proposals if p.status != Proposal.Status.ADOPTED]
    if not_adopted:
        raise ValidationError(
            _("Nur beschlossene Vorschläge kommen auf die Roadmap: %(refs)s")
            % {"refs": ", ".join(not_adopted)}
        )
    base = slugify(title)[:180] or "projekt"
    slug, n = base, 1
    while RoadmapProject.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    project = RoadmapProject(
        title=title.strip(),
        slug=slug,
        description=description.strip(),
        pillar=pillar or proposals[0].pillar,
        department=department,
        priority=priority,
    )
    project.full_clean()
    project.save()
    project.proposals.set(proposals)
    return project


@transaction.atomic
def report_progress(
    *,
    actor: User,
    project: RoadmapProject,
    progress: str,
    percent: int,
    text: str = "",
    date=None,
) -> RoadmapProject:
    """Set a project's stand and percentage, with a dated public note."""
    if not can_moderate(actor):
        raise PermissionDenied(_("Nur die Moderation darf den Fortschritt melden."))
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Der Fortschritt liegt zwischen 0 und 100 Prozent.")})
    project.progress = progress
    project.percent = 100 if progress == RoadmapProject.Progress.DONE else percent
    project.full_clean()
    project.save(update_fields=["progress", "percent", "updated_at"])
    if text.strip():
        RoadmapUpdate.objects.create(
            project=project, text=text.strip(), date=date or timezone.localdate()
        )
    return project
