"""Fill a PostgreSQL database with benchmark defect reports for the map and the Open311 API.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lohmar_bench \\
        .venv/bin/python bench/defects_data.py [--reports 50000] [--replace]

Writes the demo categories (if the database has none) and the reports: spread over the last two
years and all categories, 85 % with a point inside the city outline, the rest with an address
only, in every status, with their status history and "Ich auch" supporters. Reporters are e-mail
addresses `melder-<n>@bench-defects.invalid` (no accounts). Everything is loaded with `COPY` in one
transaction; the supporter counters are computed from the rows afterwards.
"""

import argparse
import json
import sys
import time
from datetime import timedelta

from ideas_data import ROOT, BaseGenerator, setup_django, step, weighted_picker
from psycopg import sql

EMAIL_DOMAIN = "bench-defects.invalid"
STATUSES = [  # (status, share)
    ("submitted", 0.03),
    ("confirmed", 0.20),
    ("acknowledged", 0.15),
    ("in_progress", 0.12),
    ("resolved", 0.40),
    ("not_responsible", 0.03),
    ("duplicate", 0.03),
    ("closed", 0.04),
]
DESCRIPTIONS = [
    "Schlagloch in der Fahrbahn, etwa handtellergroß.",
    "Die Laterne flackert seit Tagen und geht nachts ganz aus.",
    "Hier wurde Sperrmüll abgeladen: Matratze, Stühle, Säcke.",
    "Die Schaukel auf dem Spielplatz hat eine gerissene Kette.",
    "Ein Ast hängt tief über den Radweg.",
    "Das Verkehrsschild ist umgefahren worden.",
    "Gehwegplatten stehen hoch, Stolpergefahr.",
    "Der Papierkorb an der Bushaltestelle quillt über.",
]
STREETS = ["Hauptstraße", "Bachstraße", "Kirchweg", "Am Markt", "Waldweg", "Bergstraße"]
# What --replace deletes (the bench reports are those of the bench reporters' addresses).
BENCH_REPORTS = sql.SQL(
    "(SELECT id FROM defects_defectreport WHERE reporter_email LIKE %(pattern)s)"
)
REMOVE = [
    *(
        sql.SQL("DELETE FROM {} WHERE report_id IN {}").format(sql.Identifier(table), BENCH_REPORTS)
        for table in (
            "defects_statusupdate",
            "defects_support",
            "defects_internalnote",
            "defects_photo",
        )
    ),
    sql.SQL(
        "UPDATE defects_defectreport SET duplicate_of_id = NULL WHERE duplicate_of_id IN {}"
    ).format(BENCH_REPORTS),
    sql.SQL("DELETE FROM defects_defectreport WHERE id IN {}").format(BENCH_REPORTS),
]
PATTERN = {"pattern": f"%@{EMAIL_DOMAIN}"}


class Generator(BaseGenerator):
    def remove_previous(self) -> None:
        with self.raw() as cursor:
            for statement in REMOVE:
                cursor.execute(statement, PATTERN)

    def categories(self) -> None:
        """The demo categories and departments, when the database has none yet."""
        from defects.models import Category
        from lohmar_portal.models import Department, District

        if not Department.objects.exists():
            city = json.loads((ROOT / "lohmar_portal" / "demo_data" / "city.json").read_text())
            for item in city["departments"]:
                Department.objects.create(**item)
        if not Category.objects.exists():
            data = json.loads((ROOT / "defects" / "demo_data" / "defects.json").read_text())
            for order, item in enumerate(data["categories"]):
                Category.objects.create(
                    **{k: v for k, v in item.items() if k != "department"},
                    department=Department.objects.get(slug=item["department"]),
                    order=order,
                )
        self.categories = list(Category.objects.values_list("pk", "department_id"))
        self.districts = list(District.objects.values_list("pk", flat=True)) or [None]

    def reports(self) -> None:
        from lohmar_portal.geo import city_bounds, is_in_city
        from lohmar_portal.models import ReferenceSequence

        count = self.args.reports
        created = sorted(
            self.now - timedelta(days=730) * self.chance.random() for _ in range(count)
        )
        sequences = {seq.year: seq.last for seq in ReferenceSequence.objects.filter(prefix="MM")}
        south, west, north, east = city_bounds()
        statuses, shares = zip(*STATUSES, strict=True)
        pick_status = weighted_picker(list(shares), self.chance)
        first = self.next_id("defects_defectreport")
        self.report_ids = list(range(first, first + count))
        self.open_reports: list[int] = []
        history = []
        resolved_ids = []

        def point():
            while True:
                lat, lon = self.chance.uniform(south, north), self.chance.uniform(west, east)
                if is_in_city(lat, lon):
                    return lat, lon

        def rows():
            for n, (pk, when) in enumerate(zip(self.report_ids, created, strict=True), start=1):
                year = when.year
                sequences[year] = sequences.get(year, 0) + 1
                status = statuses[pick_status()]
                category, department = self.chance.choice(self.categories)
                located = self.chance.random() < 0.85
                lat, lon = point() if located else (None, None)
                street = f"{self.chance.choice(STREETS)} {self.chance.randint(1, 120)}"
                hidden = self.chance.random() < 0.005
                confirmed = None if status == "submitted" else when + timedelta(minutes=20)
                changed = when + timedelta(days=self.chance.randint(1, 30))
                changed = min(changed, self.now)
                resolved = changed if status == "resolved" else None
                if status in {"confirmed", "acknowledged", "in_progress"} and not hidden:
                    self.open_reports.append(pk)
                if resolved:
                    resolved_ids.append(pk)
                history.append((pk, "", "submitted", "", False, when))
                if confirmed:
                    history.append((pk, "submitted", "confirmed", "", False, confirmed))
                    if status != "confirmed":
                        history.append(
                            (pk, "confirmed", status, "Die Stadt kümmert sich.", True, changed)
                        )
                yield (
                    pk,
                    f"MM-{year}-{sequences[year]:05d}",
                    category,
                    department,
                    self.chance.choice(DESCRIPTIONS),
                    lat,
                    lon,
                    street if (not located or self.chance.random() < 0.5) else "",
                    self.chance.choice(self.districts),
                    f"melder-{n}@{EMAIL_DOMAIN}",
                    "",
                    "",
                    "",
                    confirmed,
                    status,
                    changed,
                    resolved,
                    0,
                    hidden,
                    "Enthielt personenbezogene Daten." if hidden else "",
                    "web",
                    "",
                    when,
                    changed,
                )

        self.history = history
        self.copy(
            "defects_defectreport",
            [
                "id",
                "reference",
                "category_id",
                "department_id",
                "description",
                "latitude",
                "longitude",
                "address",
                "district_id",
                "reporter_email",
                "reporter_name",
                "reporter_phone",
                "confirmation_hash",
                "confirmed_at",
                "status",
                "status_changed_at",
                "resolved_at",
                "supporter_count",
                "is_hidden",
                "hidden_reason",
                "channel",
                "on_behalf_of",
                "created_at",
                "updated_at",
            ],
            rows(),
        )
        for year, last in sequences.items():
            ReferenceSequence.objects.update_or_create(
                prefix="MM", year=year, defaults={"last": last}
            )

    def status_history(self) -> None:
        first = self.next_id("defects_statusupdate")
        self.copy(
            "defects_statusupdate",
            ["id", "report_id", "from_status", "to_status", "note", "by_staff", "created_at"],
            ((first + n, *row) for n, row in enumerate(self.history)),
        )

    def supports(self) -> None:
        """About 30 % of the open reports have supporters ("Ich auch"), a few have many."""
        first = self.next_id("defects_support")
        rows = []
        for report in self.open_reports:
            if self.chance.random() < 0.3:
                for k in range(min(40, int(self.chance.paretovariate(1.5)))):
                    email = f"auch-{report}-{k}@{EMAIL_DOMAIN}"
                    rows.append((first + len(rows), report, email, "", self.now, self.now))
        self.copy(
            "defects_support",
            ["id", "report_id", "email", "confirmation_hash", "confirmed_at", "created_at"],
            rows,
        )
        with self.raw() as cursor:
            cursor.execute(
                "UPDATE defects_defectreport AS r SET supporter_count = s.n FROM "
                "(SELECT report_id, count(*) AS n FROM defects_support GROUP BY report_id) AS s "
                "WHERE s.report_id = r.id AND r.reporter_email LIKE %(pattern)s",
                PATTERN,
            )
        self.support_count = len(rows)

    def run(self) -> None:
        from django.db import transaction

        total = time.perf_counter()
        with transaction.atomic():
            if self.args.replace:
                with step("remove earlier bench reports", self.timings):
                    self.remove_previous()
            with step("categories", self.timings):
                self.categories()
            with step(f"{self.args.reports} reports", self.timings):
                self.reports()
            with step(f"{len(self.history)} status updates", self.timings):
                self.status_history()
            with step("supporters", self.timings):
                self.supports()
        with step("ANALYZE", self.timings), self.raw() as cursor:
            cursor.execute("ANALYZE defects_defectreport, defects_statusupdate, defects_support")
        print(f"\ntotal {time.perf_counter() - total:.1f} s")
        print(f"{len(self.open_reports)} open reports, {self.support_count} supporters")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2019, help="same seed, same data")
    parser.add_argument("--replace", action="store_true", help="remove earlier bench reports")
    args = parser.parse_args()
    if args.reports < 1:
        parser.error("need at least one report")
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(
            "bench/defects_data.py needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/"
            f"<bench database> (now: {connection.vendor})."
        )
    print(f"database {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}")
    Generator(args, connection).run()


if __name__ == "__main__":
    main()
