"""The fixed-window rate limit: counts per key and window, and holds across threads on Redis."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.cache import caches

from lohmar_portal.ratelimit import hit, retry_after

START = 1_800_000_000  # a multiple of 3600: the start of an hour window


def test_hits_up_to_the_limit_pass_and_the_next_is_refused():
    with time_machine.travel(START, tick=False):
        assert [hit("form:1.2.3.4", 3, 3600) for _ in range(5)] == [True, True, True, False, False]


def test_keys_are_counted_apart():
    with time_machine.travel(START, tick=False):
        assert hit("a", 1, 60)
        assert hit("b", 1, 60)
        assert not hit("a", 1, 60)


def test_the_next_window_starts_afresh():
    with time_machine.travel(START, tick=False) as traveller:
        assert hit("k", 1, 3600)
        assert not hit("k", 1, 3600)
        traveller.shift(3599)
        assert not hit("k", 1, 3600)
        traveller.shift(1)
        assert hit("k", 1, 3600)


def test_a_limit_of_zero_refuses_everything():
    assert not hit("closed", 0, 60)


def test_the_period_must_be_positive():
    with pytest.raises(ValueError):
        hit("k", 1, 0)


def test_retry_after_counts_down_to_the_end_of_the_window():
    with time_machine.travel(START + 600, tick=False):
        assert retry_after(3600) == 3000
    with time_machine.travel(START + 3599.5, tick=False):
        assert retry_after(3600) == 1


def test_an_evicted_counter_starts_again_at_one(monkeypatch):
    """Between add and incr the counter may vanish (eviction): the hit still counts."""
    backend = caches["default"]
    real_add = backend.add
    calls = []

    def add_then_evict(key, value, timeout=None):
        calls.append(value)
        added = real_add(key, value, timeout=timeout)
        if len(calls) == 1:
            backend.delete(key)
        return added

    monkeypatch.setattr(backend, "add", add_then_evict)
    with time_machine.travel(START, tick=False):
        assert hit("k", 1, 60)
        monkeypatch.setattr(backend, "add", real_add)
        assert not hit("k", 1, 60)


@pytest.mark.redis
def test_concurrent_hits_on_redis_never_exceed_the_limit():
    with time_machine.travel(START, tick=False), ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: hit("burst", 25, 3600), range(100)))
    assert results.count(True) == 25
