"""Every write of the Mängelmelder: file, confirm, support, work on, merge and redact reports.

Reports come from the web form, from staff on a caller's behalf, and from Open311 clients; all
go through `submit_report`, so a report is the same whichever way it came.
"""

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lohmar_portal.geo import is_in_city
from lohmar_portal.images import check_image
from lohmar_portal.models import Department, District, User
from lohmar_portal.services import next_reference
from lohmar_portal.tasks import enqueue
from participation.models import Channel

from . import tasks
from .models import (
    ApiClient,
    Category,
    DefectReport,
    InternalNote,
    Photo,
    StatusUpdate,
    Support,
    hash_token,
)
from .permissions import can_work_report, can_work_reports

Status = DefectReport.Status
REFERENCE_PREFIX = "MM"
EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class NewPhoto:
    file: UploadedFile
    alt_text: str = ""


# --- Places -------------------------------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearby_open_reports(
    *, category: Category, latitude: float, longitude: float, radius_m: int | None = None
) -> list[DefectReport]:
    """Open public reports of the category within the radius, nearest first (for "Ich auch")."""
    radius_m = settings.DEFECTS_DUPLICATE_RADIUS_M if radius_m is None else radius_m
    # A box around the point narrows the rows by index; the exact distance decides.
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(latitude)), 0.01))
    candidates = (
        DefectReport.objects.public()
        .open()
        .filter(
            category=category,
            latitude__range=(latitude - dlat, latitude + dlat),
            longitude__range=(longitude - dlon, longitude + dlon),
        )
        .select_related("category")[:50]
    )
    found = []
    for report in candidates:
        report.distance = distance_m(latitude, longitude, report.latitude, report.longitude)
        if report.distance <= radius_m:
            found.append(report)
    return sorted(found, key=lambda report: report.distance)


def _check_place(latitude: float | None, longitude: float | None, address: str) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("Bitte geben Sie Breiten- und Längengrad an.")})
    if latitude is None and not address.strip():
        raise ValidationError(
            {
                "address": _(
                    "Bitte geben Sie an, wo der Mangel ist: auf der Karte oder mit Adresse "
                    "bzw. einer Ortsbeschreibung."
                )
            }
        )
    if latitude is not None and not is_in_city(latitude, longitude):
        raise ValidationError(
            {
                "latitude": _(
                    "Der Ort liegt außerhalb des Stadtgebiets von %(city)s. Bitte wählen Sie "
                    "einen Ort in der Stadt oder beschreiben Sie ihn mit Adresse und Ortsteil."
                )
                % {"city": settings.PORTAL_CITY_NAME}
            }
        )


def _check_photos(photos: Sequence[NewPhoto], existing: int = 0) -> None:
    """Photos are checked by their content, never by their name."""
    if existing + len(photos) > settings.DEFECTS_MAX_PHOTOS:
        raise ValidationError(
            {
                "photos": _("Höchstens %(max)d Fotos pro Meldung.")
                % {"max": settings.DEFECTS_MAX_PHOTOS}
            }
        )
    for photo in photos:
        try:
            check_image(photo.file, max_bytes=settings.DEFECTS_MAX_PHOTO_BYTES)
        except ValidationError as error:
            raise ValidationError({"photos": error.messages}) from None


def _save_photos(report: DefectReport, photos: Sequence[NewPhoto]) -> None:
    """Keep the uploads aside; Celery re-encodes them once the report is committed."""
    for photo in photos:
        photo.file.seek(0)
        saved = Photo.objects.create(
            report=report, original=photo.file, alt_text=photo.alt_text.strip()[:300]
        )
        enqueue(tasks.process_photo, saved.pk)


def _record(
    report: DefectReport, *, to: str, actor: User | None, note: str = "", from_status=None
) -> StatusUpdate:
    return StatusUpdate.objects.create(
        report=report,
        from_status=report.status if from_status is None else from_status,
        to_status=to,
        note=note.strip(),
        actor=actor if actor and actor.is_authenticated else None,
        by_staff=bool(actor and actor.is_authenticated and actor.is_staff),
    )


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


# --- Filing and confirming ----------------------------------------------------------------------


@transaction.atomic
def submit_report(
    *,
    actor: User | None,
    category: Category,
    description: str,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    district: District | None = None,
    photos: Sequence[NewPhoto] = (),
    email: str = "",
    name: str = "",
    phone: str = "",
    channel: str = Channel.WEB,
    on_behalf_of: str = "",
    api_client: ApiClient | None = None,
) -> DefectReport:
    """File a report. With an account (or entered by staff) it is public at once; otherwise the
    given e-mail address receives a link that confirms it (unconfirmed reports expire)."""
    logged_in = actor is not None and actor.is_authenticated
    on_behalf = channel != Channel.WEB
    if on_behalf and not (logged_in and can_work_reports(actor)):
        raise PermissionDenied(_("Nur Mitarbeitende können Meldungen für andere erfassen."))
    if not category.is_active:
        raise ValidationError({"category": _("Diese Kategorie nimmt keine Meldungen mehr an.")})
    description = description.strip()
    if not description:
        raise ValidationError({"description": _("Bitte beschreiben Sie den Mangel.")})
    _check_place(latitude, longitude, address)
    by_account = logged_in and not on_behalf and api_client is None
    if not by_account and not on_behalf and not email.strip():
        raise ValidationError(
            {
                "email": _(
                    "Bitte geben Sie Ihre E-Mail-Adresse an, damit wir die Meldung "
                    "bestätigen können."
                )
            }
        )
    _check_photos(photos)
    confirmed = by_account or on_behalf
    now = timezone.now()
    report = DefectReport(
        category=category,
        department=category.department,
        description=description,
        latitude=latitude,
        longitude=longitude,
        address=address.strip(),
        district=district,
        reporter=actor if by_account else None,
        reporter_email="" if by_account else email.strip(),
        reporter_name="" if by_account else name.strip(),
        reporter_phone="" if by_account else phone.strip(),
        channel=channel,
        entered_by=actor if on_behalf else None,
        on_behalf_of=on_behalf_of.strip() if on_behalf else "",
        api_client=api_client,
        status=Status.CONFIRMED if confirmed else Status.SUBMITTED,
        confirmed_at=now if confirmed else None,
        created_at=now,
        status_changed_at=now,
        reference="-",
    )
    token = None
    if not confirmed:
        token, report.confirmation_hash = _new_token()
    report.full_clean(exclude=["reference"])
    report.reference = next_reference(REFERENCE_PREFIX, width=5)
    report.save()
    _save_photos(report, photos)
    _record(report, to=Status.SUBMITTED, actor=actor if logged_in else None, from_status="")
    if confirmed:
        _record(report, to=Status.CONFIRMED, actor=actor, from_status=Status.SUBMITTED)
    else:
        url = settings.PORTAL_BASE_URL + reverse("defects:confirm", kwargs={"token": token})
        enqueue(tasks.send_confirmation, report.pk, url)
    return report


def confirmation_expired(report: DefectReport) -> bool:
    """Too late to confirm: the report is deleted soon (expire_unconfirmed)."""
    return report.created_at < timezone.now() - timedelta(days=settings.DEFECTS_CONFIRMATION_DAYS)


@transaction.atomic
def confirm_report(*, token: str) -> DefectReport | None:
    """Make a report public by the link from its e-mail; None when the link is unknown or old."""
    report = (
        DefectReport.objects.select_for_update().filter(confirmation_hash=hash_token(token)).first()
    )
    if report is None:
        return None
    if report.status != Status.SUBMITTED:
        return report  # confirmed before: the link keeps showing the report
    if confirmation_expired(report):
        return None
    _record(report, to=Status.CONFIRMED, actor=None)
    report.status = Status.CONFIRMED
    report.confirmed_at = report.status_changed_at = timezone.now()
    report.save(update_fields=["status", "confirmed_at", "status_changed_at", "updated_at"])
    return report


def expire_unconfirmed() -> int:
    """Beat: reports never confirmed within DEFECTS_CONFIRMATION_DAYS are deleted with photos."""
    cutoff = timezone.now() - timedelta(days=settings.DEFECTS_CONFIRMATION_DAYS)
    expired = DefectReport.objects.filter(status=Status.SUBMITTED, created_at__lt=cutoff)
    count = 0
    for report in expired.iterator(chunk_size=200):
        with transaction.atomic():
            for photo in report.photos.all():
                _delete_photo_files(photo)
            report.delete()
        count += 1
    return count


# --- "Ich auch" ---------------------------------------------------------------------------------


def can_be_supported(report: DefectReport) -> bool:
    return report.is_public and report.is_open


@transaction.atomic
def support_report(*, report: DefectReport, actor: User | None, email: str = "") -> Support:
    """Someone noticed the same defect: count them and keep them informed.

    With an account it counts at once; with an e-mail address once confirmed on the page the
    e-mail links to.
    Supporting twice changes nothing.
    """
    report = DefectReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_public:
        raise ValidationError(_("Diese Meldung ist nicht veröffentlicht."))
    if not can_be_supported(report):
        raise ValidationError(
            _("Diese Meldung ist abgeschlossen und nimmt keine Unterstützung an.")
        )
    logged_in = actor is not None and actor.is_authenticated
    if logged_in:
        if report.reporter_id == actor.pk:
            raise ValidationError(_("Sie haben diesen Mangel selbst gemeldet."))
        support, created = Support.objects.get_or_create(
            report=report, user=actor, defaults={"confirmed_at": timezone.now()}
        )
        if created:
            DefectReport.objects.filter(pk=report.pk).update(
                supporter_count=F("supporter_count") + 1
            )
        return support
    email = email.strip().lower()
    if not email:
        raise ValidationError({"email": _("Bitte geben Sie Ihre E-Mail-Adresse an.")})
    Support(report=report, email=email).clean_fields(exclude=["report", "user"])
    existing = Support.objects.filter(report=report, email=email).first()
    if existing is not None:
        return existing
    token, token_hash = _new_token()
    support = Support.objects.create(report=report, email=email, confirmation_hash=token_hash)
    url = settings.PORTAL_BASE_URL + reverse("defects:confirm_support", kwargs={"token": token})
    enqueue(tasks.send_support_confirmation, support.pk, url)
    return support


@transaction.atomic
def confirm_support(*, token: str) -> Support | None:
    support = (
        Support.objects.select_for_update()
        .filter(confirmation_hash=hash_token(token))
        .select_related("report")
        .first()
    )
    if support is None:
        return None
    if support.confirmed_at is None and can_be_supported(support.report):
        support.confirmed_at = timezone.now()
        support.save(update_fields=["confirmed_at"])
        DefectReport.objects.filter(pk=support.report_id).update(
            supporter_count=F("supporter_count") + 1
        )
    return support


# --- Staff work ---------------------------------------------------------------------------------


def _require(actor: User, report: DefectReport) -> None:
    if not can_work_report(actor, report):
        raise PermissionDenied(_("Diese Meldung gehört nicht zu Ihrem Fachbereich."))


def _locked(report: DefectReport) -> DefectReport:
    return DefectReport.objects.select_for_update().select_related("category").get(pk=report.pk)


@transaction.atomic
def change_status(
    *, actor: User, report: DefectReport, status: str, note: str = ""
) -> DefectReport:
    """Move a report on; the public note goes into its history and to the reporter by e-mail."""
    _require(actor, report)
    report = _locked(report)
    if status not in report.TRANSITIONS.get(report.status, set()):
        raise ValidationError(
            {
                "status": _("Von „%(old)s“ kann nicht zu „%(new)s“ gewechselt werden.")
                % {
                    "old": report.get_status_display(),
                    "new": dict(Status.choices).get(status, status),
                }
            }
        )
    if len(note) > 2000:
        raise ValidationError({"note": _("Die Notiz darf höchstens 2000 Zeichen lang sein.")})
    update = _record(report, to=status, actor=actor, note=note)
    report.status = status
    report.status_changed_at = update.created_at
    report.resolved_at = update.created_at if status == Status.RESOLVED else None
    report.save(update_fields=["status", "status_changed_at", "resolved_at", "updated_at"])
    enqueue(tasks.notify_status_change, update.pk)
    return report


@transaction.atomic
def add_internal_note(*, actor: User, report: DefectReport, text: str) -> InternalNote:
    _require(actor, report)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Die Notiz ist leer.")})
    note = InternalNote(report=report, author=actor, text=text)
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def reassign(
    *,
    actor: User,
    report: DefectReport,
    category: Category | None = None,
    department: Department | None = None,
    reason: str = "",
) -> DefectReport:
    """Give a report another category (and so its department) or another department."""
    _require(actor, report)
    report = _locked(report)
    changes = []
    if category is not None and category.pk != report.category_id:
        changes.append(
            _("Kategorie: %(old)s → %(new)s") % {"old": report.category, "new": category}
        )
        report.category = category
        if department is None:
            department = category.department
    if department is not None and department.pk != report.department_id:
        changes.append(
            _("Fachbereich: %(old)s → %(new)s") % {"old": report.department, "new": department}
        )
        report.department = department
    if not changes:
        return report
    report.save(update_fields=["category", "department", "updated_at"])
    text = "; ".join(changes) + (f"\n{reason.strip()}" if reason.strip() else "")
    InternalNote.objects.create(report=report, author=actor, text=text)
    return report


@transaction.atomic
def mark_duplicate(
    *, actor: User, report: DefectReport, original: DefectReport, note: str = ""
) -> DefectReport:
    """Close a report as a duplicate: its reporter and supporters follow the original now."""
    _require(actor, report)
    while original.duplicate_of_id:  # always point at the report that stays open
        original = original.duplicate_of
    if original.pk == report.pk:
        raise ValidationError(
            {"duplicate_of": _("Eine Meldung kann kein Duplikat ihrer selbst sein.")}
        )
    if not original.is_public:
        raise ValidationError(
            {
                "duplicate_of": _("Die Meldung %(reference)s ist nicht öffentlich.")
                % {"reference": original.reference}
            }
        )
    report = _locked(report)
    if report.status == Status.DUPLICATE:
        raise ValidationError({"duplicate_of": _("Diese Meldung ist bereits ein Duplikat.")})
    # Everybody who cared about the duplicate now supports the original, each person once.
    people = [
        (s.user_id, s.email, s.confirmed_at, s.confirmation_hash) for s in report.supports.all()
    ]
    if report.reporter_id or report.reporter_email:
        people.append((report.reporter_id, report.reporter_email, report.confirmed_at, ""))
    for user_id, email, confirmed_at, confirmation_hash in people:
        if user_id and user_id == original.reporter_id:
            continue
        if not user_id and email.lower() == original.reporter_email.lower():
            continue  # the original's reporter hears about it anyway
        lookup = {"user_id": user_id} if user_id else {"email": email.lower()}
        if not Support.objects.filter(report=original, **lookup).exists():
            # An unconfirmed supporter's link keeps working: it now confirms on the original.
            report.supports.filter(confirmation_hash=confirmation_hash).exclude(
                confirmation_hash=""
            ).delete()
            Support.objects.create(
                report=original,
                confirmed_at=confirmed_at,
                confirmation_hash=confirmation_hash,
                **lookup,
            )
    report.supports.all().delete()
    note = note.strip() or _("Dieser Mangel wurde bereits gemeldet: %(reference)s.") % {
        "reference": original.reference
    }
    update = _record(report, to=Status.DUPLICATE, actor=actor, note=note)
    report.status = Status.DUPLICATE
    report.duplicate_of = original
    report.supporter_count = 0
    report.status_changed_at = update.created_at
    report.save(
        update_fields=[
            "status",
            "duplicate_of",
            "supporter_count",
            "status_changed_at",
            "updated_at",
        ]
    )
    recount_supporters(original)
    enqueue(tasks.notify_status_change, update.pk)
    return report


def recount_supporters(report: DefectReport) -> None:
    """Set the counter from the rows (after a merge or a deletion moved supports)."""
    count = Support.objects.filter(report=report, confirmed_at__isnull=False).count()
    DefectReport.objects.filter(pk=report.pk).update(supporter_count=count)


@transaction.atomic
def hide_report(*, actor: User, report: DefectReport, reason: str) -> DefectReport:
    """Take a report off the public pages (abuse, personal data in it); the reason is public."""
    _require(actor, report)
    if not reason.strip():
        raise ValidationError({"hidden_reason": _("Bitte geben Sie einen Grund an.")})
    report = _locked(report)
    reason = reason.strip()[:500]
    report.is_hidden = True
    report.hidden_reason = reason
    report.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
    InternalNote.objects.create(
        report=report, author=actor, text=_("Ausgeblendet: %(reason)s") % {"reason": reason}
    )
    return report


@transaction.atomic
def restore_report(*, actor: User, report: DefectReport) -> DefectReport:
    _require(actor, report)
    report = _locked(report)
    report.is_hidden = False
    report.hidden_reason = ""
    report.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
    InternalNote.objects.create(report=report, author=actor, text=_("Wieder eingeblendet."))
    return report


@transaction.atomic
def redact_report(
    *, actor: User, report: DefectReport, description: str | None = None
) -> DefectReport:
    """Remove the reporter's personal data (contact, account link), and if given replace a
    description that names people. The report itself and its history stay."""
    _require(actor, report)
    report = _locked(report)
    report.reporter = None
    report.reporter_email = report.reporter_name = report.reporter_phone = ""
    report.on_behalf_of = ""
    if description is not None:
        if not description.strip():
            raise ValidationError({"description": _("Die Beschreibung darf nicht leer sein.")})
        report.description = description.strip()
    report.redacted_at = timezone.now()
    report.full_clean(exclude=["reference"])
    report.save()
    InternalNote.objects.create(
        report=report, author=actor, text=_("Personenbezogene Daten entfernt.")
    )
    return report


# --- Photos -------------------------------------------------------------------------------------


@transaction.atomic
def add_photos(*, actor: User, report: DefectReport, photos: Sequence[NewPhoto]) -> None:
    """Staff add photos to a report (e.g. from an e-mail); they start unreleased like all."""
    _require(actor, report)
    _check_photos(photos, existing=report.photos.count())
    _save_photos(report, photos)


@transaction.atomic
def release_photo(*, actor: User, photo: Photo, alt_text: str = "") -> Photo:
    """Make a photo public once staff have checked it shows no people, plates or the like."""
    _require(actor, photo.report)
    if photo.state != Photo.State.READY:
        raise ValidationError(
            _("Das Foto wird noch verarbeitet und kann noch nicht freigegeben werden.")
        )
    photo.is_released = True
    photo.released_by = actor
    if alt_text.strip():
        photo.alt_text = alt_text.strip()[:300]
    photo.save(update_fields=["is_released", "released_by", "alt_text"])
    return photo


@transaction.atomic
def withhold_photo(*, actor: User, photo: Photo) -> Photo:
    _require(actor, photo.report)
    photo.is_released = False
    photo.released_by = None
    photo.save(update_fields=["is_released", "released_by"])
    return photo


def _delete_photo_files(photo: Photo) -> None:
    for field in (photo.original, photo.image, photo.thumbnail):
        if field:
            field.delete(save=False)


@transaction.atomic
def delete_photo(*, actor: User, photo: Photo) -> None:
    _require(actor, photo.report)
    files = [f.name for f in (photo.original, photo.image, photo.thumbnail) if f]
    storage = photo.image.storage
    photo.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in files])


def process_photo(photo_id: int) -> Photo | None:
    """Re-encode an upload (orientation applied, ≤ 2048 px, no EXIF/GPS) and make a thumbnail;
    the original is deleted. Runs in Celery after the report's commit."""
    from lohmar_portal.images import THUMBNAIL_SIDE, clean_image

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.state != Photo.State.PENDING or not photo.original:
        return photo
    try:
        with photo.original.open("rb") as upload:
            image = clean_image(upload)
            thumbnail = clean_image(upload, max_side=THUMBNAIL_SIDE)
    except (OSError, ValueError, SyntaxError):
        # Unreadable after all: the upload (and whatever place it records) is not kept.
        photo.original.delete(save=False)
        Photo.objects.filter(pk=photo.pk).update(state=Photo.State.FAILED, original="")
        photo.state = Photo.State.FAILED
        return photo
    original = photo.original.name
    photo.image.save(image.name, image, save=False)
    photo.thumbnail.save(thumbnail.name, thumbnail, save=False)
    photo.original = ""
    photo.state = Photo.State.READY
    photo.save(update_fields=["image", "thumbnail", "original", "state"])
    photo.image.storage.delete(original)
    return photo


# --- Personal data (Bürgerkonto) ----------------------------------------------------------------


def anonymise_reporter(user: User) -> None:
    """On account deletion: the reports stay, without the person; supports go."""
    DefectReport.objects.filter(reporter=user).update(reporter=None)
    for report_id in Support.objects.filter(user=user).values_list("report_id", flat=True):
        Support.objects.filter(user=user, report_id=report_id).delete()
        recount_supporters(DefectReport(pk=report_id))
