"""Whole-page caching for anonymous visitors that can never serve a stale page.

Every cached page's key holds the site's content version. Every write request that succeeds
bumps the version after its commit (AtomicWritesMiddleware), and so do writes outside requests
(`bump_content_version()` in commands and tasks that change public content). A page read after
a write is therefore always rendered fresh; pages in between come from the cache.
"""

import hashlib
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

# Named apart from the counter ("content-version") that earlier releases incremented: while old
# and new processes run side by side in a deploy, neither trips over the other's values (their
# pages may lag the other's writes by up to PAGE_TIMEOUT meanwhile).
VERSION_KEY = "content-version-token"
# Writes invalidate at once; time alone changes a page too (a phase ends at midnight), so no
# copy lives longer than a minute.
PAGE_TIMEOUT = 60


# The version a request works with, read once when it starts (ContentVersionMiddleware): data
# it reads and fragments it renders are stored under the version that was current before any
# of them were read, so a write that commits meanwhile can only make them stale, never hide it.
_request_version: ContextVar[str | None] = ContextVar("content_version", default=None)
# The version while the cache does not answer (nothing is stored then either).
NO_VERSION = "-"


def _new_version() -> str:
    """A version no earlier one can have had: when a version is evicted from the cache, the one
    that replaces it never matches an entry stored under the old one (a counter would start
    again at 1 and bring back pages stored under the first 1)."""
    return secrets.token_hex(8)


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        version = cache.get(VERSION_KEY)  # ours, or the one another process added first
    return version or NO_VERSION


def content_version() -> str:
    """The content version of this request (or, outside a request, the current one)."""
    version = _request_version.get()
    return _current_version() if version is None else version


class ContentVersionMiddleware:
    """Fix the content version for the whole request, before the view reads anything."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_version.set(_current_version())
        try:
            return self.get_response(request)
        finally:
            _request_version.reset(token)


def bump_content_version() -> None:
    """Make every cached page stale; call after a change of anything public is committed."""
    cache.set(VERSION_KEY, _new_version(), timeout=None)


def _cacheable_request(request: HttpRequest) -> bool:
    # A session or pending messages mean the page may hold something personal.
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and "sessionid" not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def cache_public_page(
    view: Callable[..., HttpResponse] | None = None, *, for_everyone: bool = False
):
    """Serve anonymous visitors a cached copy of this page while no write has happened.

    `for_everyone=True` is for responses that never depend on who asks (data for the map
    scripts, say): logged-in visitors get the cached copy too.
    """
    if view is None:
        return lambda view: cache_public_page(view, for_everyone=for_everyone)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if for_everyone:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
        elif not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key("page", content_version(), get_language(), request.get_full_path())
        cached = cache.get(key)
        if cached is not None:
            content, content_type, status = cached
            response = HttpResponse(content, content_type=content_type, status=status)
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if (
                response.status_code in (200, 404)
                and not response.cookies
                and not getattr(response, "streaming", False)
            ):
                cache.set(
                    key,
                    (response.content, response["Content-Type"], response.status_code),
                    PAGE_TIMEOUT,
                )
        if not for_everyone:
            patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper


def _key(kind: str, *parts) -> str:
    """A cache key every backend takes: free text in it (a search query, a long address) is
    hashed, as backends refuse spaces and control characters and memcached long keys."""
    key = ":".join([kind, *map(str, parts)])
    if len(key) > 200 or not all(char.isprintable() and not char.isspace() for char in key):
        key = f"{kind}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def cached_read(*key_parts, compute: Callable[[], object], timeout: int = PAGE_TIMEOUT):
    """A read's result from the cache, recomputed after any write (same version as the pages).

    For reads every visitor shares, logged in or not. A personal read (a person's postbox)
    must have the person in its key parts.
    """
    key = _key("read", content_version(), get_language(), *key_parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


# --- Reads that only their own writes make stale -------------------------------------------------

# How long a versioned read is kept at most. Each process of a deployment without a shared
# cache (no REDIS_URL) has a cache of its own that the others' writes cannot reach: a minute
# bounds how long one of them may work with what was changed elsewhere.
VERSIONED_TIMEOUT = 60
# A version outlives its entries; when it is gone, a new one makes the entries stale.
VERSION_TIMEOUT = 24 * 60 * 60


def versioned_read(version_key: str, key: str, *, compute: Callable[[], object]):
    """A read kept until `bump_version(version_key)`, however much else is written meanwhile.

    For data that changes far more seldom than the content version: a person's account, a
    process's phases. The entry is stored with the version read before the data, so a change
    that commits in between leaves a stale entry, never one that hides the change.
    """
    found = cache.get_many([version_key, key])
    version = found.get(version_key)
    if version is None:
        cache.add(version_key, _new_version(), VERSION_TIMEOUT)
        version = cache.get(version_key)
    entry = found.get(key)
    if entry is not None and version is not None and entry[0] == version:
        return entry[1]
    value = compute()
    if version is not None:
        cache.set(key, (version, value), VERSIONED_TIMEOUT)
    return value


def bump_version(version_key: str) -> None:
    """Make the reads under `version_key` stale, at once and again after the commit: a read in
    between may still have seen the rows as they were (tests, which never commit, see the
    first)."""

    def bump() -> None:
        cache.set(version_key, _new_version(), VERSION_TIMEOUT)

    bump()
    transaction.on_commit(bump)
