"""Health checks of the services the portal depends on."""

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection


def _timed(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def service_states() -> dict[str, dict]:
    """The state of the database and, when one is configured, the Celery broker."""
    states = {"database": _timed(_database)}
    if settings.REDIS_URL:
        states["broker"] = _timed(_broker)
    return states
