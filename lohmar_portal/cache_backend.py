"""Django's Redis cache, made to degrade instead of failing the request when Redis is away.

The cache holds nothing that is not also elsewhere (pages, shared reads, sessions written
through to the database), so an unreachable Redis is treated as an empty cache: reads miss,
writes do nothing, `incr` reports the key as missing (callers handle that already). Short
socket timeouts keep a request from hanging on a Redis that does not answer, and after a
failure the process leaves Redis alone for `RETRY_INTERVAL` seconds, so requests meanwhile
cost no timeout at all.

What an outage must not leave behind is a stale copy: a write the cache missed (a session
saved or ended meanwhile, a page of an older content version) would be read back once Redis
answers again if Redis only lost its connection, not its data. So the keys of missed writes
are deleted as soon as Redis answers, and `ON_RECOVERY` (a dotted path; the portal bumps its
content version) runs before anything is read from it again.

    "BACKEND": "lohmar_portal.cache_backend.TolerantRedisCache",
    "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "RETRY_INTERVAL": 1,
                "ON_RECOVERY": "lohmar_portal.cache.bump_content_version"},
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.module_loading import import_string
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Errors that mean "Redis is not there" (refused, reset, timed out, loading, read-only).
UNAVAILABLE = (RedisError, OSError)
# Keys of missed writes kept per process for the clean-up; an outage long enough to miss more
# has outlived the copies in Redis anyway (pages live a minute).
MAX_MISSED_KEYS = 10_000


class Outage:
    """What one process knows about one Redis location, shared by all its threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None  # monotonic time of the first failure
        self.retry_at = 0.0  # Redis is not tried before this
        self.missed_keys: set[str] = set()
        self.overflowed = False

    def remember(self, keys) -> None:
        """Keys written while Redis was away: to be deleted when it is back."""
        if not keys:
            return
        with self.lock:
            if len(self.missed_keys) + len(keys) > MAX_MISSED_KEYS:
                self.overflowed = True
            else:
                self.missed_keys.update(keys)

    def failed(self, operation: str, error: Exception, keys, retry_interval: float) -> None:
        with self.lock:
            first = self.since is None
            now = time.monotonic()
            if first:
                self.since = now
            self.retry_at = now + retry_interval
        self.remember(keys)
        if first:
            log.warning(
                "Cache unavailable (%s: %s: %s); pages and sessions are served without it.",
                operation,
                type(error).__name__,
                error,
            )


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_of(servers) -> Outage:
    location = ",".join(servers)
    with _outages_lock:
        return _outages.setdefault(location, Outage())


class TolerantRedisCacheClient(RedisCacheClient):
    """Django's client; each call returns what a miss returns when Redis does not answer."""

    def __init__(self, servers, *, retry_interval: float = 1.0, on_recovery=None, **options):
        super().__init__(servers, **options)
        self.retry_interval = retry_interval
        self.on_recovery = (
            import_string(on_recovery) if isinstance(on_recovery, str) else on_recovery
        )
        self.outage = outage_of(servers)

    def _recover(self) -> bool:
        """First call after the pause: clear what was missed, then run the hook. False (and
        another pause) if Redis fails still."""
        outage = self.outage
        with outage.lock:
            keys, overflowed = list(outage.missed_keys), outage.overflowed
        try:
            client = self.get_client(None, write=True)
            if keys:
                client.delete(*keys)
            else:
                client.ping()
        except UNAVAILABLE as error:
            outage.failed("reconnect", error, (), self.retry_interval)
            return False
        with outage.lock:
            if outage.since is None:  # another thread was first
                return True
            down_for = time.monotonic() - outage.since
            outage.since = None
            outage.missed_keys.difference_update(keys)
            outage.overflowed = False
        log.warning(
            "Cache available again after %.1f s; %d keys written meanwhile were cleared%s.",
            down_for,
            len(keys),
            ", more were missed than remembered" if overflowed else "",
        )
        if self.on_recovery is not None:
            self.on_recovery()  # through the cache: should it fail, a new outage starts
        return True

    def _call(self, operation: str, default, keys, function, *args):
        outage = self.outage
        if outage.since is not None and (time.monotonic() < outage.retry_at or not self._recover()):
            outage.remember(keys)
            return default
        try:
            return function(*args)
        except UNAVAILABLE as error:
            outage.failed(operation, error, keys, self.retry_interval)
            return default

    # Reads miss; writes that could leave an older value behind (set, delete) record their keys
    # for the clean-up. A missed `add` or `touch` cannot: `add` writes only where nothing is.

    def get(self, key, default):
        return self._call("get", default, (), super().get, key, default)

    def get_many(self, keys):
        return self._call("get_many", {}, (), super().get_many, keys)

    def has_key(self, key):
        return self._call("has_key", False, (), super().has_key, key)

    def add(self, key, value, timeout):
        return self._call("add", False, (), super().add, key, value, timeout)

    def set(self, key, value, timeout):
        return self._call("set", None, (key,), super().set, key, value, timeout)

    def set_many(self, data, timeout):
        return self._call("set_many", None, list(data), super().set_many, data, timeout)

    def touch(self, key, timeout):
        return self._call("touch", False, (), super().touch, key, timeout)

    def delete(self, key):
        return self._call("delete", False, (key,), super().delete, key)

    def delete_many(self, keys):
        return self._call("delete_many", None, list(keys), super().delete_many, keys)

    def incr(self, key, delta):
        missing = object()
        value = self._call("incr", missing, (), super().incr, key, delta)
        if value is missing:
            # What a missing key gives: a rate-limit counter starts a fresh window.
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return value

    def clear(self):
        return self._call("clear", False, (), super().clear)


class TolerantRedisCache(RedisCache):
    """RedisCache with TolerantRedisCacheClient; OPTIONS as for RedisCache plus RETRY_INTERVAL
    (seconds Redis is left alone after a failure) and ON_RECOVERY (dotted path of a callable)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        client_options = {
            "retry_interval": float(options.pop("RETRY_INTERVAL", 1.0)),
            "on_recovery": options.pop("ON_RECOVERY", None),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = TolerantRedisCacheClient
        self._options = {**options, **client_options}

    @property
    def unavailable(self) -> bool:
        """True while this process serves without Redis (until a call finds it back)."""
        return self._cache.outage.since is not None
