"""Fault drills: PostgreSQL restarted under load, Redis stopped, a Celery worker killed mid-export.

    .venv/bin/python bench/faults.py postgres-restart [--down 3] [--before 5] [--after 10]
    .venv/bin/python bench/faults.py redis-stop [--down 10]
    .venv/bin/python bench/faults.py worker-kill
    .venv/bin/python bench/faults.py all

Each drill runs against services of its own, so nothing shared is disturbed: a PostgreSQL
cluster initialised in the work directory (default /tmp/lohmar-faults, port 5442) and a
redis-server without persistence (port 6390). The first run creates the cluster, migrates and
generates a small benchmark data set (bench/*_data.py: 2,000 proposals, 20,000 ratings, 2,000
defect reports, 2,000 tickets; about a minute); later runs reuse it (`--fresh` starts over).
The portal runs as in production and as bench/loadtest.py serves it: gunicorn with sync
workers and the bench settings (DEBUG off), a Celery worker (prefork) and, for redis-stop,
Celery beat.

What each drill does and checks (the verdict is PASS only when every check holds):

- postgres-restart: logged-in users POST ratings (every user–proposal pair once) and GET pages
  on 8 connections; PostgreSQL is stopped (fast), kept down for `--down` seconds and started
  again. Requests during the outage must fail fast with 503 (Retry-After, the German page),
  none with another error or a hang, all must succeed again within seconds of the restart, and
  every rating answered with a redirect (2xx/3xx) must be in the database with its value, the
  proposals' counters matching their rating rows.
- redis-stop: Redis is stopped; proposals, ratings, defect reports (with a photo, without an
  account: a confirmation e-mail) and tickets (a receipt e-mail) are submitted through the
  forms and an export is requested; all must be saved, /healthz must answer 503 with the
  broker down, and the tasks must wait in the outbox. Redis is started again (empty, as after
  a restart without persistence): the beat or a starting worker sends the outbox, and every
  e-mail must arrive exactly once, every photo be processed, the export be ready. One sent
  task is then sent again on purpose (as after a crash between sending and marking): its
  e-mail must not arrive twice.
- worker-kill: a workshop dossier is built by a real worker; while it runs, (a) the pool
  process building it is killed (SIGKILL): the task is redelivered (acks_late,
  reject_on_worker_lost) and the export must finish; (b) the whole worker is killed and started
  again: the stale-export requeue (the beat's `requeue_stale_exports`, here with
  IDEAS_EXPORT_STALE_MINUTES=1 and run every 10 s) must finish it.

Needs PostgreSQL 15 server binaries (initdb, pg_ctl; as root they run as the user `postgres`)
and redis-server. Prints what happened and a verdict per drill; exits 1 if one failed.
"""

import argparse
import email
import email.header
import http.client
import io
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "faults"
PROCESS_SLUG = "benchmark-ideensammlung"
DRILL_DOMAIN = "faults.invalid"
CELERY = [sys.executable, "-m", "celery", "-A", "lohmar_portal"]
IDEAS_SIZE = ["--proposals", "2000", "--ratings", "20000", "--comments", "6000", "--users", "1000"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Services of the drill's own ----------------------------------------------------------------


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        sys.exit(f"{name} (PostgreSQL server binaries) is needed: apt-get install postgresql")
    return str(candidates[-1])


class PostgresCluster:
    """A PostgreSQL cluster in the work directory, started and stopped with pg_ctl."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.dir = workdir / "postgres"
        self.data = self.dir / "data"
        self.port = port
        self.as_postgres = os.geteuid() == 0  # initdb refuses root

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        if self.as_postgres:
            command = ("runuser", "-u", "postgres", "--", *command)
        return subprocess.run(command, capture_output=True, text=True, check=check)

    def init(self) -> None:
        if (self.data / "PG_VERSION").exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        log(f"initdb {self.data}")
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def start(self) -> None:
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "server.log"),
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def running(self) -> bool:
        return (
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "status", check=False).returncode
            == 0
        )

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        options = f"-h 127.0.0.1 -p {self.port} -U postgres -d {database} -tAc".split()
        result = subprocess.run(
            [_pg_bin("psql"), *options, sql], capture_output=True, text=True, check=True
        )
        return result.stdout.strip()


class RedisServer:
    """redis-server without persistence: a restart loses every key, as on the dev machines."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.port = port
        self.log = workdir / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if not shutil.which("redis-server"):
            sys.exit("redis-server is needed: apt-get install redis-server")
        options = f"--port {self.port} --bind 127.0.0.1 --appendonly no --logfile {self.log}"
        self.process = subprocess.Popen(
            ["redis-server", *options.split(), "--save", ""], start_new_session=True
        )
        for _ in range(100):
            if self.ping():
                return
            time.sleep(0.05)
        sys.exit(f"redis-server did not start on port {self.port} (see {self.log})")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def ping(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


@dataclass
class Portal:
    """The portal's processes (gunicorn, Celery worker and beat) against the drill's services."""

    workdir: Path
    env: dict
    http_port: int
    processes: dict = field(default_factory=dict)

    def _start(self, name: str, command: list[str], **env) -> subprocess.Popen:
        log_file = (self.workdir / f"{name}.log").open("a")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_gunicorn(self, workers: int = 2) -> None:
        options = (
            f"--bind 127.0.0.1:{self.http_port} --workers {workers} --worker-class sync "
            "--timeout 30 --log-level warning"
        )
        self._start(
            "gunicorn", [sys.executable, "-m", "gunicorn", "lohmar_portal.wsgi", *options.split()]
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _headers, _body = http_request(self.http_port, "GET", "/bench/bare/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit(f"gunicorn did not start (see {self.workdir / 'gunicorn.log'})")

    def start_worker(self, name: str = "worker", concurrency: int = 2, **env) -> None:
        log_path = self.workdir / f"{name}.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        options = (
            f"--pool prefork --concurrency {concurrency} -l INFO --without-gossip "
            f"--without-mingle -n {name}@faults"
        )
        self._start(
            name,
            [*CELERY, "worker", *options.split()],
            **env,
        )
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text()[offset:]:
            if time.monotonic() > deadline or self.processes[name].poll() is not None:
                sys.exit(f"the Celery worker did not start (see {log_path})")
            time.sleep(0.2)

    def start_beat(self) -> None:
        schedule = self.workdir / "beat-schedule"
        self._start(
            "beat",
            [*CELERY, "beat", "-l", "INFO", "--schedule", str(schedule)],
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)


class Drill:
    """The services, the data set and the portal's environment for one run."""

    def __init__(self, args) -> None:
        self.args = args
        self.workdir = Path(args.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.postgres = PostgresCluster(self.workdir, args.pg_port)
        self.redis = RedisServer(self.workdir, args.redis_port)
        self.mail_dir = self.workdir / "mail"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.postgres.url(),
            "REDIS_URL": self.redis.url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_URL": f"filemail:///{self.mail_dir}",  # an absolute path: four slashes
            "MEDIA_ROOT": str(self.workdir / "media"),
            "PRIVATE_MEDIA_ROOT": str(self.workdir / "private"),
            "PORTAL_BASE_URL": f"http://127.0.0.1:{args.http_port}",
            "LOG_LEVEL": "WARNING",
        }
        self.portal = Portal(self.workdir, self.env, args.http_port)

    def __enter__(self) -> "Drill":
        if self.args.fresh and self.postgres.data.exists():
            self.postgres.stop("immediate")
            shutil.rmtree(self.postgres.dir)
        self.postgres.init()
        if not self.postgres.running():
            self.postgres.start()
        self.redis.start()
        try:
            self._ensure_data()
        except BaseException:
            self.__exit__()  # no servers left running (they would hold this run's output open)
            raise
        shutil.rmtree(self.mail_dir, ignore_errors=True)
        self.mail_dir.mkdir(parents=True)
        return self

    def __exit__(self, *exc) -> None:
        self.portal.stop_all()
        self.redis.stop()
        if not self.postgres.running():
            self.postgres.start()
        if not self.args.keep:
            self.postgres.stop()

    def _ensure_data(self) -> None:
        marker = self.workdir / "data-ready"
        exists = self.postgres.psql(
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"  # noqa: S608 (a constant)
        )
        if exists and marker.exists():  # the data set of an earlier run; the schema may be newer
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"],
                cwd=ROOT,
                env={**self.env, "DJANGO_SETTINGS_MODULE": "lohmar_portal.settings"},
                check=True,
                capture_output=True,
            )
            return
        if exists:
            self.postgres.psql(f"DROP DATABASE {DATABASE}")
        self.postgres.psql(f"CREATE DATABASE {DATABASE}")
        steps = [
            ["manage.py", "migrate", "-v0"],
            ["bench/ideas_data.py", *IDEAS_SIZE],
            ["bench/defects_data.py", "--reports", "2000"],
            ["bench/servicecenter_data.py", "--tickets", "2000", "--messages", "8000"],
        ]
        for step in steps:
            log("data: " + " ".join(step))
            subprocess.run(
                [sys.executable, *step],
                cwd=ROOT,
                env={**self.env, "DJANGO_SETTINGS_MODULE": "lohmar_portal.settings"},
                check=True,
                capture_output=True,
            )
        marker.write_text(time.strftime("%Y-%m-%d %H:%M:%S"))

    def django(self, function: str, *args, **env):
        """Run one of the functions below in a Django process; its JSON answer."""
        code = f"from bench.faults import {function}; {function}(*{args!r})"
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"{function} failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])


# --- HTTP ---------------------------------------------------------------------------------------


def http_request(port: int, method: str, path: str, *, body=b"", headers=None, timeout=15):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def form_body(fields: dict) -> tuple[bytes, str]:
    return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"


def multipart_body(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "----faults" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, (filename, content, content_type) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Result:
    kind: str
    started: float
    finished: float
    outcome: str  # "ok", "503", "http-500", "error:TimeoutError", ...
    status: int | None = None
    headers: dict | None = None
    body: bytes = b""
    extra: dict | None = None

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def timed_request(port: int, kind: str, method: str, path: str, *, extra=None, **kwargs) -> Result:
    started = time.monotonic()
    try:
        status, headers, body = http_request(port, method, path, **kwargs)
    except Exception as error:  # a hang (timeout), a reset, a refused connection
        return Result(kind, started, time.monotonic(), f"error:{type(error).__name__}", extra=extra)
    outcome = "ok" if status < 400 else ("503" if status == 503 else f"http-{status}")
    return Result(kind, started, time.monotonic(), outcome, status, headers, body, extra)


def outcome_table(results: list[Result], phases: list[tuple[str, float, float]]) -> list[str]:
    lines = [
        "| phase | requests | ok (2xx/3xx) | 503 | other | slowest failure | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, start, end in phases:
        chosen = [r for r in results if start <= r.started < end]
        if not chosen:
            continue
        counts = Counter("other" if r.outcome not in ("ok", "503") else r.outcome for r in chosen)
        failures = [r.seconds for r in chosen if r.outcome != "ok"]
        times = sorted(r.seconds for r in chosen)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        lines.append(
            f"| {name} | {len(chosen)} | {counts['ok']} | {counts['503']} | {counts['other']} "
            f"| {max(failures) * 1000:.0f} ms | {p99 * 1000:.0f} ms |"
            if failures
            else f"| {name} | {len(chosen)} | {counts['ok']} | 0 | 0 | – | {p99 * 1000:.0f} ms |"
        )
    return lines


# --- Django-side helpers (run with Drill.django) ------------------------------------------------


def _setup() -> None:
    import django

    django.setup()


def _emit(data) -> None:
    print(json.dumps(data, default=str))


def _login_cookie(user) -> tuple[str, str]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    token = secrets.token_hex(16)  # a CSRF secret; forms may send it unmasked
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}"
    return cookie, token


def rating_fixture(users: int, per_user: int, path: str) -> None:
    """Logged-in bench users and, for each, open proposals they have not rated: pairs to rate
    once each. Written to `path`; prints the counts."""
    _setup()
    from django.urls import reverse

    from ideas.models import Proposal
    from lohmar_portal.models import User
    from participation.models import Process, Rating
    from participation.permissions import phase_allows
    from participation.services import content_type_of

    chosen = list(
        User.objects.filter(email__endswith="@bench.invalid", is_active=True).order_by("-pk")[
            :users
        ]
    )
    rating_open = [p.pk for p in Process.objects.all() if phase_allows(p, "rate")]
    proposals = list(
        Proposal.objects.listed()
        .filter(process__in=rating_open)
        .exclude(status__in=["adopted", "rejected"])
        .values_list("pk", "reference", "author_id")
    )
    content_type = content_type_of(Proposal)
    rated = set(
        Rating.objects.filter(content_type=content_type, user__in=chosen).values_list(
            "user_id", "object_id"
        )
    )
    rng = random.Random(8)
    clients, pairs = [], []
    for index, user in enumerate(chosen):
        cookie, token = _login_cookie(user)
        clients.append({"user": user.pk, "cookie": cookie, "token": token})
        candidates = [
            (pk, ref)
            for pk, ref, author in proposals
            if author != user.pk and (user.pk, pk) not in rated
        ]
        for pk, reference in rng.sample(candidates, min(per_user, len(candidates))):
            pairs.append(
                {
                    "client": index,
                    "user": user.pk,
                    "proposal": pk,
                    "path": reverse("ideas:proposal_rate", kwargs={"reference": reference}),
                }
            )
    rng.shuffle(pairs)
    pages = [
        reverse("ideas:proposal_detail", kwargs={"reference": ref})
        for _pk, ref, _a in proposals[:50]
    ]
    Path(path).write_text(json.dumps({"clients": clients, "pairs": pairs, "pages": pages}))
    _emit({"clients": len(clients), "pairs": len(pairs)})


def check_ratings(path: str) -> None:
    """Which acknowledged ratings (user, proposal, value) are in the database; and whether the
    rated proposals' counters match their rating rows."""
    _setup()
    from django.db.models import Count, Sum

    from ideas.models import Proposal
    from participation.models import Rating
    from participation.services import content_type_of

    sent = json.loads(Path(path).read_text())
    content_type = content_type_of(Proposal)
    users = {row["user"] for row in sent}
    stored = {
        (user, proposal): value
        for user, proposal, value in Rating.objects.filter(
            content_type=content_type, user__in=users
        ).values_list("user_id", "object_id", "value")
    }
    acknowledged = [row for row in sent if row["outcome"] == "ok"]
    refused = [row for row in sent if row["outcome"] != "ok"]
    missing = [r for r in acknowledged if stored.get((r["user"], r["proposal"])) != r["value"]]
    refused_stored = [r for r in refused if (r["user"], r["proposal"]) in stored]
    proposal_ids = {row["proposal"] for row in sent}
    rows = {
        row["object_id"]: (row["n"], row["total"])
        for row in Rating.objects.filter(content_type=content_type, object_id__in=proposal_ids)
        .values("object_id")
        .annotate(n=Count("pk"), total=Sum("value"))
    }
    differ = sum(
        1
        for p in Proposal.objects.filter(pk__in=proposal_ids)
        if (p.rating_count, p.rating_sum) != rows.get(p.pk, (0, 0))
    )
    _emit(
        {
            "acknowledged": len(acknowledged),
            "acknowledged_in_db": len(acknowledged) - len(missing),
            "missing": len(missing),
            "refused": len(refused),
            "refused_but_stored": len(refused_stored),
            "proposals_checked": len(proposal_ids),
            "counters_differ": differ,
        }
    )


def write_fixture(users: int, path: str) -> None:
    """What the redis-stop drill submits through the forms: logged-in users (one per write, so
    no per-person limit is met) and the ids the forms need."""
    _setup()
    from django.urls import reverse

    from defects.models import Category
    from ideas.models import Pillar, Proposal
    from lohmar_portal.models import User
    from participation.models import Process, Rating
    from participation.permissions import phase_allows
    from participation.services import content_type_of

    chosen = list(
        User.objects.filter(email__endswith="@bench.invalid", is_active=True).order_by("-pk")[
            200 : 200 + users
        ]
    )
    clients = []
    for user in chosen:
        cookie, token = _login_cookie(user)
        clients.append({"user": user.pk, "email": user.email, "cookie": cookie, "token": token})
    process = Process.objects.get(slug=PROCESS_SLUG)
    # For each user a rateable proposal they have not rated: each drill rating is a new row.
    rating_open = [p.pk for p in Process.objects.all() if phase_allows(p, "rate")]
    candidates = list(
        Proposal.objects.listed()
        .filter(process__in=rating_open)
        .exclude(status__in=["adopted", "rejected", "withdrawn"])
        .order_by("?")
        .values_list("pk", "reference", "author_id")[:500]
    )
    rated = set(
        Rating.objects.filter(content_type=content_type_of(Proposal), user__in=chosen).values_list(
            "user_id", "object_id"
        )
    )
    rate_paths = []
    for user in chosen:
        _pk, reference, _author = next(
            c for c in candidates if c[2] != user.pk and (user.pk, c[0]) not in rated
        )
        rate_paths.append(reverse("ideas:proposal_rate", kwargs={"reference": reference}))
    Path(path).write_text(
        json.dumps(
            {
                "clients": clients,
                "process": process.pk,
                "pillar": Pillar.objects.filter(vision__is_published=True).first().pk,
                "category": Category.objects.order_by("pk").first().pk,
                "rate_paths": rate_paths,  # one per client
                "paths": {
                    "proposal": reverse("ideas:proposal_create"),
                    "report": reverse("defects:report_create"),
                    "ticket": reverse("servicecenter:ticket_create"),
                },
            }
        )
    )
    _emit({"clients": len(clients)})


def request_export() -> None:
    """Request a workshop dossier of the bench process as the nightly jobs do (queued after
    the commit through `enqueue`)."""
    _setup()
    from ideas.exports import services
    from ideas.models import DossierExport
    from participation.models import Process

    export = services.request_export(
        actor=None,
        kind=DossierExport.Kind.WORKSHOP,
        formats=["pdf", "xlsx", "csv"],
        process=Process.objects.get(slug=PROCESS_SLUG),
        anonymise=True,
    )
    _emit({"export": export.pk})


def export_state(pk: int) -> None:
    _setup()
    from ideas.models import DossierExport

    export = DossierExport.objects.get(pk=pk)
    _emit(
        {
            "state": export.state,
            "progress": export.progress,
            "attempts": export.attempts,
            "error": export.error,
        }
    )


def outage_state(since: str) -> None:
    """What was written since `since` (ISO time) and what became of the work it queued."""
    _setup()
    from django.db.models import Count

    from defects.models import DefectReport, Photo
    from ideas.models import DossierExport, Proposal
    from lohmar_portal.models import QueuedTask, SentEmail
    from participation.models import Rating
    from servicecenter.models import Ticket

    reports = DefectReport.objects.filter(created_at__gte=since)
    tickets = Ticket.objects.filter(created_at__gte=since)
    expected_mail = sorted(
        [("confirm", r.reporter_email) for r in reports if r.reporter_email]
        + [("receipt", t.notify_address) for t in tickets if t.notify_address]
    )
    _emit(
        {
            "proposals": Proposal.objects.filter(created_at__gte=since).count(),
            "ratings": Rating.objects.filter(created_at__gte=since).count(),
            "reports": reports.count(),
            "tickets": tickets.count(),
            "photos": dict(
                Photo.objects.filter(report__in=reports)
                .values_list("state")
                .annotate(n=Count("pk"))
                .values_list("state", "n")
            ),
            "exports": dict(
                DossierExport.objects.filter(created_at__gte=since)
                .values_list("state")
                .annotate(n=Count("pk"))
                .values_list("state", "n")
            ),
            "outbox": {
                f"{name} {state}": n
                for name, state, n in QueuedTask.objects.filter(created_at__gte=since)
                .values_list("task_name", "state")
                .annotate(n=Count("pk"))
                .values_list("task_name", "state", "n")
            },
            "outbox_waiting": QueuedTask.objects.filter(state=QueuedTask.State.WAITING).count(),
            "sent_email_marks": SentEmail.objects.filter(sent_at__gte=since).count(),
            "expected_mail": expected_mail,
        }
    )


def resend_one(task_prefix: str, since: str) -> None:
    """Send one already-sent outbox task again, as if marking it sent had failed."""
    _setup()
    from lohmar_portal import outbox
    from lohmar_portal.models import QueuedTask

    row = (
        QueuedTask.objects.filter(
            state=QueuedTask.State.SENT, task_name__startswith=task_prefix, created_at__gte=since
        )
        .order_by("pk")
        .first()
    )
    if row is None:
        _emit({"resent": None})
        return
    QueuedTask.objects.filter(pk=row.pk).update(state=QueuedTask.State.WAITING)
    counts = outbox.flush()
    _emit({"resent": row.task_name, "task_id": row.task_id, "args": row.args, "flush": counts})


def requeue_stale() -> None:
    """What the beat's requeue_stale_exports does (sent to a worker through the broker)."""
    _setup()
    from ideas import tasks

    result = tasks.requeue_stale_exports.apply_async(ignore_result=True)
    _emit({"sent": result.id})


# --- Reading the e-mails the worker wrote (file backend) ----------------------------------------


def read_mail(mail_dir: Path) -> list[tuple[str, str]]:
    """(to, subject) of every message the file e-mail backend wrote."""
    messages = []
    separator = "-" * 79
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text(errors="replace").split(separator):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.strip())
            subject = str(
                email.header.make_header(email.header.decode_header(message["Subject"] or ""))
            )
            messages.append((message["To"] or "", subject))
    return messages


# --- Drill: PostgreSQL restart ------------------------------------------------------------------


def drill_postgres_restart(drill: Drill) -> bool:
    args = drill.args
    fixture_path = drill.workdir / "ratings.json"
    counts = drill.django("rating_fixture", 40, 400, str(fixture_path))
    fixture = json.loads(fixture_path.read_text())
    log(f"{counts['clients']} logged-in users, {counts['pairs']} user–proposal pairs to rate")
    drill.portal.start_gunicorn()
    port = args.http_port
    pairs = iter(fixture["pairs"])
    pairs_lock = threading.Lock()
    results: list[Result] = []
    results_lock = threading.Lock()
    stop = threading.Event()
    citizen = fixture["clients"][0]
    pages = ["/", "/vorschlaege/", "/strategie/", *fixture["pages"][:10]]

    def record(result: Result) -> None:
        with results_lock:
            results.append(result)

    def rater() -> None:
        while not stop.is_set():
            with pairs_lock:
                pair = next(pairs, None)
            if pair is None:
                return
            client = fixture["clients"][pair["client"]]
            value = random.randint(1, 5)
            body, content_type = form_body({"csrfmiddlewaretoken": client["token"], "value": value})
            record(
                timed_request(
                    port,
                    "rating POST",
                    "POST",
                    pair["path"],
                    body=body,
                    headers={"Cookie": client["cookie"], "Content-Type": content_type},
                    extra={"user": pair["user"], "proposal": pair["proposal"], "value": value},
                )
            )

    def reader(logged_in: bool) -> None:
        headers = {"Cookie": citizen["cookie"]} if logged_in else {}
        kind = "GET logged in" if logged_in else "GET anonymous"
        while not stop.is_set():
            record(timed_request(port, kind, "GET", random.choice(pages), headers=headers))

    threads = [threading.Thread(target=rater) for _ in range(4)]
    threads += [
        threading.Thread(target=reader, args=(flag,)) for flag in (False, False, True, True)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(args.before)
    log(f"stopping PostgreSQL (fast) for {args.down} s")
    down_at = time.monotonic()
    drill.postgres.stop("fast")
    stopped_at = time.monotonic()
    time.sleep(args.down)
    drill.postgres.start()
    up_at = time.monotonic()
    log(f"PostgreSQL accepts connections again ({up_at - down_at:.1f} s after the stop)")
    time.sleep(args.after)
    stop.set()
    for thread in threads:
        thread.join()
    ended = time.monotonic()
    drill.portal.kill("gunicorn", signal.SIGTERM)

    sent_path = drill.workdir / "ratings-sent.json"
    sent_path.write_text(
        json.dumps([{**r.extra, "outcome": r.outcome} for r in results if r.kind == "rating POST"])
    )
    check = drill.django("check_ratings", str(sent_path))

    failures_after = [r for r in results if r.started >= up_at and r.outcome != "ok"]
    recovered_in = max((r.finished for r in failures_after), default=up_at) - up_at
    outage = [
        r for r in results if down_at <= r.started < up_at or r.finished >= down_at > r.started
    ]
    other = [r for r in results if r.outcome not in ("ok", "503")]
    slowest_failure = max((r.seconds for r in results if r.outcome != "ok"), default=0.0)
    a_503 = next((r for r in results if r.outcome == "503"), None)
    page_ok = a_503 is not None and "gleich wieder da" in a_503.body.decode(errors="replace")
    retry_after = a_503.headers.get("Retry-After") if a_503 else None

    print()
    print(f"## postgres-restart: {len(results)} requests on 8 connections")
    print()
    print(
        f"PostgreSQL stopped {stopped_at - down_at:.2f} s after the signal, down "
        f"{up_at - down_at:.1f} s in all; load from -{args.before} s to +{args.after} s."
    )
    print()
    print("| kind | requests | ok | 503 | other |")
    print("|---|---:|---:|---:|---:|")
    for kind in sorted({r.kind for r in results}):
        chosen = [r for r in results if r.kind == kind]
        c = Counter(r.outcome for r in chosen)
        print(
            f"| {kind} | {len(chosen)} | {c['ok']} | {c['503']} "
            f"| {len(chosen) - c['ok'] - c['503']} |"
        )
    print()
    for line in outcome_table(
        results,
        [
            ("before the stop", started, down_at),
            ("PostgreSQL down", down_at, up_at),
            ("after the start", up_at, ended + 1),
        ],
    ):
        print(line)
    print()
    print(f"Other outcomes: {dict(Counter(r.outcome for r in other)) or 'none'}")
    print(f"Requests touching the outage: {len(outage)}; slowest failure {slowest_failure:.2f} s")
    print(
        f"503 page: Retry-After {retry_after!r}, German text {'yes' if page_ok else 'NO'}; "
        f"recovered {recovered_in:.2f} s after PostgreSQL was back"
    )
    print(
        f"Ratings: {check['acknowledged']} acknowledged, {check['acknowledged_in_db']} of them in "
        f"the database with their value, {check['missing']} missing; {check['refused']} refused "
        f"(not 2xx/3xx), {check['refused_but_stored']} of those stored all the same; counters of "
        f"{check['proposals_checked']} proposals differing from their rows: "
        f"{check['counters_differ']}"
    )
    checks = {
        "no error but 503 (no 500, no hang, no reset)": not other,
        "failures are fast (< 4 s)": slowest_failure < 4,
        "the outage was seen (some 503)": a_503 is not None,
        "503 page with Retry-After in German": bool(retry_after) and page_ok,
        "recovered within 5 s": recovered_in < 5,
        "every acknowledged rating is stored": check["missing"] == 0 and check["acknowledged"] > 0,
        "counters match the rows": check["counters_differ"] == 0,
    }
    return verdict("postgres-restart", checks)


def verdict(name: str, checks: dict[str, bool]) -> bool:
    print()
    for label, ok in checks.items():
        print(f"- [{'x' if ok else ' '}] {label}")
    passed = all(checks.values())
    print(f"\nVerdict {name}: {'PASS' if passed else 'FAIL'}\n", flush=True)
    return passed


# --- Drill: Redis stopped -----------------------------------------------------------------------


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (random.randint(0, 255), 90, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def drill_redis_stop(drill: Drill) -> bool:
    args = drill.args
    port = args.http_port
    fixture_path = drill.workdir / "writes.json"
    writes = 5  # of each kind
    drill.django("write_fixture", 4 * writes, str(fixture_path))
    fixture = json.loads(fixture_path.read_text())
    clients = iter(fixture["clients"])
    drill.portal.start_gunicorn()
    drill.portal.start_worker()
    drill.portal.start_beat()
    time.sleep(2)
    before = http_request(port, "GET", "/healthz")
    since = drill.django("_now")["now"]

    log("stopping Redis")
    drill.redis.stop()
    down_at = time.monotonic()
    results: list[Result] = []

    def post(kind: str, path: str, fields: dict, client: dict | None, files=None) -> Result:
        headers = {}
        token = client["token"] if client else secrets.token_hex(16)
        cookie = client["cookie"] if client else f"csrftoken={token}"
        fields = {"csrfmiddlewaretoken": token, **fields}
        body, content_type = multipart_body(fields, files) if files else form_body(fields)
        headers = {"Cookie": cookie, "Content-Type": content_type}
        result = timed_request(port, kind, "POST", path, body=body, headers=headers)
        results.append(result)
        return result

    health = timed_request(port, "healthz", "GET", "/healthz")
    results.append(health)
    for _ in range(2):
        results.append(timed_request(port, "healthz", "GET", "/healthz"))
    for n in range(writes):
        post(
            "proposal",
            fixture["paths"]["proposal"],
            {
                "process": fixture["process"],
                "pillar": fixture["pillar"],
                "title": f"Ausfallübung Vorschlag {n} {secrets.token_hex(3)}",
                "summary": "Ein Vorschlag, eingereicht während Redis nicht lief.",
                "text": "Die Übung prüft, dass Eingaben gespeichert werden, auch ohne Redis.",
            },
            next(clients),
        )
        rater = next(clients)
        post(
            "rating",
            fixture["rate_paths"][fixture["clients"].index(rater)],
            {"value": random.randint(1, 5)},
            rater,
        )
        post(
            "defect report (anonymous, photo)",
            fixture["paths"]["report"],
            {
                "category": fixture["category"],
                "description": f"Ausfallübung: Schlagloch Nummer {n}.",
                "latitude": f"{50.8394 + random.uniform(-0.004, 0.004):.6f}",
                "longitude": f"{7.2164 + random.uniform(-0.004, 0.004):.6f}",
                "duplicates_checked": "1",
                "email": f"melder-{n}-{secrets.token_hex(3)}@{DRILL_DOMAIN}",
                "alt_1": "Das Schlagloch",
            },
            None,
            files={"photo_1": ("loch.jpg", _jpeg(), "image/jpeg")},
        )
        post(
            "ticket",
            fixture["paths"]["ticket"],
            {"subject": f"Ausfallübung {n}", "text": "Ein Anliegen, gestellt ohne Redis."},
            next(clients),
        )
    for path in ("/", "/vorschlaege/", "/maengel/"):
        results.append(timed_request(port, "GET page", "GET", path))
    export = drill.django("request_export")["export"]
    during = drill.django("outage_state", since)
    remaining = args.down - (time.monotonic() - down_at)
    if remaining > 0:
        time.sleep(remaining)
    log("starting Redis again (empty)")
    drill.redis.start()
    up_at = time.monotonic()

    drained_at = done_at = None
    state = during
    mail: list[tuple[str, str]] = []
    deadline = up_at + args.wait
    expected = Counter(to for _kind, to in during["expected_mail"])
    while time.monotonic() < deadline:
        time.sleep(2)
        state = drill.django("outage_state", since)
        mail = read_mail(drill.mail_dir)
        if drained_at is None and state["outbox_waiting"] == 0:
            drained_at = time.monotonic()
        arrived = Counter(to for to, _subject in mail)
        photos_done = not state["photos"].get("pending")
        export_done = state["exports"].get("ready", 0) >= 1
        if (
            drained_at
            and photos_done
            and export_done
            and all(arrived[to] >= n for to, n in expected.items())
        ):
            done_at = time.monotonic()
            break
    after_health = http_request(port, "GET", "/healthz")

    # Nothing twice: the same task sent again (as after a crash before it was marked sent).
    def drill_mail() -> list[tuple[str, str]]:  # others (the beat's escalations) do not count
        return [(to, subject) for to, subject in read_mail(drill.mail_dir) if to in expected]

    mail_before = len(drill_mail())
    resent = drill.django("resend_one", "defects.tasks.send_confirmation", since)
    time.sleep(5)
    mail = drill_mail()
    duplicates = {key: n for key, n in Counter(mail).items() if n > 1}
    export_final = drill.django("export_state", export)

    print()
    print("## redis-stop")
    print()
    print(
        f"/healthz before: {before[0]}; during the outage: {health.status} {health.body.decode()}"
    )
    print()
    print("| write during the outage | sent | saved (2xx/3xx) | slowest |")
    print("|---|---:|---:|---:|")
    for kind in sorted({r.kind for r in results}):
        chosen = [r for r in results if r.kind == kind]
        ok = sum(r.outcome == "ok" or (kind == "healthz" and r.status == 503) for r in chosen)
        slowest = max(r.seconds for r in chosen)
        print(f"| {kind} | {len(chosen)} | {ok} | {slowest * 1000:.0f} ms |")
    for r in results:
        if r.outcome != "ok" and r.kind != "healthz":
            print(f"- {r.kind}: {r.outcome} {r.body[:300]!r}")
    print()
    print(
        f"In the database after the outage's writes: {during['proposals']} proposals, "
        f"{during['ratings']} ratings, {during['reports']} defect reports, {during['tickets']} "
        f"tickets, export {export} requested"
    )
    print(f"Outbox during the outage: {during['outbox']}")
    print(
        f"Redis back: outbox empty after "
        f"{(drained_at - up_at) if drained_at else float('nan'):.1f} s, all work done after "
        f"{(done_at - up_at) if done_at else float('nan'):.1f} s"
    )
    print(f"Outbox afterwards: {state['outbox']}")
    print(f"Photos: {state['photos']}; export: {export_final}")
    print(
        f"E-mails of the drill expected {len(during['expected_mail'])}, arrived {len(mail)} "
        f"({dict(Counter(subject.split(':')[0][:40] for _to, subject in mail))}), "
        f"duplicates {duplicates or 'none'}; once-only marks {state['sent_email_marks']}"
    )
    print(
        f"Sent again on purpose: {resent.get('resent')} [{resent.get('task_id')}] → e-mails "
        f"{mail_before} before, {len(mail)} after"
    )
    print(f"/healthz after: {after_health[0]}; the service center's beat sent others meanwhile")
    saved = during
    checks = {
        "every write answered 2xx/3xx during the outage": all(
            r.outcome == "ok" for r in results if r.kind not in ("healthz",)
        ),
        "writes are fast without Redis (< 2 s each)": all(r.seconds < 2 for r in results),
        "all saved": saved["proposals"] == writes
        and saved["ratings"] == writes
        and saved["reports"] == writes
        and saved["tickets"] == writes,
        "/healthz 503 with the broker down": health.status == 503
        and json.loads(health.body)["services"]["broker"]["ok"] is False,
        "tasks waited in the outbox": sum(during["outbox"].values()) > 0,
        "the outbox was sent once Redis was back": drained_at is not None,
        "every photo processed": set(state["photos"]) == {"ready"},
        "the export finished": export_final["state"] == "ready",
        "every e-mail arrived once": Counter(to for to, _s in mail) == expected,
        "sending a task again sends no second e-mail": resent.get("resent") is not None
        and len(mail) == mail_before,
        "/healthz 200 again": after_health[0] == 200,
    }
    return verdict("redis-stop", checks)


def _now() -> None:
    _setup()
    from django.utils import timezone

    _emit({"now": timezone.now().isoformat()})


# --- Drill: worker killed during an export -----------------------------------------------------


def _pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def _wait_export(drill: Drill, export: int, until, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    state = drill.django("export_state", export)
    while not until(state) and time.monotonic() < deadline:
        time.sleep(every)
        state = drill.django("export_state", export)
    return state


def drill_worker_kill(drill: Drill) -> bool:
    portal = drill.portal
    stale = {"IDEAS_EXPORT_STALE_MINUTES": "1"}
    lines = []
    checks = {}

    # (a) the pool process building the export is killed; the worker lives on.
    portal.start_worker(concurrency=1, **stale)
    export = drill.django("request_export")["export"]
    started = time.monotonic()
    running = _wait_export(drill, export, lambda s: s["state"] == "running", 60, 0.1)
    time.sleep(0.5)
    children = _pool_children(portal.processes["worker"].pid)
    killed_at = time.monotonic()
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    log(f"(a) export {export} {running['state']} {running['progress']} %: killed pool {children}")
    final = _wait_export(drill, export, lambda s: s["state"] in ("ready", "failed"), 180, 1)
    finished_in = time.monotonic() - killed_at
    lines.append(
        f"(a) pool process killed {killed_at - started:.1f} s after the request, while "
        f"{running['state']} at {running['progress']} %: export {final['state']} "
        f"{finished_in:.1f} s later, attempts {final['attempts']}"
    )
    checks["(a) the export finishes after its pool process was killed"] = final["state"] == "ready"
    portal.kill("worker", signal.SIGTERM)

    # (b) the whole worker is killed; a new one starts; the stale requeue takes the job again.
    portal.start_worker(concurrency=1, **stale)
    export = drill.django("request_export")["export"]
    started = time.monotonic()
    running = _wait_export(drill, export, lambda s: s["state"] == "running", 60, 0.1)
    time.sleep(0.5)
    killed_at = time.monotonic()
    portal.kill("worker", signal.SIGKILL)
    log(f"(b) export {export} {running['state']} {running['progress']} %: killed the worker")
    state = drill.django("export_state", export)
    portal.start_worker(concurrency=1, **stale)
    restarted_at = time.monotonic()
    deadline = restarted_at + 240
    while state["state"] not in ("ready", "failed") and time.monotonic() < deadline:
        drill.django("requeue_stale", **stale)  # the beat's job, every 10 s here
        time.sleep(10)
        state = drill.django("export_state", export)
    lines.append(
        f"(b) whole worker killed {killed_at - started:.1f} s after the request, while "
        f"{running['state']} at {running['progress']} %; restarted; export {state['state']} "
        f"{time.monotonic() - killed_at:.0f} s after the kill (stale after 1 min here, "
        f"{state['attempts']} attempts)"
    )
    checks["(b) the export finishes after the worker was killed and restarted"] = (
        state["state"] == "ready"
    )
    portal.kill("worker", signal.SIGTERM)

    print()
    print("## worker-kill")
    print()
    for line in lines:
        print(line)
    return verdict("worker-kill", checks)


# --- Main ---------------------------------------------------------------------------------------

DRILLS = {
    "postgres-restart": drill_postgres_restart,
    "redis-stop": drill_redis_stop,
    "worker-kill": drill_worker_kill,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drill", choices=[*DRILLS, "all"])
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "lohmar-faults"))
    parser.add_argument("--pg-port", type=int, default=5442)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--http-port", type=int, default=8766)
    parser.add_argument("--before", type=float, default=5, help="load before the fault (s)")
    parser.add_argument("--down", type=float, default=3, help="how long the service is down (s)")
    parser.add_argument("--after", type=float, default=10, help="load after the restart (s)")
    parser.add_argument("--wait", type=float, default=150, help="redis-stop: wait for the work")
    parser.add_argument("--fresh", action="store_true", help="new cluster and data set")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = parser.parse_args()
    names = list(DRILLS) if args.drill == "all" else [args.drill]
    passed = {}
    for name in names:
        with Drill(args) as drill:
            log(f"drill {name}")
            passed[name] = DRILLS[name](drill)
    if len(passed) > 1:
        print("| drill | verdict |\n|---|---|")
        for name, ok in passed.items():
            print(f"| {name} | {'PASS' if ok else 'FAIL'} |")
    sys.exit(0 if all(passed.values()) else 1)


if __name__ == "__main__":
    main()
