"""Every write of the core goes through here."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from .models import District, User


@transaction.atomic
def update_profile(
    *, actor: User, user: User, display_name: str, real_name: str, district: District | None
) -> User:
    """Change a person's public name, private real name and district."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Sie können nur Ihr eigenes Profil ändern."))
    user.display_name = display_name
    user.real_name = real_name
    user.district = district
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "real_name", "district"])
    return user
