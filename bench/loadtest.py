"""Serve the portal with gunicorn as in production and drive wrk at pages next to a bare view.

    .venv/bin/python bench/loadtest.py [--duration 10] [--connections 8] [URL-PATH ...]
    .venv/bin/python bench/loadtest.py --post-rating [--sessions 20] [URL-PATH ...]

`--post-rating` also measures the rating form: logged-in bench users (from bench/ideas_data.py)
POST 1–5 stars to random open proposals, with session cookie and CSRF token, through a wrk Lua
script; afterwards the rated proposals' counters are checked against their rating rows.

Needs wrk (`apt-get install wrk`). Uses DATABASE_URL / REDIS_URL from the environment like the
portal does (PostgreSQL gives the figures that matter). Prints requests/s, p50, p99, queries per
request and the ratio to the bare view, as a Markdown table.

The pieces (`serve`, `wrk`, `count_queries`, `rating_sessions`, …) are imported by
bench/run_all.py, which measures every page in one run.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765
BARE = "/bench/bare/"
DEFAULT_PATHS = ["/", "/strategie/", "/strategie/digital-nah-dran/", "/healthz"]


def django_env() -> dict[str, str]:
    """The environment of every Django process of the benchmark: the bench settings."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}


_django_env = django_env  # the name used before the refactoring


def in_django(function: str, *args, module: str = "bench.loadtest"):
    """Run `module.function(*args)` in a Django process with the bench settings; its JSON back.

    The function prints its result as JSON on the last line of its output.
    """
    code = f"from {module} import {function}; {function}(*{args!r})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=django_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(result.stderr.strip().splitlines()[-1])
    return json.loads(result.stdout.strip().splitlines()[-1])


_in_django = in_django


def setup_django() -> None:
    import django

    django.setup()


# --- Queries per request (in a Django process) --------------------------------------------------


def count_queries(requests: list[tuple[str, str | None]]) -> None:
    """Per (path, cookie): status, size and the queries of one rendering not served from a cache.

    Each page is requested once to warm what does not depend on the content (sessions,
    permissions), then the content version is bumped, as after any write, and the page is
    requested again while the queries are counted. Prints a JSON list.
    """
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lohmar_portal.cache import bump_content_version

    results = []
    for path, cookie in requests:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_COOKIE=cookie or "")
        client.get(path)
        bump_content_version()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        results.append(
            {
                "queries": len(queries),
                "status": response.status_code,
                "bytes": len(response.content),
            }
        )
    print(json.dumps(results))


def queries_per_request(path: str, cookie: str | None = None) -> int:
    """Count the queries one request runs when rendered, not served from the page cache."""
    return in_django("count_queries", [(path, cookie)])[0]["queries"]


# --- The server and the load generator ----------------------------------------------------------


@contextmanager
def serve(*, port: int = PORT, workers: int = 2) -> Iterator[subprocess.Popen]:
    """gunicorn with sync workers and the bench settings, as production runs the portal."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lohmar_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=django_env(),
        start_new_session=True,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{BARE}", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    sys.exit(f"gunicorn stopped (exit code {server.returncode}).")
                time.sleep(0.1)
        else:
            sys.exit(f"gunicorn did not answer on port {port}.")
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def _millis(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """requests/s, p50 and p99 in ms, and the count of answers other than 2xx/3xx."""
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    failed = re.search(r"Socket errors: .*?timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _millis(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "p99": _millis(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "errors": (int(errors.group(1)) if errors else 0) + (int(failed.group(1)) if failed else 0),
    }


def wrk(
    path: str,
    *,
    duration: int,
    connections: int,
    script: str | None = None,
    cookie: str | None = None,
    port: int | None = None,
) -> dict[str, float]:
    """Drive wrk at one path for `duration` seconds; the figures of `parse_wrk`."""
    output = subprocess.run(
        [
            "wrk",
            "--latency",
            f"-d{duration}s",
            f"-c{connections}",
            "-t2",
            *(["-s", script] if script else []),
            *(["-H", f"Cookie: {cookie}"] if cookie else []),
            f"http://127.0.0.1:{port or PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


# --- Logged-in users and the POST of a rating (in a Django process) -----------------------------


def rating_sessions(sessions: int, proposals: int) -> None:
    """Log bench users in (sessions in the database), pick open proposals; print JSON."""
    import secrets

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from ideas.models import Proposal
    from lohmar_portal.models import User
    from participation.models import Process
    from participation.permissions import phase_allows

    users = list(
        User.objects.filter(email__endswith="@bench.invalid", is_active=True).order_by("pk")[
            :sessions
        ]
    )
    rating_open = [p.pk for p in Process.objects.all() if phase_allows(p, "rate")]
    references = list(
        Proposal.objects.listed()
        .filter(process__in=rating_open)
        .exclude(status__in=["adopted", "rejected"])
        .exclude(author__in=users)
        .order_by("?")
        .values_list("reference", flat=True)[:proposals]
    )
    if not users or not references:
        sys.exit("No bench users or open proposals: run bench/ideas_data.py first.")
    cookies, tokens = [], []
    for user in users:
        client = Client()
        client.force_login(user)
        token = secrets.token_hex(16)  # a CSRF secret; the form may send it unmasked
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}"
        )
        tokens.append(token)
    paths = [reverse("ideas:proposal_rate", kwargs={"reference": ref}) for ref in references]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(users[0])
    client.post(paths[0], {"value": 3})
    with CaptureQueriesContext(connection) as queries:
        client.post(paths[0], {"value": 4})
    print(
        json.dumps(
            {
                "cookies": cookies,
                "tokens": tokens,
                "paths": paths,
                "references": references,
                "queries": len(queries),
            }
        )
    )


def user_session(email: str) -> None:
    """Log one user in (a session in the database, as a real login makes); print its cookie."""
    setup_django()
    from django.conf import settings
    from django.test import Client

    from lohmar_portal.models import User

    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        sys.exit(f"No active user {email}: generate the bench data first.")
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}))


def rating_counters_differ(references: list[str]) -> None:
    """Print how many of the proposals have counters that differ from their rating rows."""
    setup_django()
    from django.db.models import Count, Sum

    from ideas.models import Proposal
    from participation.models import Rating
    from participation.services import content_type_of

    proposals = list(Proposal.objects.filter(reference__in=references))
    if not proposals:
        print(json.dumps({"checked": 0, "differ": 0}))
        return
    rows = {
        row["object_id"]: (row["n"], row["total"])
        for row in Rating.objects.filter(
            content_type=content_type_of(proposals[0]), object_id__in=[p.pk for p in proposals]
        )
        .values("object_id")
        .annotate(n=Count("pk"), total=Sum("value"))
    }
    differ = sum(1 for p in proposals if (p.rating_count, p.rating_sum) != rows.get(p.pk, (0, 0)))
    print(json.dumps({"checked": len(proposals), "differ": differ}))


LUA = """
local paths = {%(paths)s}
local cookies = {%(cookies)s}
local tokens = {%(tokens)s}
local seeded = false

request = function()
  if not seeded then
    math.randomseed(os.time() + math.floor(os.clock() * 1000000))
    seeded = true
  end
  local i = math.random(#cookies)
  local body = "csrfmiddlewaretoken=" .. tokens[i] .. "&value=" .. math.random(5)
  return wrk.format("POST", paths[math.random(#paths)], {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookies[i],
  }, body)
end
"""


def rating_script(fixture: dict) -> str:
    """Write the wrk Lua script for the rating POST to a temporary file; return its path."""

    def lua_list(values: list[str]) -> str:
        return ", ".join(json.dumps(value) for value in values)  # ASCII strings: same syntax

    script = tempfile.NamedTemporaryFile(  # noqa: SIM115 (deleted by the caller)
        "w", suffix=".lua", prefix="rating-", delete=False
    )
    with script:
        script.write(
            LUA
            % {
                "paths": lua_list(fixture["paths"]),
                "cookies": lua_list(fixture["cookies"]),
                "tokens": lua_list(fixture["tokens"]),
            }
        )
    return script.name


# --- The table -----------------------------------------------------------------------------------


def markdown_table(rows: list[tuple[str, dict, int]], bare: dict) -> str:
    lines = [
        "| page | requests/s | p50 ms | p99 ms | queries | vs bare | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for path, figures, queries in rows:
        lines.append(
            f"| {path} | {figures['rps']:.0f} | {figures['p50']:.2f} | {figures['p99']:.2f} "
            f"| {queries} | {figures['rps'] / bare['rps']:.0%} | {figures['errors']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=PORT, help="where gunicorn listens")
    parser.add_argument(
        "--post-rating",
        action="store_true",
        help="also POST ratings as logged-in bench users (data from bench/ideas_data.py)",
    )
    parser.add_argument("--sessions", type=int, default=20, help="bench users for --post-rating")
    parser.add_argument(
        "--as-citizen",
        action="store_true",
        help="request the pages as a logged-in bench user (no page cache) as well",
    )
    parser.add_argument(
        "--proposals", type=int, default=500, help="open proposals rated by --post-rating"
    )
    parser.add_argument(
        "--as-user",
        metavar="EMAIL",
        help="request the pages only as this logged-in user (e.g. the bench agent)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    fixture = script = citizen = None
    if args.post_rating:
        fixture = in_django("rating_sessions", args.sessions, args.proposals)
        script = rating_script(fixture)
    if args.as_citizen:
        citizen = in_django("rating_sessions", 1, 1)["cookies"][0]
    user = in_django("user_session", args.as_user)["cookie"] if args.as_user else None
    pages = [(f"{path} (as {args.as_user})" if user else path, path, user) for path in args.paths]
    pages += [(f"{path} (logged in)", path, citizen) for path in args.paths if citizen]
    counts = in_django("count_queries", [(path, cookie) for _, path, cookie in pages])

    load = {"duration": args.duration, "connections": args.connections, "port": args.port}
    rows = []
    try:
        with serve(port=args.port, workers=args.workers):
            bare = wrk(BARE, **load)
            rows.append(("/bench/bare/ (bare view)", bare, 0))
            for (label, path, cookie), count in zip(pages, counts, strict=True):
                wrk(path, **{**load, "duration": 1}, cookie=cookie)  # warm up
                rows.append((label, wrk(path, **load, cookie=cookie), count["queries"]))
            if script:
                label = (
                    f"POST rating ({len(fixture['cookies'])} users, "
                    f"{len(fixture['paths'])} proposals)"
                )
                rows.append((label, wrk("/", **load, script=script), fixture["queries"]))
    finally:
        if script:
            os.unlink(script)

    print(
        f"\n{args.workers} sync gunicorn workers, {args.connections} connections, "
        f"{args.duration} s each, database {django_env().get('DATABASE_URL', 'SQLite')}\n"
    )
    print(markdown_table(rows, bare))
    if fixture:
        check = in_django("rating_counters_differ", fixture["references"])
        print(
            f"\nRated proposals checked afterwards: {check['checked']}, counters differing "
            f"from their rating rows: {check['differ']}"
        )


if __name__ == "__main__":
    main()
