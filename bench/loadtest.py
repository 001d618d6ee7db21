"""Serve the portal with gunicorn as in production and drive wrk at pages next to a bare view.

    .venv/bin/python bench/loadtest.py [--duration 10] [--connections 8] [URL-PATH ...]

Needs wrk (`apt-get install wrk`). Uses DATABASE_URL / REDIS_URL from the environment like the
portal does (PostgreSQL gives the figures that matter). Prints requests/s, p50, p99, queries per
request and the ratio to the bare view, as a Markdown table.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765
DEFAULT_PATHS = ["/", "/strategie/", "/strategie/digital-nah-dran/", "/healthz"]


def _django_env() -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}


def queries_per_request(path: str) -> int:
    """Count the queries one anonymous request runs (in-process, same settings)."""
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "client = Client(HTTP_HOST='127.0.0.1')\n"
        f"client.get({path!r})\n"
        "with CaptureQueriesContext(connection) as ctx:\n"
        f"    client.get({path!r})\n"
        "print(len(ctx))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_django_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def _millis(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(path: str, *, duration: int, connections: int) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "--latency",
            f"-d{duration}s",
            f"-c{connections}",
            "-t2",
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _millis(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "p99": _millis(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lohmar_portal.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_django_env(),
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/bare/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        rows = []
        bare = wrk("/bench/bare/", duration=args.duration, connections=args.connections)
        rows.append(("/bench/bare/ (bare view)", bare, 0))
        for path in args.paths:
            wrk(path, duration=1, connections=args.connections)  # warm up
            rows.append(
                (
                    path,
                    wrk(path, duration=args.duration, connections=args.connections),
                    queries_per_request(path),
                )
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    print(
        f"\n{args.workers} sync gunicorn workers, {args.connections} connections, "
        f"{args.duration} s each, database {_django_env().get('DATABASE_URL', 'SQLite')}\n"
    )
    print("| page | requests/s | p50 ms | p99 ms | queries | vs bare | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path, figures, queries in rows:
        print(
            f"| {path} | {figures['rps']:.0f} | {figures['p50']:.2f} | {figures['p99']:.2f} "
            f"| {queries} | {figures['rps'] / bare['rps']:.0%} | {figures['errors']} |"
        )


if __name__ == "__main__":
    main()
