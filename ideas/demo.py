"""Demo data of the strategy: Lohmar's vision 'Digitales Lohmar 2025' and its four pillars."""

import json
from pathlib import Path

from .models import Pillar, Vision

DATA = Path(__file__).parent / "demo_data" / "strategy.json"


def load(log) -> None:
    """Create or update the vision and its pillars from the city's published texts."""
    data = json.loads(DATA.read_text())
    vision, _ = Vision.objects.update_or_create(
        title=data["vision"]["title"], defaults={**data["vision"], "is_published": True}
    )
    for pillar in data["pillars"]:
        Pillar.objects.update_or_create(slug=pillar["slug"], defaults={**pillar, "vision": vision})
    log(f"Vision „{vision.title}“ mit {len(data['pillars'])} Schwerpunkten")
