"""`make bench`: the whole benchmark in one command, with one table as its result.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lohmar_bench \\
        .venv/bin/python bench/run_all.py

1. Creates the database if it is missing, migrates it and loads the demo data when the pages
   it feeds (knowledge base, roadmap, mobile office) have none.
2. Generates the data set with the three generators (`--replace`, so re-runs work), unless the
   data are already there at the right size; `BENCH_REGENERATE=1` generates them afresh.
3. Serves the portal with gunicorn and the production settings (bench/settings.py, DEBUG off)
   and drives wrk at every public list and detail page, the logged-in participation pages, the
   queues of the service center, the postbox and the rating POST. Each group of pages is
   measured right after the bare view (`/bench/bare/`, same middleware), which is its yardstick.
4. Prints one table and writes it, with the machine and the data, to bench/RESULTS.md.

Environment: BENCH_DATABASE_URL, BENCH_DURATION (seconds per page, 8), BENCH_CONNECTIONS (8),
BENCH_WORKERS (gunicorn sync workers, 4 as in the Dockerfile), BENCH_PORT (8765),
BENCH_REGENERATE (0), BENCH_ONLY (some pages, by label; RESULTS.md is then left alone),
REDIS_URL (measure with the production cache; without it each worker has a local-memory cache).
"""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadtest import (
    BARE,
    ROOT,
    django_env,
    in_django,
    rating_script,
    serve,
    wrk,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lohmar_bench"
RESULTS = ROOT / "bench" / "RESULTS.md"
# The data set of issue 8: what the generators write and what the run checks before it starts.
SIZES = {
    "proposals": 100_000,
    "ratings": 1_000_000,
    "comments": 300_000,
    "users": 100_000,
    "reports": 50_000,
    "tickets": 100_000,
    "messages": 500_000,
}
# The rating POST adds ratings to the data set: up to this share more still counts as generated.
RATING_DRIFT = 0.05
BENCH_PROCESS = "benchmark-ideensammlung"
CITIZEN = "bench-2@bench.invalid"  # logged-in participation pages (no proposal of its own open)
POSTBOX_CITIZEN = "bench-1@bench.invalid"  # 300 tickets
AGENT = "agent@bench-service.invalid"
DEPARTMENT_STAFF = "fachbereich@bench-service.invalid"
RATING_SESSIONS, RATING_PROPOSALS = 20, 500
# The targets of issue 8, as a share of the bare view's requests/s, and the p99 at 8 connections.
ANONYMOUS_SHARE, LOGGED_IN_SHARE, P99_MS = 0.25, 0.05, 50.0


@dataclass
class Page:
    label: str
    path: str
    user: str | None = None  # e-mail of the logged-in user; None for anonymous
    script: str | None = None  # wrk Lua script (the POST)
    queries: int | None = None
    status: int | None = None
    figures: dict = field(default_factory=dict)
    bare: dict = field(default_factory=dict)

    @property
    def share(self) -> float:
        return LOGGED_IN_SHARE if self.user else ANONYMOUS_SHARE

    def misses(self) -> list[str]:
        ratio = self.figures["rps"] / self.bare["rps"]
        reasons = []
        if ratio < self.share:
            reasons.append(f"{ratio:.0%} < {self.share:.0%}")
        if self.figures["p99"] >= P99_MS:
            reasons.append(f"p99 ≥ {P99_MS:.0f} ms")
        if self.figures["errors"]:
            reasons.append(f"{self.figures['errors']} non-2xx")
        if self.status not in (None, 200):
            reasons.append(f"status {self.status}")
        return reasons


# --- In a Django process (called through in_django) ---------------------------------------------


def data_sizes() -> None:
    """Print what the database holds of the generated data (and of the demo data), as JSON."""
    from bench.loadtest import setup_django

    setup_django()
    from django.contrib.contenttypes.models import ContentType

    from defects.models import DefectReport
    from ideas.models import Pillar, Proposal, RoadmapProject
    from lohmar_portal.models import User
    from participation.models import Comment, Rating
    from servicecenter.models import KnowledgeArticle, Message, MobileOfficeStop, Ticket

    on_bench = {
        "content_type": ContentType.objects.get_for_model(Proposal),
        "object_id__in": Proposal.objects.filter(process__slug=BENCH_PROCESS).values("pk"),
    }
    tickets = Ticket.objects.filter(reference__startswith="SC-B-")
    print(
        json.dumps(
            {
                "proposals": Proposal.objects.filter(process__slug=BENCH_PROCESS).count(),
                "ratings": Rating.objects.filter(**on_bench).count(),
                "comments": Comment.objects.filter(**on_bench).count(),
                "users": User.objects.filter(email__endswith="@bench.invalid").count(),
                "reports": DefectReport.objects.filter(
                    reporter_email__endswith="@bench-defects.invalid"
                ).count(),
                "tickets": tickets.count(),
                "messages": Message.objects.filter(ticket__in=tickets.values("pk")).count(),
                "demo": all(
                    (
                        Pillar.objects.exists(),
                        RoadmapProject.objects.filter(is_published=True).exists(),
                        KnowledgeArticle.objects.public().exists(),
                        MobileOfficeStop.objects.exists(),
                    )
                ),
            }
        )
    )


def remove_bench_tickets() -> None:
    """Delete the generated tickets: they refer to the bench users that ideas_data.py replaces."""
    sys.path.insert(0, str(ROOT / "bench"))  # the generators import each other as scripts
    from bench.loadtest import setup_django

    setup_django()
    import servicecenter_data
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in servicecenter_data.REMOVE:
            cursor.execute(statement, {"pattern": f"{servicecenter_data.REFERENCE_PREFIX}-%"})
    print(json.dumps({"removed": True}))


def bench_paths() -> None:
    """The concrete pages to measure, chosen from the data: print them as JSON."""
    from bench.loadtest import setup_django

    setup_django()
    from django.db.models import Count

    from defects.models import DefectReport
    from ideas.models import Pillar, Proposal, RoadmapProject
    from servicecenter.models import KnowledgeArticle, LifeSituation

    open_proposals = (
        Proposal.objects.listed()
        .filter(process__slug=BENCH_PROCESS, process__is_public=True)
        .exclude(status__in=["adopted", "rejected", "withdrawn"])
        .exclude(author__email=CITIZEN)
    )
    counts = sorted(
        Proposal.objects.listed()
        .filter(process__slug=BENCH_PROCESS)
        .values_list("comment_count", flat=True)
    )

    def proposal_with(comments: int) -> tuple[str, int]:
        """The first open proposal whose comment count is nearest to `comments`."""
        nearest = min(counts, key=lambda n: abs(n - comments))
        proposal = (
            open_proposals.filter(comment_count__gte=nearest)
            .order_by("comment_count", "pk")
            .values_list("reference", "comment_count")
            .first()
        )
        return proposal

    typical = proposal_with(counts[len(counts) // 2])
    top = proposal_with(counts[min(len(counts) - 1, int(len(counts) * 0.999))])
    report = (
        DefectReport.objects.filter(is_hidden=False, reporter_email__endswith=".invalid")
        .annotate(history=Count("updates"))
        .order_by("-supporter_count", "-history", "pk")
        .values_list("reference", flat=True)
        .first()
    )
    article = (
        KnowledgeArticle.objects.public().order_by("pk").values_list("slug", flat=True).first()
    )
    situation = (
        LifeSituation.objects.annotate(n=Count("articles"))
        .order_by("-n", "order")
        .values_list("slug", flat=True)
        .first()
    )
    print(
        json.dumps(
            {
                "pillar": Pillar.objects.order_by("order").values_list("slug", flat=True).first(),
                "typical": typical,
                "top": top,
                "project": RoadmapProject.objects.filter(is_published=True)
                .order_by("pk")
                .values_list("slug", flat=True)
                .first(),
                "report": report,
                "article": article,
                "situation": situation,
            }
        )
    )


def server_facts() -> None:
    """PostgreSQL's version and the database's size, as JSON."""
    from bench.loadtest import setup_django

    setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(json.dumps({"postgres": version, "size": size}))


# --- Steps ---------------------------------------------------------------------------------------


def run(*command: str) -> None:
    """A command of the set-up, with the bench settings; its output goes to the terminal."""
    subprocess.run(command, cwd=ROOT, env=django_env(), check=True)


def ensure_database(url: str) -> None:
    """Create the database of the URL if the server does not have it yet."""
    import psycopg

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            print(f"creating the database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')  # a name from our own URL


def generate(sizes: dict, regenerate: bool) -> float:
    """Run the generators whose data are missing or of another size; the seconds it took."""
    ratings_ok = SIZES["ratings"] <= sizes["ratings"] <= SIZES["ratings"] * (1 + RATING_DRIFT)
    ideas = (
        regenerate
        or not ratings_ok
        or any(sizes[key] != SIZES[key] for key in ("proposals", "comments", "users"))
    )
    defects = regenerate or sizes["reports"] != SIZES["reports"]
    # The tickets belong to bench users: new users mean new tickets.
    tickets = (
        ideas or sizes["tickets"] != SIZES["tickets"] or sizes["messages"] != SIZES["messages"]
    )
    if not (ideas or defects or tickets):
        print("The data set is there at full size; BENCH_REGENERATE=1 generates it afresh.")
        return 0.0
    started = time.perf_counter()
    python = sys.executable
    if ideas:
        in_django("remove_bench_tickets", module="bench.run_all")
        run(
            python,
            "bench/ideas_data.py",
            *("--proposals", str(SIZES["proposals"]), "--ratings", str(SIZES["ratings"])),
            *("--comments", str(SIZES["comments"]), "--users", str(SIZES["users"])),
            "--replace",
        )
    if defects:
        run(python, "bench/defects_data.py", "--reports", str(SIZES["reports"]), "--replace")
    if tickets:
        run(
            python,
            "bench/servicecenter_data.py",
            *("--tickets", str(SIZES["tickets"]), "--messages", str(SIZES["messages"])),
            "--replace",
        )
    vacuum(os.environ["DATABASE_URL"])
    return time.perf_counter() - started


def vacuum(url: str) -> None:
    """VACUUM ANALYZE after a bulk load: hint bits and the visibility map are set now, so
    autovacuum does not set them later, in the middle of the measurements."""
    import psycopg

    print("VACUUM ANALYZE …", end=" ", flush=True)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    print(f"{time.perf_counter() - started:.1f} s", flush=True)


def checkpoint(url: str) -> None:
    """Write what a bulk load or the last run left in PostgreSQL's buffers out now, not spread
    over the first pages' measurements (the checkpointer writes for minutes after a load)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CHECKPOINT")
    except psycopg.Error as error:  # not a superuser: the run goes on without it
        print(f"CHECKPOINT not possible ({error}); the first pages may be slowed.", flush=True)


def pages_to_measure(chosen: dict) -> list[list[Page]]:
    """The pages to measure: anonymous ones, logged-in citizens, staff (the POST comes last)."""
    typical, comments = chosen["typical"]
    top, top_comments = chosen["top"]
    search = "/vorschlaege/?q=WLAN+Rathaus"
    typical_label = f"proposal detail, typical ({comments} comments)"
    top_label = f"proposal detail, 99.9th percentile ({top_comments} comments)"
    ideas = [
        Page("home", "/"),
        Page("strategy", "/strategie/"),
        Page("pillar", f"/strategie/{chosen['pillar']}/"),
        Page("proposal list", "/vorschlaege/"),
        Page("proposal list, best rated", "/vorschlaege/?sort=best"),
        Page("proposal list, page 200", "/vorschlaege/?page=200"),
        Page("search", search),
        Page(typical_label, f"/vorschlaege/{typical}/"),
        Page(top_label, f"/vorschlaege/{top}/"),
        Page("proposal map", "/vorschlaege/karte/"),
        Page("proposal GeoJSON", "/vorschlaege/karte.geojson"),
        Page("roadmap", "/roadmap/"),
        Page("roadmap project", f"/roadmap/{chosen['project']}/"),
        Page("process list", "/beteiligung/"),
        Page("process detail (100k proposals)", f"/beteiligung/{BENCH_PROCESS}/"),
    ]
    service = [
        Page("defects map and list", "/maengel/"),
        Page("defects list, page 100", "/maengel/?page=100"),
        Page("defect detail", f"/maengel/{chosen['report']}/"),
        Page("defect GeoJSON", "/maengel/karte.geojson"),
        Page("defect statistics", "/maengel/statistik/"),
        Page("Open311 requests JSON", "/open311/v2/requests.json"),
        Page("Open311 requests XML", "/open311/v2/requests.xml"),
        Page("service FAQ index", "/service/"),
        Page("service FAQ search", "/service/suche/?q=Umzug"),
        Page("knowledge article", f"/service/wissen/{chosen['article']}/"),
        Page("life situation", f"/service/lebenslagen/{chosen['situation']}/"),
        Page("mobile office schedule", "/buergerbuero-mobil/"),
        Page("service figures (90 days)", "/service/kennzahlen/"),
        Page("service figures (365 days)", "/service/kennzahlen/?tage=365"),
    ]
    logged_in = [
        Page("home", "/", CITIZEN),
        Page("proposal list", "/vorschlaege/", CITIZEN),
        Page("proposal list, best rated", "/vorschlaege/?sort=best", CITIZEN),
        Page("search", search, CITIZEN),
        Page(typical_label, f"/vorschlaege/{typical}/", CITIZEN),
        Page(top_label, f"/vorschlaege/{top}/", CITIZEN),
        Page("proposal map", "/vorschlaege/karte/", CITIZEN),
        Page("proposal GeoJSON", "/vorschlaege/karte.geojson", CITIZEN),
        Page("defects map and list", "/maengel/", CITIZEN),
        Page("postbox (300 tickets)", "/konto/postfach/", POSTBOX_CITIZEN),
    ]
    staff = [
        Page("agent queue", "/service/arbeitsplatz/", AGENT),
        Page("agent queue, page 3", "/service/arbeitsplatz/?page=3", AGENT),
        Page("department queue", "/service/arbeitsplatz/", DEPARTMENT_STAFF),
    ]
    return [ideas, service, logged_in, staff]


def machine_facts() -> dict:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        model = found.group(1).strip() if found else model
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.M)
        memory = f"{int(found.group(1)) / 1024 / 1024:.0f} GB" if found else ""
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def table(pages: list[Page]) -> str:
    lines = [
        "| page | requests/s | p50 ms | p99 ms | queries | bare view req/s | vs bare | target "
        "| met? |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for page in pages:
        who = f" — {page.user}" if page.user else ""
        misses = page.misses()
        lines.append(
            f"| {page.label} `{page.path}`{who} | {page.figures['rps']:.0f} "
            f"| {page.figures['p50']:.1f} | {page.figures['p99']:.1f} | {page.queries} "
            f"| {page.bare['rps']:.0f} | {page.figures['rps'] / page.bare['rps']:.0%} "
            f"| ≥ {page.share:.0%}, p99 < {P99_MS:.0f} ms "
            f"| {'yes' if not misses else 'no: ' + '; '.join(misses)} |"
        )
    return "\n".join(lines)


def measure(pages: list[Page], cookies: dict, *, duration: int, connections: int, port: int):
    """Each page right after the bare view, so both see the same machine: wrk, wrk, wrk."""
    load = {"connections": connections, "port": port}
    for page in pages:
        page.bare = wrk(BARE, duration=max(2, duration // 2), **load)
        cookie = cookies.get(page.user)
        target = "/" if page.script else page.path  # a script picks its own paths
        # Warm up (caches, connections); for the POST, the same script (a few more ratings).
        wrk(target, duration=1, cookie=cookie, script=page.script, **load)
        page.figures = wrk(target, duration=duration, cookie=cookie, script=page.script, **load)
        ratio = page.figures["rps"] / page.bare["rps"]
        print(
            f"   {page.label} ({page.user or 'anonymous'}): {page.figures['rps']:.0f} requests/s "
            f"({ratio:.0%} of {page.bare['rps']:.0f}), p99 {page.figures['p99']:.1f} ms",
            flush=True,
        )


def report(pages: list[Page], facts: dict, check: dict) -> str:
    """bench/RESULTS.md: when, where, with which data, and the table."""
    misses = [page for page in pages if page.misses()]
    missed = "".join(f"\n- {page.label} ({page.user or 'anonymous'})" for page in misses)
    bares = sorted(page.bare["rps"] for page in pages)
    sizes = facts["sizes"]
    load = ", ".join(f"{x:.2f}" for x in facts["load_before"])
    return f"""# Benchmark results

Written by `make bench` (bench/run_all.py) on {facts["date"]}, in {facts["minutes"]:.1f} minutes.

| | |
|---|---|
| machine | {facts["cores"]} cores ({facts["cpu"]}), {facts["memory"]} RAM, {facts["system"]} |
| software | Python {facts["python"]}, PostgreSQL {facts["postgres"]}, all on the same host as wrk |
| load average before (1, 5, 15 min) | {load} |
| load average after | {", ".join(f"{x:.2f}" for x in facts["load_after"])} |
| data | {sizes["proposals"]:,} proposals, {sizes["ratings"]:,} ratings, \
{sizes["comments"]:,} comments, {sizes["users"]:,} users, {sizes["reports"]:,} defect reports, \
{sizes["tickets"]:,} tickets, {sizes["messages"]:,} messages (database {facts["size"]}) |
| generation | {facts["generated"]} |
| server | gunicorn, {facts["workers"]} sync workers, DEBUG off (bench/settings.py), \
cache: {facts["cache"]} |
| load | wrk, {facts["connections"]} connections, {facts["duration"]} s per page after 1 s of \
warm-up; the bare view for {max(2, facts["duration"] // 2)} s right before each page |
| bare view | {bares[len(bares) // 2]:.0f} requests/s (median; {bares[0]:.0f}–{bares[-1]:.0f}) |

Targets (issue 8): anonymous pages ≥ {ANONYMOUS_SHARE:.0%} of the bare view's requests/s,
logged-in pages ≥ {LOGGED_IN_SHARE:.0%}, p99 < {P99_MS:.0f} ms at {facts["connections"]} \
connections.
"queries" counts one rendering that is not served from a cache (the content version bumped, as
after a write): what a page costs after every change, whatever the data size. Anonymous pages
are then served from the page cache; logged-in pages render each time, around fragments shared
per content version.

{table(pages)}

{len(pages)} pages, {len(misses)} missing a target.{missed}

Rated proposals checked after the rating POST: {check["checked"]}, counters differing from their
rating rows: {check["differ"]}.
"""


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    started = time.perf_counter()
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("BENCH_DATABASE_URL must be a PostgreSQL URL (postgres://user@host:port/name).")
    os.environ["DATABASE_URL"] = url  # every Django process below (migrate, generators, gunicorn)
    settings = {
        "duration": int(os.environ.get("BENCH_DURATION", "8")),
        "connections": int(os.environ.get("BENCH_CONNECTIONS", "8")),
        "port": int(os.environ.get("BENCH_PORT", "8765")),
    }
    # As the production image runs it (Dockerfile: gunicorn --workers 4).
    workers = int(os.environ.get("BENCH_WORKERS", "4"))
    # Page labels to measure (comma-separated parts of them); the table is then only printed.
    only = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]
    regenerate = os.environ.get("BENCH_REGENERATE", "0") not in ("", "0")

    print(f"== database {urlsplit(url).path.lstrip('/')} on {urlsplit(url).hostname}", flush=True)
    ensure_database(url)
    run(sys.executable, "manage.py", "migrate", "--noinput", "-v0")
    sizes = in_django("data_sizes", module="bench.run_all")
    if not sizes["demo"]:
        run(sys.executable, "manage.py", "load_demo")
    generated = generate(sizes, regenerate)
    sizes = in_django("data_sizes", module="bench.run_all")

    print("== logging the bench users in, choosing the pages, counting queries", flush=True)
    pages = [
        page
        for group in pages_to_measure(in_django("bench_paths", module="bench.run_all"))
        for page in group
    ]
    cookies = {
        email: in_django("user_session", email)["cookie"]
        for email in sorted({page.user for page in pages if page.user})
    }
    counted = in_django("count_queries", [(page.path, cookies.get(page.user)) for page in pages])
    for page, count in zip(pages, counted, strict=True):
        page.queries, page.status = count["queries"], count["status"]
    if only:
        pages = [page for page in pages if any(part in page.label for part in only)]
    fixture = in_django("rating_sessions", RATING_SESSIONS, RATING_PROPOSALS)
    script = rating_script(fixture)
    rating = Page(
        f"rating POST ({RATING_SESSIONS} users, {RATING_PROPOSALS} proposals)",
        "/vorschlaege/<reference>/bewerten/",
        user="bench users",
        script=script,
        queries=fixture["queries"],
    )
    if not only or any(part in rating.label for part in only):
        pages.append(rating)
    facts = {**machine_facts(), **in_django("server_facts", module="bench.run_all")}
    if not generated:
        # The rating POST of an earlier run left dead rows: autovacuum would clean them up in
        # the middle of this run's measurements.
        vacuum(url)
    checkpoint(url)
    facts["load_before"] = os.getloadavg()
    print(f"== measuring {len(pages)} pages (load average {facts['load_before'][0]:.2f})")
    try:
        with serve(port=settings["port"], workers=workers):
            measure(pages, cookies, **settings)
    finally:
        os.unlink(script)
    facts["load_after"] = os.getloadavg()
    check = in_django("rating_counters_differ", fixture["references"])
    facts |= {
        **settings,
        "workers": workers,
        "sizes": sizes,
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "minutes": (time.perf_counter() - started) / 60,
        "generated": f"{generated:.0f} s" if generated else "already there at full size",
        "cache": "Redis" if os.environ.get("REDIS_URL") else "local memory (one per worker)",
    }
    text = report(pages, facts, check)
    print()
    print(text)
    if only:
        print(f"Only {len(pages)} pages (BENCH_ONLY): {RESULTS.relative_to(ROOT)} is left alone.")
        return
    RESULTS.write_text(text)
    print(f"Written to {RESULTS.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
