"""Test harness: factories, the real-service markers, and the Playwright browser.

Tests marked `postgres`, `redis` or `browser` need that service. On a user's machine a missing
service skips them with one notice at the end of the run; with CI=true a missing service fails
the run before any test, so nothing is silently skipped where it matters.
"""

import os

# Playwright's sync API runs an event loop in the test thread; Django must not refuse the ORM there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pathlib import Path

import pytest
import redis
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing_services() -> dict[str, str]:
    missing = {}
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing["postgres"] = "PostgreSQL (set DATABASE_URL=postgres://…)"
    if not settings.REDIS_URL:
        missing["redis"] = "Redis (set REDIS_URL=redis://…)"
    else:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError:
            missing["redis"] = f"Redis (no answer at {settings.REDIS_URL})"
    if not CHROMIUM.exists():
        missing["browser"] = f"a browser ({CHROMIUM} not found: apt-get install chromium)"
    return missing


MISSING = _missing_services()
_skipped: dict[str, int] = {}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker, what in MISSING.items():
            if item.get_closest_marker(marker):
                if IN_CI:
                    raise pytest.UsageError(
                        f"CI=true, but {what} is missing for {item.nodeid}: refusing to skip."
                    )
                item.add_marker(pytest.mark.skip(reason=f"needs {what}"))
                _skipped[marker] = _skipped.get(marker, 0) + 1


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        lines = [
            f"  {count} test(s) needing {MISSING[marker]}" for marker, count in _skipped.items()
        ]
        terminalreporter.write_sep("!", "NOT RUN on this machine (CI runs them)", yellow=True)
        terminalreporter.write_line("\n".join(lines))


@pytest.fixture(autouse=True)
def _german():
    """Every test starts in German: a request in English must not leak into the next test."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and cached pages live in the cache; every test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield


# --- Browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (German locale, no shared cookies) pointed at the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="de-DE",
        # axe-core is injected as a script; the portal's CSP rightly forbids that otherwise.
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
