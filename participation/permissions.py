"""Who may do what, decided by the active phase. Pages and services ask the same predicates.

A participatable object has: `process` (a Process), `author_id`, `is_hidden`, and
`is_open_for_participation()` (False once it is decided, withdrawn or merged).
"""

from django.contrib.auth.models import AnonymousUser

from lohmar_portal.models import User

from .models import Process


def is_citizen(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_moderate(user: User | AnonymousUser) -> bool:
    """Moderators hide and restore, merge, change statuses, and enter on a citizen's behalf."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("participation.moderate")
    )


def phase_allows(process: Process, feature: str, when=None) -> bool:
    """Whether the phase running now allows `submit`, `rate` or `comment`."""
    phase = process.phase_at(when)
    return bool(phase and getattr(phase, f"allows_{feature}"))


def can_rate(user, target, when=None) -> bool:
    """Citizens rate others' open contributions while the phase allows rating."""
    return (
        is_citizen(user)
        and target.author_id != user.pk
        and target.process.is_public
        and target.is_open_for_participation()
        and phase_allows(target.process, "rate", when)
    )


def can_comment(user, target, when=None) -> bool:
    """Citizens comment while the phase allows it; moderators answer officially at any time."""
    if not is_citizen(user) or target.is_hidden:
        return False
    if can_moderate(user):
        return True
    return (
        target.process.is_public
        and target.is_open_for_participation()
        and phase_allows(target.process, "comment", when)
    )


def _in_sight(user, target) -> bool:
    """A contribution to a process that is not public exists for moderators only."""
    process = getattr(target, "process", None)
    return process is None or process.is_public or can_moderate(user)


def can_flag(user, target) -> bool:
    """Anyone logged in may report a visible contribution that is not their own."""
    author_id = getattr(target, "author_id", None)
    return (
        is_citizen(user)
        and not target.is_hidden
        and author_id != user.pk
        and _in_sight(user, target)
    )


def can_follow(user, target) -> bool:
    return is_citizen(user) and not target.is_hidden and _in_sight(user, target)
