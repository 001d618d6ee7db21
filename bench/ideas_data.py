"""Fill a PostgreSQL database with benchmark data for the ideas pages, quickly and consistently.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lohmar_bench \\
        .venv/bin/python bench/ideas_data.py [--proposals 100000] [--ratings 1000000] \\
        [--comments 300000] [--users 20000] [--replace]

Writes bench users (`bench-<n>@bench.invalid`, password `bench-passwort`), an open process
„Benchmark: Ideensammlung“ (submit, rate, comment) and its proposals, ratings (one per user and
proposal, never by the author), comments (one reply level, some deleted or hidden), follows and
status history, all with `COPY`. The counters are then computed from the rows in SQL, so they
match exactly. Everything happens in one transaction: a failed run leaves nothing behind.
"""

import argparse
import json
import os
import random
import sys
import time
from bisect import bisect_left
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
PROCESS_SLUG = "benchmark-ideensammlung"
EMAIL_DOMAIN = "bench.invalid"
PASSWORD = "bench-passwort"  # noqa: S105 (bench accounts on a throw-away database)
# What --replace deletes, in foreign-key order (Django's cascades are not in the schema).
BENCH_PROPOSALS = sql.SQL("(SELECT id FROM ideas_proposal WHERE process_id = %(process)s)")
ON_BENCH = sql.SQL("content_type_id = %(type)s AND object_id IN {}").format(BENCH_PROPOSALS)
BENCH_USERS = sql.SQL("(SELECT id FROM lohmar_portal_user WHERE email LIKE %(pattern)s)")


def _delete(table: str, condition: sql.Composable) -> sql.Composed:
    return sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(table), condition)


def _in(column: str, rows: sql.Composable) -> sql.Composed:
    return sql.SQL("{} IN {}").format(sql.Identifier(column), rows)


REMOVE_PROPOSALS = [
    *(
        _delete(f"participation_{name}", ON_BENCH)
        for name in ("rating", "follow", "flag", "moderationaction")
    ),
    sql.SQL("UPDATE participation_comment SET parent_id = NULL WHERE {}").format(ON_BENCH),
    _delete("participation_comment", ON_BENCH),
    *(
        _delete(table, _in("proposal_id", BENCH_PROPOSALS))
        for table in (
            "ideas_statuschange",
            "ideas_proposalimage",
            "ideas_roadmapproject_proposals",
            "ideas_proposalsearchdocument",
        )
    ),
    _delete("ideas_proposal", sql.SQL("process_id = %(process)s")),
]
REMOVE_USERS = [
    *(
        _delete(table, _in("user_id", BENCH_USERS))
        for table in (
            "participation_rating",
            "participation_follow",
            "participation_flag",
            "account_emailaddress",
        )
    ),
    sql.SQL("UPDATE participation_comment SET author_id = NULL WHERE {}").format(
        _in("author_id", BENCH_USERS)
    ),
    _delete("lohmar_portal_user", _in("id", BENCH_USERS)),
]
# The search documents of the generated proposals (ideas migration 0008 keeps them by trigger).
SEARCH_TRIGGER = "proposal_search_document_insert"
SEARCH_DOCUMENTS = """
    INSERT INTO ideas_proposalsearchdocument (proposal_id, document)
    SELECT id, to_tsvector('german', COALESCE(title, '') || ' ' || COALESCE(summary, '')
        || ' ' || COALESCE(text, ''))
    FROM ideas_proposal WHERE process_id = %(process)s
"""
# A popular proposal draws many comments, but its page must stay a page, not a dump.
MAX_COMMENTS_PER_PROPOSAL = 500

STATUSES = [  # (status, share)
    ("submitted", 45),
    ("in_review", 20),
    ("shortlisted", 10),
    ("recommended", 5),
    ("adopted", 5),
    ("rejected", 8),
    ("deferred", 4),
    ("withdrawn", 3),
]
TOPICS = [
    "Freies WLAN",
    "Digitale Bürgersprechstunde",
    "Online-Terminvergabe",
    "Sensoren für Parkplätze",
    "Tablets für Grundschulen",
    "Bürgerbus mit App",
    "Digitale Anzeigetafel",
    "Glasfaser für Gewerbegebiete",
    "Offene Daten zum Haushalt",
    "Mängelmelder für Spielplätze",
    "Lernplattform für Senioren",
    "Ladesäulen mit Reservierung",
    "Smarte Straßenbeleuchtung",
    "Digitale Stadtführung",
    "Coworking im Rathaus",
]
PLACES = [
    "am Rathaus",
    "in der Innenstadt",
    "an der Agger",
    "in Wahlscheid",
    "in Birk",
    "in Donrath",
    "am Bahnhof",
    "an den Schulen",
    "im Jabachtal",
    "für alle Ortsteile",
]
SENTENCES = [
    "Viele Bürgerinnen und Bürger wünschen sich das schon lange.",
    "Andere Städte im Rhein-Sieg-Kreis haben damit gute Erfahrungen gemacht.",
    "Die Kosten wären überschaubar, der Nutzen für alle Generationen groß.",
    "Besonders Familien und ältere Menschen würden davon profitieren.",
    "Die Umsetzung könnte schrittweise erfolgen, zuerst in einem Ortsteil.",
    "Vereine und Schulen könnten bei der Planung mitwirken.",
    "Wichtig ist, dass das Angebot barrierefrei und einfach zu bedienen ist.",
    "Die Daten sollten offen und datenschutzfreundlich bereitgestellt werden.",
    "So würde Lohmar ein Stück digitaler und zugleich näher an den Menschen.",
    "Eine Förderung durch das Land NRW wäre möglich.",
]
COMMENTS = [
    "Gute Idee, das unterstütze ich!",
    "Wer soll das bezahlen?",
    "In Siegburg gibt es das schon, es funktioniert dort gut.",
    "Bitte auch an die Menschen denken, die kein Smartphone haben.",
    "Das wäre für unseren Ortsteil eine echte Verbesserung.",
    "Ich sehe das skeptisch, der Datenschutz muss geklärt sein.",
    "Genau das habe ich mir auch schon gedacht.",
    "Könnte man das nicht mit dem Vorschlag zum Bürgerbus verbinden?",
    "Wichtiger fände ich zuerst schnelles Internet überall.",
    "Danke für den Vorschlag, sehr durchdacht.",
]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@contextmanager
def step(label: str, timings: list[tuple[str, float]]):
    start = time.perf_counter()
    print(f"{label} …", end=" ", flush=True)
    yield
    seconds = time.perf_counter() - start
    timings.append((label, seconds))
    print(f"{seconds:.1f} s", flush=True)


def weighted_picker(weights: list[float], chance: random.Random):
    """Pick indexes with the given weights, fast (cumulative sums and bisection)."""
    totals = list(accumulate(weights))
    grand = totals[-1]
    return lambda: bisect_left(totals, chance.random() * grand)


def popularity(count: int, chance: random.Random) -> list[float]:
    """A long tail: a few proposals draw many ratings and comments, most draw a few."""
    return [chance.paretovariate(1.2) for _ in range(count)]


def spread(total: int, weights: list[float], cap: int, chance: random.Random) -> list[int]:
    """Split `total` over the items in proportion to the weights, at most `cap` each."""
    grand = sum(weights)
    counts = [min(cap, int(total * weight / grand)) for weight in weights]
    pick = weighted_picker(weights, chance)
    missing = total - sum(counts)
    tries = 0
    while missing > 0 and tries < total * 20:
        index = pick()
        tries += 1
        if counts[index] < cap:
            counts[index] += 1
            missing -= 1
    return counts


def copy_rows(cursor_factory, table: str, columns: list[str], rows) -> int:
    """Stream the rows with COPY; the ids are given, so move the id sequence past them."""
    count = 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cursor_factory() as cursor:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Literal(table), sql.Identifier(table))
        )
    return count


class BaseGenerator:
    """What every bench generator needs: the seeded chance, the clock, COPY into the tables."""

    def __init__(self, args, connection) -> None:
        from django.utils import timezone

        self.args = args
        self.connection = connection
        self.chance = random.Random(args.seed)
        self.now = timezone.now()
        self.timings: list[tuple[str, float]] = []

    def raw(self):
        """The psycopg cursor of Django's connection: same transaction, with `copy()`."""
        return self.connection.connection.cursor()

    def next_id(self, table: str) -> int:
        with self.raw() as cursor:
            cursor.execute(
                sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}").format(sql.Identifier(table))
            )
            return cursor.fetchone()[0]

    def copy(self, table: str, columns: list[str], rows) -> int:
        return copy_rows(self.raw, table, columns, rows)

    def moment_between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.chance.random()


class Generator(BaseGenerator):
    def __init__(self, args, connection) -> None:
        from django.contrib.contenttypes.models import ContentType

        from ideas.models import Proposal

        super().__init__(args, connection)
        self.proposal_type = ContentType.objects.get_for_model(Proposal).pk

    # --- steps ----------------------------------------------------------------------------------

    def remove_previous(self) -> None:
        """Delete the earlier benchmark proposals and users with everything attached to them."""
        from participation.models import Process

        process = Process.objects.filter(slug=PROCESS_SLUG).first()
        params = {
            "type": self.proposal_type,
            "process": process.pk if process else None,
            "pattern": f"%@{EMAIL_DOMAIN}",
        }
        statements = (REMOVE_PROPOSALS if process else []) + REMOVE_USERS
        with self.raw() as cursor:
            for statement in statements:
                cursor.execute(statement, params)

    def reference_data(self) -> None:
        """Districts and pillars from the demo files when the database has none yet."""
        from django.utils.text import slugify

        from ideas.models import Pillar, Vision
        from lohmar_portal.models import District

        if not District.objects.exists():
            city = json.loads((ROOT / "lohmar_portal" / "demo_data" / "city.json").read_text())
            District.objects.bulk_create(
                [District(name=name, slug=slugify(name)) for name in city["districts"]]
            )
        if not Pillar.objects.exists():
            strategy = json.loads((ROOT / "ideas" / "demo_data" / "strategy.json").read_text())
            vision = Vision.objects.create(**{**strategy["vision"], "is_published": True})
            Pillar.objects.bulk_create(
                [Pillar(**pillar, vision=vision) for pillar in strategy["pillars"]]
            )
        self.districts = list(District.objects.values_list("pk", flat=True))
        self.pillars = list(Pillar.objects.values_list("pk", flat=True))

    def process(self) -> None:
        from participation.models import Phase, Process

        process, _created = Process.objects.update_or_create(
            slug=PROCESS_SLUG,
            defaults={
                "title": "Benchmark: Ideensammlung",
                "description": "Erzeugte Testdaten für Lastmessungen.",
                "is_public": True,
            },
        )
        process.phases.all().delete()
        Phase.objects.create(
            process=process,
            name="Ideensammlung",
            starts_at=self.now - timedelta(days=400),
            ends_at=self.now + timedelta(days=365),
            allows_submit=True,
            allows_rate=True,
            allows_comment=True,
        )
        self.process_id = process.pk

    def users(self) -> None:
        from django.contrib.auth.hashers import make_password

        password = make_password(PASSWORD)
        first = self.next_id("lohmar_portal_user")
        self.user_ids = list(range(first, first + self.args.users))
        joined = self.now - timedelta(days=500)

        def rows():
            for n, pk in enumerate(self.user_ids, start=1):
                district = self.chance.choice(self.districts) if n % 3 else None
                yield (
                    pk,
                    password,
                    False,
                    f"bench-{n}@{EMAIL_DOMAIN}",
                    f"Bench-Nutzer {n}",
                    "",
                    False,
                    True,
                    self.moment_between(joined, self.now),
                    district,
                    True,
                    n % 10 != 0,
                )

        self.copy(
            "lohmar_portal_user",
            [
                "id",
                "password",
                "is_superuser",
                "email",
                "display_name",
                "real_name",
                "is_staff",
                "is_active",
                "date_joined",
                "district_id",
                "notify_replies",
                "notify_status",
            ],
            rows(),
        )
        first_address = self.next_id("account_emailaddress")
        self.copy(
            "account_emailaddress",
            ["id", "email", "verified", "primary", "user_id"],
            (
                (first_address + n, f"bench-{n + 1}@{EMAIL_DOMAIN}", True, True, pk)
                for n, pk in enumerate(self.user_ids)
            ),
        )

    def proposals(self) -> None:
        from lohmar_portal.geo import city_bounds, is_in_city
        from lohmar_portal.models import ReferenceSequence
        from participation.services import RATING_PRIOR_MEAN

        count = self.args.proposals
        created = sorted(
            self.moment_between(self.now - timedelta(days=365), self.now) for _ in range(count)
        )
        sequences = {seq.year: seq.last for seq in ReferenceSequence.objects.filter(prefix="VS")}
        south, west, north, east = city_bounds()
        statuses, shares = zip(*STATUSES, strict=True)
        pick_status = weighted_picker(list(shares), self.chance)
        first = self.next_id("ideas_proposal")
        self.proposal_ids = list(range(first, first + count))
        self.proposal_authors: dict[int, int] = {}
        self.proposal_created: dict[int, datetime] = {}
        self.open_proposals: list[int] = []
        history = []

        def point():
            while True:
                lat, lon = self.chance.uniform(south, north), self.chance.uniform(west, east)
                if is_in_city(lat, lon):
                    return lat, lon

        def rows():
            for pk, when in zip(self.proposal_ids, created, strict=True):
                year = when.year
                sequences[year] = sequences.get(year, 0) + 1
                status = statuses[pick_status()]
                author = self.chance.choice(self.user_ids)
                lat, lon = point() if self.chance.random() < 0.3 else (None, None)
                hidden = self.chance.random() < 0.01
                topic, place = self.chance.choice(TOPICS), self.chance.choice(PLACES)
                text = " ".join(self.chance.sample(SENTENCES, self.chance.randint(3, 8)))
                answered = status not in {"submitted", "withdrawn"} and self.chance.random() < 0.5
                self.proposal_authors[pk] = author
                self.proposal_created[pk] = when
                if not hidden and status not in {"adopted", "rejected", "withdrawn"}:
                    self.open_proposals.append(pk)
                history.append((pk, "", "submitted", author, False, when))
                if status != "submitted":
                    history.append((pk, "submitted", status, None, True, when + timedelta(days=3)))
                yield (
                    pk,
                    f"VS-{year}-{sequences[year]:04d}",
                    f"{topic} {place}"[:150],
                    f"{topic} {place}: ein Vorschlag für das digitale Lohmar."[:500],
                    text,
                    lat,
                    lon,
                    "web",
                    "",
                    status,
                    "Die Stadt hat den Vorschlag geprüft." if answered else "",
                    when + timedelta(days=7) if answered else None,
                    hidden,
                    "Nach Meldungen vorläufig ausgeblendet." if hidden else "",
                    0,
                    0,
                    RATING_PRIOR_MEAN,
                    0,
                    when,
                    when,
                    author,
                    self.chance.choice(self.districts) if self.chance.random() < 0.7 else None,
                    self.chance.choice(self.pillars),
                    self.process_id,
                )

        self.copy(
            "ideas_proposal",
            [
                "id",
                "reference",
                "title",
                "summary",
                "text",
                "latitude",
                "longitude",
                "channel",
                "on_behalf_of",
                "status",
                "official_answer",
                "answered_at",
                "is_hidden",
                "hidden_reason",
                "rating_count",
                "rating_sum",
                "rating_score",
                "comment_count",
                "created_at",
                "updated_at",
                "author_id",
                "district_id",
                "pillar_id",
                "process_id",
            ],
            rows(),
        )
        for year, last in sequences.items():
            ReferenceSequence.objects.update_or_create(
                prefix="VS", year=year, defaults={"last": last}
            )
        first_change = self.next_id("ideas_statuschange")
        self.copy(
            "ideas_statuschange",
            [
                "id",
                "proposal_id",
                "from_status",
                "to_status",
                "note",
                "actor_id",
                "by_staff",
                "created_at",
            ],
            (
                (first_change + n, pk, old, new, "", actor, by_staff, when)
                for n, (pk, old, new, actor, by_staff, when) in enumerate(history)
            ),
        )
        first_follow = self.next_id("participation_follow")
        self.copy(
            "participation_follow",
            ["id", "content_type_id", "object_id", "user_id", "created_at"],
            (
                (first_follow + n, self.proposal_type, pk, self.proposal_authors[pk], when)
                for n, (pk, when) in enumerate(self.proposal_created.items())
            ),
        )

    def ratings(self) -> None:
        cap = len(self.user_ids) - 1  # everybody but the author
        counts = spread(
            self.args.ratings, popularity(len(self.proposal_ids), self.chance), cap, self.chance
        )
        first = self.next_id("participation_rating")
        values, value_shares = (1, 2, 3, 4, 5), (8, 10, 20, 32, 30)
        pick_value = weighted_picker(list(value_shares), self.chance)

        def rows():
            pk = first
            for proposal, count in zip(self.proposal_ids, counts, strict=True):
                if not count:
                    continue
                author = self.proposal_authors[proposal]
                raters = self.chance.sample(self.user_ids, count + 1)
                raters = [user for user in raters if user != author][:count]
                since = self.proposal_created[proposal]
                for user in raters:
                    when = self.moment_between(since, self.now)
                    yield (pk, self.proposal_type, proposal, user, values[pick_value()], when, when)
                    pk += 1

        loaded = self.copy(
            "participation_rating",
            ["id", "content_type_id", "object_id", "user_id", "value", "created_at", "updated_at"],
            rows(),
        )
        print(f"({loaded} rows)", end=" ")

    def comments(self) -> None:
        counts = spread(
            self.args.comments,
            popularity(len(self.proposal_ids), self.chance),
            MAX_COMMENTS_PER_PROPOSAL,
            self.chance,
        )
        first = self.next_id("participation_comment")

        def rows():
            pk = first
            for proposal, count in zip(self.proposal_ids, counts, strict=True):
                when = self.proposal_created[proposal]
                threads: list[int] = []
                for _ in range(count):
                    when = self.moment_between(when, min(self.now, when + timedelta(days=5)))
                    parent = (
                        self.chance.choice(threads)
                        if threads and self.chance.random() < 0.3
                        else None
                    )
                    deleted = self.chance.random() < 0.02
                    hidden = not deleted and self.chance.random() < 0.01
                    official = not deleted and self.chance.random() < 0.02
                    text = "" if deleted else self.chance.choice(COMMENTS)
                    yield (
                        pk,
                        self.proposal_type,
                        proposal,
                        None if official else self.chance.choice(self.user_ids),
                        parent,
                        text,
                        official,
                        deleted,
                        hidden,
                        "Verstößt gegen die Netiquette." if hidden else "",
                        "web",
                        "",
                        when,
                    )
                    if parent is None:
                        threads.append(pk)
                    pk += 1

        loaded = self.copy(
            "participation_comment",
            [
                "id",
                "content_type_id",
                "object_id",
                "author_id",
                "parent_id",
                "text",
                "is_official",
                "is_deleted",
                "is_hidden",
                "hidden_reason",
                "channel",
                "on_behalf_of",
                "created_at",
            ],
            rows(),
        )
        print(f"({loaded} rows)", end=" ")

    def counters(self) -> None:
        """The denormalised counters, computed from the rows (as `participation.recount`)."""
        from participation.services import RATING_PRIOR_MEAN, RATING_PRIOR_WEIGHT

        with self.raw() as cursor:
            cursor.execute(
                """
                UPDATE ideas_proposal AS p
                SET rating_count = coalesce(r.n, 0),
                    rating_sum = coalesce(r.total, 0),
                    rating_score = (%(weight)s * %(mean)s + coalesce(r.total, 0))::float
                                   / (%(weight)s + coalesce(r.n, 0)),
                    comment_count = coalesce(c.n, 0)
                FROM ideas_proposal AS q
                LEFT JOIN (
                    SELECT object_id, count(*) AS n, sum(value) AS total
                    FROM participation_rating
                    WHERE content_type_id = %(type)s
                    GROUP BY object_id
                ) AS r ON r.object_id = q.id
                LEFT JOIN (
                    SELECT object_id, count(*) AS n
                    FROM participation_comment
                    WHERE content_type_id = %(type)s AND NOT is_hidden AND NOT is_deleted
                    GROUP BY object_id
                ) AS c ON c.object_id = q.id
                WHERE p.id = q.id AND q.process_id = %(process)s
                """,
                {
                    "type": self.proposal_type,
                    "process": self.process_id,
                    "weight": RATING_PRIOR_WEIGHT,
                    "mean": RATING_PRIOR_MEAN,
                },
            )

    def check(self) -> None:
        """Fail loudly if any counter differs from its rows."""
        with self.raw() as cursor:
            cursor.execute(
                """
                SELECT count(*) FROM ideas_proposal AS p
                LEFT JOIN (
                    SELECT object_id, count(*) AS n, sum(value) AS total
                    FROM participation_rating WHERE content_type_id = %(type)s
                    GROUP BY object_id
                ) AS r ON r.object_id = p.id
                LEFT JOIN (
                    SELECT object_id, count(*) AS n FROM participation_comment
                    WHERE content_type_id = %(type)s AND NOT is_hidden AND NOT is_deleted
                    GROUP BY object_id
                ) AS c ON c.object_id = p.id
                WHERE p.process_id = %(process)s
                  AND (p.rating_count <> coalesce(r.n, 0)
                       OR p.rating_sum <> coalesce(r.total, 0)
                       OR p.comment_count <> coalesce(c.n, 0))
                """,
                {"type": self.proposal_type, "process": self.process_id},
            )
            wrong = cursor.fetchone()[0]
        if wrong:
            raise SystemExit(f"{wrong} proposals have counters that differ from their rows.")

    def run(self) -> None:
        from django.db import transaction

        from participation.models import Process

        timings = self.timings
        total = time.perf_counter()
        with transaction.atomic():
            exists = Process.objects.filter(slug=PROCESS_SLUG, proposals__isnull=False).exists()
            if exists and not self.args.replace:
                raise SystemExit(
                    "This database already holds benchmark data; "
                    "run again with --replace to remove it first."
                )
            if self.args.replace:
                with step("removing the previous benchmark data", timings):
                    self.remove_previous()
            with step("districts, pillars and the open process", timings):
                self.reference_data()
                self.process()
            with step(f"{self.args.users} users (COPY)", timings):
                self.users()
            with self.raw() as cursor:
                # The search documents are written in one statement after the COPY, and their
                # index built afterwards: the trigger would write them row by row.
                cursor.execute(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'proposal_search_document'"
                )
                search_index = cursor.fetchone()
                if search_index:
                    cursor.execute("DROP INDEX proposal_search_document")
                # A table with pending foreign-key checks (those of the removal) cannot be
                # altered: they run now, and the checks are deferred again for the COPY.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE ideas_proposal DISABLE TRIGGER {SEARCH_TRIGGER}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            with step(f"{self.args.proposals} proposals, status history, follows (COPY)", timings):
                self.proposals()
            with step(f"{self.args.ratings} ratings (COPY)", timings):
                self.ratings()
            with step(f"{self.args.comments} comments (COPY)", timings):
                self.comments()
            with step("counters from the rows (UPDATE … FROM … GROUP BY)", timings):
                self.counters()
            with step("checking counters against the rows", timings):
                self.check()
            with step("foreign-key checks (deferred until now)", timings), self.raw() as cursor:
                # They must run before an index can be built on a table they touched.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with step("search documents (INSERT … SELECT)", timings), self.raw() as cursor:
                # After the foreign-key checks: a table with pending ones cannot be altered.
                cursor.execute(f"ALTER TABLE ideas_proposal ENABLE TRIGGER {SEARCH_TRIGGER}")
                cursor.execute(SEARCH_DOCUMENTS, {"process": self.process_id})
            if search_index:
                with step("rebuilding the full-text index", timings), self.raw() as cursor:
                    cursor.execute(search_index[0])
            print("commit …", end=" ", flush=True)
            committing = time.perf_counter()
        timings.append(("commit", time.perf_counter() - committing))
        print(f"{timings[-1][1]:.1f} s")
        with step("ANALYZE", timings), self.raw() as cursor:
            cursor.execute(
                "ANALYZE lohmar_portal_user, ideas_proposal, participation_rating, "
                "participation_comment, participation_follow, ideas_statuschange"
            )
        print(f"\ntotal {time.perf_counter() - total:.1f} s")
        print(
            f"{len(self.open_proposals)} proposals are open for rating; bench users log in as "
            f"bench-<n>@{EMAIL_DOMAIN} with the password {PASSWORD!r}."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--comments", type=int, default=300_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2019, help="same seed, same data")
    parser.add_argument(
        "--replace", action="store_true", help="remove earlier benchmark data first"
    )
    args = parser.parse_args()
    if args.users < 2 or args.proposals < 1 or min(args.ratings, args.comments) < 0:
        parser.error("need at least 2 users and 1 proposal; counts cannot be negative")
    if args.ratings > args.proposals * (args.users - 1):
        parser.error("more ratings than (users - 1) × proposals: each user rates a proposal once")

    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(
            "bench/ideas_data.py needs PostgreSQL (it loads with COPY and the figures only "
            "matter there): set DATABASE_URL=postgres://user@host:5432/<bench database> "
            f"(now: {connection.vendor})."
        )
    print(f"database {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}")
    Generator(args, connection).run()


if __name__ == "__main__":
    main()
