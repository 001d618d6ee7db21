"""Security headers on a sample of pages, a CSP without inline script, and templates to match.

The sample covers a public page (fresh and from the page cache), an error page, the account,
the staff pages and the admin, the APIs (Open311, GeoJSON, health) and file downloads. The
production configuration's own settings (HSTS, HTTPS redirect, secure cookies) are read from
the settings module with DEBUG=0 in a process of its own and checked on a request over HTTPS;
`check --deploy --fail-level WARNING` for that configuration is tested once, in
tests/lohmar_portal/test_settings.py (test_check_deploy_is_clean_in_production).
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from tests.lohmar_portal.test_settings import run_manage

from .conftest import client_as, close_response

ROOT = Path(__file__).resolve().parents[2]
UNSAFE_SCRIPT_SOURCES = {
    "'unsafe-inline'",
    "'unsafe-eval'",
    "'unsafe-hashes'",
    "*",
    "data:",
    "http:",
    "https:",
    "blob:",
}
REFERRER_POLICIES = {
    "same-origin",
    "strict-origin",
    "no-referrer",
    "strict-origin-when-cross-origin",
}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def script_sources(directives: dict[str, list[str]]) -> list[str]:
    """What may run as script: script-src, else default-src (the CSP fallback)."""
    return directives.get("script-src", directives.get("default-src", []))


# name → (role, URL from the world); a download is a file the portal serves after its checks.
SAMPLE = {
    "home": ("anonymous", lambda w: "/"),
    "proposal page": ("anonymous", lambda w: w.proposal.get_absolute_url()),
    "defect map": ("anonymous", lambda w: reverse("defects:report_list")),
    "not found": ("anonymous", lambda w: "/gibt-es-nicht/"),
    "login": ("anonymous", lambda w: reverse("account_login")),
    "account": ("citizen", lambda w: reverse("account")),
    "postbox": ("citizen", lambda w: reverse("servicecenter:postbox")),
    "ticket by secret link": (
        "anonymous",
        lambda w: reverse(
            "servicecenter:ticket_access",
            kwargs={"reference": w.link_ticket.reference, "token": w.tokens["ticket_link"]},
        ),
    ),
    "staff queue": ("agent", lambda w: reverse("servicecenter:queue")),
    "staff ticket": (
        "agent",
        lambda w: reverse("servicecenter:staff_ticket", args=[w.forwarded_ticket.reference]),
    ),
    "admin index": ("admin", lambda w: reverse("admin:index")),
    "admin proposal": (
        "moderator",
        lambda w: reverse("admin:ideas_proposal_change", args=[w.proposal.pk]),
    ),
    "Open311 list": ("anonymous", lambda w: "/open311/v2/requests.json"),
    "Open311 XML": ("anonymous", lambda w: "/open311/v2/services.xml"),
    "GeoJSON": ("anonymous", lambda w: reverse("ideas:proposal_geojson")),
    "health": ("anonymous", lambda w: reverse("healthz")),
    "dossier download": (
        "moderator",
        lambda w: reverse("ideas:export_download", kwargs={"pk": w.export.pk, "fmt": "pdf"}),
    ),
    "defect photo": ("anonymous", lambda w: reverse("defects:photo", args=[w.released_photo.pk])),
    "ticket file": (
        "citizen",
        lambda w: reverse("servicecenter:attachment", args=[w.ticket_attachment.pk]),
    ),
    "data archive": (
        "citizen",
        lambda w: reverse("data_export_download", kwargs={"name": w.tokens["data_export"]}),
    ),
}
DOWNLOADS = {"dossier download", "defect photo", "ticket file", "data archive"}


def fetch(world, role: str, url: str, **extra):
    with transaction.atomic():
        response = client_as(world, role).get(url, **extra)
        body = b"" if response.streaming else response.content
        close_response(response)
        transaction.set_rollback(True)
    return response, body


def test_the_configured_policy_allows_no_inline_script():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert not UNSAFE_SCRIPT_SOURCES & set(directives["default-src"])
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["style-src"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(SAMPLE))
def test_security_headers(world, name):
    role, url = SAMPLE[name]
    response, _body = fetch(world, role, url(world))
    expected_status = 404 if name == "not found" else 200
    assert response.status_code == expected_status, (name, response.status_code)

    policy = response.get("Content-Security-Policy")
    assert policy, f"{name}: no Content-Security-Policy"
    directives = csp_directives(policy)
    scripts = script_sources(directives)
    assert scripts and not UNSAFE_SCRIPT_SOURCES & set(scripts), f"{name}: script-src {scripts}"
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("base-uri") == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in REFERRER_POLICIES
    assert response.get("X-Frame-Options") == "DENY" or directives.get("frame-ancestors") == [
        "'none'"
    ]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # Geolocation only for the portal's own map ("Meinen Standort verwenden"); no camera etc.
    policy = response["Permissions-Policy"].replace(" ", "")
    assert "geolocation=(self)" in policy and "camera=()" in policy and "microphone=()" in policy
    if name in DOWNLOADS and name != "defect photo":
        # Private files are downloads, never rendered in the portal's origin, never stored.
        assert response["Content-Disposition"].startswith("attachment")
        assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_page_from_the_page_cache_keeps_its_headers(world):
    first, first_body = fetch(world, "anonymous", "/")
    again, again_body = fetch(world, "anonymous", "/")
    assert again_body == first_body  # the same page, served from the cache the second time
    for header in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Cross-Origin-Opener-Policy",
    ):
        assert again[header] == first[header]


# --- No inline script in what the portal renders --------------------------------------------------
class ScriptFinder(HTMLParser):
    """Inline <script> (other than JSON data blocks), on* handlers and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        json_data = (values.get("type") or "").lower() == "application/json"
        if tag == "script" and "src" not in values and not json_data:
            self.problems.append(f"inline <script {values}>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name.lower() in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")


def rendered_problems(html: str) -> list[str]:
    finder = ScriptFinder()
    finder.feed(html)
    return finder.problems


def test_the_finder_finds_what_it_looks_for():
    html = (
        '<script>alert(1)</script><script type="application/json">{}</script>'
        '<script src="/static/a.js"></script><a href="javascript:x()" onclick="y()">z</a>'
    )
    assert len(rendered_problems(html)) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("name", [name for name in SAMPLE if name not in DOWNLOADS])
def test_rendered_pages_carry_no_inline_script(world, name):
    role, url = SAMPLE[name]
    response, body = fetch(world, role, url(world))
    if "html" in response["Content-Type"]:
        assert rendered_problems(body.decode()) == [], name


TEMPLATE_DIRS = [
    ROOT / "templates",
    *(
        ROOT / app / "templates"
        for app in ("lohmar_portal", "participation", "ideas", "defects", "servicecenter")
    ),
]
# Templates that are no web pages: the dossiers are rendered to PDF by WeasyPrint.
NOT_WEB_PAGES = {"ideas/exports"}
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/json[\"'])[^>]*>", re.I
)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def template_files() -> list[Path]:
    files = []
    for directory in TEMPLATE_DIRS:
        if directory.is_dir():
            files += [
                path
                for path in directory.rglob("*.html")
                if not any(
                    str(path.relative_to(directory)).startswith(skip) for skip in NOT_WEB_PAGES
                )
            ]
    return sorted(files)


def test_there_are_templates_to_check():
    assert len(template_files()) > 100


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, HANDLER, JAVASCRIPT_URL],
    ids=["inline script", "on* handler", "javascript: URL"],
)
def test_no_template_has_inline_script(pattern):
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)[:80]}"
        for path in template_files()
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []


def test_the_template_patterns_find_what_they_look_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script defer src="/a.js"></script>')
    assert not INLINE_SCRIPT.search('<script id="x" type="application/json">{}</script>')
    assert HANDLER.search('<button type="button"\n onclick="go()">')
    assert not HANDLER.search('<button data-once="1">')
    assert JAVASCRIPT_URL.search('<a href="javascript:void(0)">')


# --- The production configuration -----------------------------------------------------------------
PRODUCTION_SECURITY = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


@pytest.fixture(scope="module")
def production_security() -> dict:
    """The security settings as production (DEBUG=0) computes them, from a fresh process."""
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(PRODUCTION_SECURITY)!r}}}))"
    )
    result = run_manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        DEBUG="0",
        SECRET_KEY="a-long-random-production-key-" + "k" * 40,
        ALLOWED_HOSTS="portal.lohmar.de",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.mark.django_db
def test_production_sends_hsts_redirects_to_https_and_marks_cookies_secure(
    world, production_security
):
    assert production_security["SECURE_HSTS_SECONDS"] >= 31536000
    with override_settings(**production_security, ALLOWED_HOSTS=["portal.lohmar.de"]):
        plain, _body = fetch(world, "anonymous", "/", HTTP_HOST="portal.lohmar.de")
        assert plain.status_code == 301
        assert plain["Location"] == "https://portal.lohmar.de/"
        health, _body = fetch(world, "anonymous", "/healthz", HTTP_HOST="portal.lohmar.de")
        assert health.status_code == 200  # the load balancer's probe stays on plain HTTP

        secure, _body = fetch(
            world,
            "anonymous",
            reverse("account_login"),
            HTTP_HOST="portal.lohmar.de",
            HTTP_X_FORWARDED_PROTO="https",
        )
        assert secure.status_code == 200
        assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert secure.cookies["csrftoken"]["secure"]
        assert secure.cookies["csrftoken"]["httponly"]
