"""Every write of the core goes through here."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import District, ReferenceSequence, User


@transaction.atomic
def reserve_references(prefix: str, *, year: int, up_to: int) -> None:
    """Make sure `next_reference` never hands out numbers up to `up_to` (imported records)."""
    ReferenceSequence.objects.get_or_create(prefix=prefix, year=year)
    ReferenceSequence.objects.filter(prefix=prefix, year=year, last__lt=up_to).update(last=up_to)


@transaction.atomic
def next_reference(prefix: str, *, width: int = 4, year: int | None = None) -> str:
    """The next public reference of a kind, e.g. `VS-2026-0042`; gap-free per year.

    Call inside the transaction that saves the referenced object: the sequence row stays
    locked until it commits, so concurrent callers never get the same number (and no number
    is used up by a save that fails).
    """
    year = year or timezone.localdate().year
    updated = ReferenceSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(prefix=prefix, year=year, last=1)
        except IntegrityError:  # created concurrently: take the next number of that row
            ReferenceSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
    last = ReferenceSequence.objects.get(prefix=prefix, year=year).last
    return f"{prefix}-{year}-{last:0{width}d}"


@transaction.atomic
def update_profile(
    *,
    actor: User,
    user: User,
    display_name: str,
    real_name: str,
    district: District | None,
    notify_status: bool = True,
    notify_replies: bool = True,
) -> User:
    """Change a person's public name, private real name, district and notification settings."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Sie können nur Ihr eigenes Profil ändern."))
    user.display_name = display_name
    user.real_name = real_name
    user.district = district
    user.notify_status = notify_status
    user.notify_replies = notify_replies
    user.full_clean(exclude=["password"])
    user.save(
        update_fields=["display_name", "real_name", "district", "notify_status", "notify_replies"]
    )
    return user
