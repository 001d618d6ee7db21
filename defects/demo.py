"""Demo data of the Mängelmelder: the categories with their departments, and example reports."""

import json
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from lohmar_portal.geo import is_in_city
from lohmar_portal.models import Department, District
from lohmar_portal.services import reserve_references

from .models import Category, DefectReport, StatusUpdate

DATA = Path(__file__).parent / "demo_data" / "defects.json"
DEMO_REPORTER = "demo-melder@example.org"


def load(log) -> None:
    """Create or update the categories and the example reports (their history included)."""
    data = json.loads(DATA.read_text())
    categories = {}
    for order, item in enumerate(data["categories"]):
        fields = {key: item[key] for key in ("name", "service_code", "group", "description")}
        categories[item["slug"]], _ = Category.objects.update_or_create(
            slug=item["slug"],
            defaults={
                **fields,
                "keywords": item["keywords"],
                "department": Department.objects.get(slug=item["department"]),
                "order": order,
            },
        )
    for item in data["reports"]:
        _report(item, categories)
    references = [item["reference"] for item in data["reports"]]
    year = int(references[0].split("-")[1])
    reserve_references("MM", year=year, up_to=max(int(r.split("-")[2]) for r in references))
    log(f"{len(categories)} Kategorien, {len(references)} Beispielmeldungen")


def _report(item: dict, categories: dict) -> None:
    now = timezone.now()
    created = now - timedelta(days=item["days_ago"])
    latitude, longitude = item["point"] or (None, None)
    if latitude is not None and not is_in_city(latitude, longitude):
        raise ValueError(f"{item['reference']} lies outside the city outline")
    category = categories[item["category"]]
    status = item["history"][-1][0] if item["history"] else DefectReport.Status.CONFIRMED
    changed = now - timedelta(days=item["history"][-1][1]) if item["history"] else created
    report, created_now = DefectReport.objects.update_or_create(
        reference=item["reference"],
        defaults={
            "category": category,
            "department": category.department,
            "description": item["description"],
            "latitude": latitude,
            "longitude": longitude,
            "address": item["address"],
            "district": District.objects.filter(name=item["district"]).first(),
            "reporter_email": DEMO_REPORTER,
            "status": status,
            "confirmed_at": created,
            "status_changed_at": changed,
            "resolved_at": changed if status == DefectReport.Status.RESOLVED else None,
            "created_at": created,
        },
    )
    if not created_now:
        return
    previous = DefectReport.Status.SUBMITTED
    StatusUpdate.objects.create(
        report=report, from_status="", to_status=previous, created_at=created
    )
    steps = [(DefectReport.Status.CONFIRMED, item["days_ago"], "")] + item["history"]
    for to_status, days_ago, note in steps:
        StatusUpdate.objects.create(
            report=report,
            from_status=previous,
            to_status=to_status,
            note=note,
            by_staff=bool(note),
            created_at=now - timedelta(days=days_ago),
        )
        previous = to_status
