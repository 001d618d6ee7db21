"""Redis away: the cache degrades to an empty one instead of failing the request (issue 8, 4b).

The backend (lohmar_portal/cache_backend.py) is tried against a port nothing listens on, a
server that accepts but never answers, and a stand-in client that fails and recovers on demand.
"""

import time

import pytest
import redis
from django.test import override_settings

from lohmar_portal import cache_backend
from lohmar_portal.cache_backend import TolerantRedisCache
from participation.models import Rating
from tests.factories import UserFactory
from tests.ideas.conftest import make_process, make_proposal
from tests.network import free_port


@pytest.fixture(autouse=True)
def _fresh_outages():
    """The outage state is per process and location; each test starts without one."""
    cache_backend._outages.clear()
    yield
    cache_backend._outages.clear()


def tolerant(location: str, **options) -> TolerantRedisCache:
    return TolerantRedisCache(
        location,
        {
            "KEY_PREFIX": "t",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2, **options},
        },
    )


def test_a_dead_redis_is_an_empty_cache_without_errors():
    cache = tolerant(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    assert cache.get("page", "miss") == "miss"
    assert cache.set("page", "content") is None
    assert cache.add("page", "content") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("page") is False
    assert cache.delete("page") is False
    cache.set_many({"a": 1, "b": 2})
    cache.delete_many(["a", "b"])
    assert cache.get_or_set("computed", lambda: 42) == 42
    with pytest.raises(ValueError):  # what a missing key gives; callers handle it
        cache.incr("rate-limit-counter")
    assert cache.unavailable
    assert time.monotonic() - started < 1


def test_a_redis_that_does_not_answer_costs_one_timeout_then_nothing(silent_server):
    cache = tolerant(f"redis://127.0.0.1:{silent_server}/0", RETRY_INTERVAL=30)
    started = time.monotonic()
    assert cache.get("page") is None
    first = time.monotonic() - started
    assert 0.15 < first < 1.5  # the socket timeout, not the default of seconds or forever
    started = time.monotonic()
    for n in range(50):  # requests meanwhile leave Redis alone
        assert cache.get(f"page-{n}") is None
        cache.set(f"page-{n}", "x")
    assert time.monotonic() - started < 0.1


class FlakyRedis:
    """Stands in for redis.Redis: a dict, or ConnectionError while `down`."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise redis.exceptions.ConnectionError("Error 111 connecting. Connection refused.")

    def get(self, key):
        self._check()
        return self.data.get(key)

    def set(self, key, value, ex=None, nx=False):
        self._check()
        if nx and key in self.data:
            return None
        self.data[key] = value
        return True

    def delete(self, *keys):
        self._check()
        return sum(self.data.pop(key, None) is not None for key in keys)

    def exists(self, key):
        self._check()
        return int(key in self.data)

    def incr(self, key, delta):
        self._check()
        self.data[key] = str(int(self.data[key]) + delta).encode()
        return int(self.data[key])

    def ping(self):
        self._check()
        return True


def test_writes_missed_during_an_outage_are_not_read_back_stale():
    recoveries = []
    cache = tolerant(
        "redis://127.0.0.1:6399/7", RETRY_INTERVAL=0, ON_RECOVERY=lambda: recoveries.append(1)
    )
    flaky = FlakyRedis()
    cache._cache.get_client = lambda key=None, *, write=False: flaky
    cache.set("session-1", {"user": 7})
    cache.set("page", "old")

    flaky.down = True
    cache.delete("session-1")  # a logout while Redis is away: the database forgets it...
    cache.set("page", "new")  # ...and a page rendered meanwhile
    assert cache.get("session-1") is None
    assert recoveries == []

    flaky.down = False
    # ...so the old copies must not come back with Redis: they are deleted first.
    assert cache.get("session-1") is None
    assert cache.get("page") is None
    assert recoveries == [1]  # the portal bumps its content version here
    assert not cache.unavailable
    cache.set("page", "fresh")
    assert cache.get("page") == "fresh"
    assert recoveries == [1]


def test_the_content_version_is_bumped_when_redis_is_back():
    from lohmar_portal.cache import VERSION_KEY, bump_content_version

    flaky = FlakyRedis()
    location = f"redis://127.0.0.1:{free_port()}/3"
    cache_settings = {
        "default": {
            "BACKEND": "lohmar_portal.cache_backend.TolerantRedisCache",
            "LOCATION": location,
            "OPTIONS": {
                "RETRY_INTERVAL": 0,
                "ON_RECOVERY": "lohmar_portal.cache.bump_content_version",
            },
        }
    }
    with override_settings(CACHES=cache_settings):
        from django.core.cache import cache

        cache._cache.get_client = lambda key=None, *, write=False: flaky
        cache.set(VERSION_KEY, "vorher", timeout=None)
        flaky.down = True
        bump_content_version()  # a write while Redis is away: the bump is lost
        flaky.down = False
        # ...and made up for when Redis answers again.
        assert cache.get(VERSION_KEY) not in ("vorher", None)


@pytest.mark.django_db
def test_pages_sessions_and_ratings_work_with_redis_away(client):
    cache_settings = {
        "default": {
            "BACKEND": "lohmar_portal.cache_backend.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    proposal = make_proposal(process=make_process())
    citizen = UserFactory()
    with override_settings(CACHES=cache_settings):
        assert client.get("/").status_code == 200
        assert client.get(proposal.get_absolute_url()).status_code == 200
        client.force_login(citizen)  # the session goes to the database (cached_db)
        account = client.get("/konto/")
        assert account.status_code == 200
        assert citizen.email in account.content.decode()
        response = client.post(f"{proposal.get_absolute_url()}bewerten/", {"value": "4"})
        assert response.status_code == 302
    assert Rating.objects.get(user=citizen).value == 4


@pytest.mark.redis
def test_with_redis_there_it_is_an_ordinary_cache(settings):
    cache = tolerant(settings.CACHES["default"]["LOCATION"])
    cache.set("resilience-check", {"a": 1}, 30)
    assert cache.get("resilience-check") == {"a": 1}
    assert cache.add("resilience-check", 2) is False
    cache.delete("resilience-check")
    assert not cache.unavailable
