"""Reads of the strategy."""

from django.db.models import Prefetch

from .models import Pillar, Vision


def current_vision() -> Vision | None:
    """The published vision with the latest horizon, its pillars loaded in order."""
    return (
        Vision.objects.published()
        .prefetch_related(Prefetch("pillars", queryset=Pillar.objects.order_by("order", "title")))
        .first()
    )


def published_pillar(*, slug: str) -> Pillar | None:
    """A pillar of a published vision."""
    return (
        Pillar.objects.filter(vision__is_published=True, slug=slug).select_related("vision").first()
    )
