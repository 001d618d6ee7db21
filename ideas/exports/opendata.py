"""Open data: the published proposals as CSV and JSON, with no personal data, under a licence.

Only public facts leave: no author, no channel, no on-behalf entry, no comment text.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from ..models import DossierExport
from . import conf, selectors
from .storage import atomic_file

FIELDS = [
    "reference",
    "title",
    "summary",
    "pillar",
    "status",
    "district",
    "latitude",
    "longitude",
    "ratings_1",
    "ratings_2",
    "ratings_3",
    "ratings_4",
    "ratings_5",
    "rating_count",
    "rating_mean",
    "rating_score",
    "comment_count",
    "created_at",
    "url",
    "licence",
]


@dataclass
class Scope:
    export: DossierExport
    proposals: object
    distribution: dict[int, list[int]]

    @classmethod
    def of(cls, export: DossierExport) -> "Scope":
        proposals = selectors.proposals_of(export)
        return cls(export, proposals, selectors.rating_distribution(proposals))

    def records(self):
        licence, _url = conf.open_data_licence()
        for row in selectors.ranked_rows(
            self.proposals, anonymise=True, distribution=self.distribution
        ):
            yield {
                "reference": row.reference,
                "title": row.title,
                "summary": row.summary,
                "pillar": row.pillar,
                "status": row.status,
                "district": row.district,
                "latitude": row.latitude,
                "longitude": row.longitude,
                "ratings_1": row.distribution[0],
                "ratings_2": row.distribution[1],
                "ratings_3": row.distribution[2],
                "ratings_4": row.distribution[3],
                "ratings_5": row.distribution[4],
                "rating_count": row.rating_count,
                "rating_mean": round(row.mean, 3) if row.mean is not None else None,
                "rating_score": round(row.rating_score, 3),
                "comment_count": row.comment_count,
                "created_at": timezone.localtime(row.created_at).isoformat(),
                "url": row.url,
                "licence": licence,
            }


def build_csv(scope: Scope, target: Path) -> None:
    """Plain UTF-8 and commas: the machine-readable form (the dossier CSV is for Excel)."""
    with atomic_file(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for record in scope.records():
            writer.writerow(record)


def build_json(scope: Scope, target: Path) -> None:
    """Streamed: one proposal at a time, so memory does not grow with the data."""
    licence, licence_url = conf.open_data_licence()
    head = {
        "licence": licence,
        "licence_url": licence_url,
        "generated_at": timezone.localtime().isoformat(),
    }
    with atomic_file(target, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "proposals": [')
        for index, record in enumerate(scope.records()):
            handle.write(("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False))
        handle.write("\n]}\n")


BUILDERS = {"csv": build_csv, "json": build_json}
