"""Benchmark of the workshop dossier: all three formats for the bench process.

Fill a PostgreSQL database first (see bench/README.md), e.g. the scenario of the exports issue:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/exports_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/ideas_data.py --proposals 10000 --ratings 100000 \\
        --comments 50000 --users 5000 --replace
    .venv/bin/python bench/exports_bench.py

Each build runs in a fresh process, so its peak memory (RSS) is its own. The script builds the
full process and a selection of 100 proposals and compares their query counts: they must be
equal, since queries do not depend on the number of rows. Targets: under 60 s for the three
formats, peak memory under 500 MB.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROCESS_SLUG = "benchmark-ideensammlung"
TARGET_SECONDS = 60
TARGET_MB = 500


def run_once(sample: int | None) -> dict:
    """Build one export in this process and report time, memory and queries per format."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lohmar_portal.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ideas.exports import services, storage, workshop
    from ideas.models import DossierExport, Proposal
    from participation.models import Process

    process = Process.objects.get(slug=PROCESS_SLUG)
    ids = None
    if sample:
        ids = list(
            Proposal.objects.filter(process=process)
            .order_by("pk")
            .values_list("pk", flat=True)[:sample]
        )
    figures = {}
    export = services.request_export(
        actor=None,
        kind=DossierExport.Kind.WORKSHOP,
        formats=["pdf", "xlsx", "csv"],
        process=process,
        anonymise=True,
        proposal_ids=ids,
        enqueue=False,
    )
    # Time each builder on its own, then the whole job as the worker runs it.
    timed = {}
    for fmt, builder in list(workshop.BUILDERS.items()):

        def timed_builder(scope, target, builder=builder, fmt=fmt):
            start = time.perf_counter()
            builder(scope, target)
            timed[fmt] = (time.perf_counter() - start, target.stat().st_size)

        workshop.BUILDERS[fmt] = timed_builder
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        services.build(export.pk)
    total = time.perf_counter() - start
    export.refresh_from_db()
    if export.state != DossierExport.State.READY:
        raise SystemExit(f"The export failed: {export.error}")
    storage.remove_job_files(export.pk)
    DossierExport.objects.filter(pk=export.pk).delete()
    figures = {
        "proposals": len(ids)
        if ids
        else Proposal.objects.visible().filter(process=process).count(),
        "seconds": round(total, 2),
        "formats": {fmt: {"seconds": round(s, 2), "bytes": b} for fmt, (s, b) in timed.items()},
        "queries": len(queries),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_once(args.sample or None)))
        return
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("Set DATABASE_URL to the PostgreSQL bench database (see the docstring).")
    results = []
    with tempfile.TemporaryDirectory() as media:
        for sample in (0, 100):
            output = subprocess.run(
                [sys.executable, __file__, "--run", "--sample", str(sample)],
                cwd=ROOT,
                env={**os.environ, "MEDIA_ROOT": media, "DEBUG": "1"},
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    full, small = results
    for label, r in (("all proposals", full), ("100 proposals", small)):
        formats = ", ".join(
            f"{fmt} {f['seconds']} s ({f['bytes'] / 1e6:.1f} MB)" for fmt, f in r["formats"].items()
        )
        print(
            f"{label:>14}: {r['proposals']} proposals, {r['seconds']} s total ({formats}), "
            f"peak {r['peak_mb']} MB, {r['queries']} queries"
        )
    ok = (
        full["seconds"] < TARGET_SECONDS
        and full["peak_mb"] < TARGET_MB
        and full["queries"] == small["queries"]
    )
    print(
        f"targets (< {TARGET_SECONDS} s, < {TARGET_MB} MB, equal queries): "
        + ("met" if ok else "MISSED")
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
