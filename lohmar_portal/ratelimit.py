"""A fixed-window rate limit on Django's cache, shared by every process that shares the cache.

Each (key, window) pair is one counter: `cache.add` starts it at zero (only the first caller
wins), `cache.incr` counts the hit. On Redis both are single commands, so concurrent workers
never lose a hit; with the local-memory cache (development) the limit holds per process.

    if not ratelimit.hit(f"open311:{client.pk}", client.requests_per_hour, 3600):
        return too_many_requests()
"""

import ipaddress
import time

from allauth import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

KEY_PREFIX = "ratelimit"


def _window(period_seconds: int, now: float) -> int:
    return int(now // period_seconds)


def hit(key: str, limit: int, period_seconds: int) -> bool:
    """Count one hit on `key`; True while at most `limit` hits fell into the current window.

    Windows are aligned to multiples of `period_seconds` since the epoch; a refused hit counts
    too, so hammering a closed window does not open it sooner.
    """
    if period_seconds <= 0:
        raise ValueError("period_seconds must be positive")
    window = _window(period_seconds, time.time())
    counter = f"{KEY_PREFIX}:{key}:{window}"
    # A little longer than the window, so the counter cannot expire while it is still counted.
    cache.add(counter, 0, timeout=period_seconds + 60)
    try:
        count = cache.incr(counter)
    except ValueError:  # evicted between add and incr: this hit starts the window afresh
        cache.add(counter, 1, timeout=period_seconds + 60)
        count = 1
    return count <= limit


def client_address(request) -> str:
    """The client's address as allauth's own limits see it.

    Behind a reverse proxy REMOTE_ADDR is the proxy, the same for everybody: with
    ALLAUTH_TRUSTED_PROXY_COUNT set, the address comes from X-Forwarded-For (never trusted
    otherwise, it is the client's to forge). An IPv6 client holds a whole prefix (/64) and
    could hop between its addresses, so the prefix is what counts.
    """
    try:
        address = get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # no address at all (not over TCP)
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        prefix = allauth_settings.RATE_LIMIT_IPV6_PREFIX
        return str(ipaddress.IPv6Network(f"{ip}/{prefix}", strict=False).network_address)
    return str(ip)


def person_key(request) -> str:
    """Whom a per-person limit counts: the account when logged in, else the client address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_address(request)}"


def retry_after(period_seconds: int) -> int:
    """Seconds until the current window ends (for a Retry-After header)."""
    now = time.time()
    return max(1, int((_window(period_seconds, now) + 1) * period_seconds - now))
