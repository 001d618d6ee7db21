"""The settings module as production and a newcomer meet it (each case in its own process)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean["DJANGO_SETTINGS_MODULE"] = "lohmar_portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key_and_allowed_hosts():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS are not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", DEBUG="0", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_check_deploy_is_clean_in_production():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-key-" + "k" * 40,
        ALLOWED_HOSTS="portal.lohmar.de",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_redis_url_moves_broker_results_and_cache_to_redis():
    code = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CACHES['default']['BACKEND'])"
    )
    result = run_manage("shell", "-v", "0", "-c", code, REDIS_URL="redis://127.0.0.1:6379/5")
    assert result.stdout.split() == [
        "redis://127.0.0.1:6379/5",
        "redis://127.0.0.1:6379/5",
        "False",
        "lohmar_portal.cache_backend.TolerantRedisCache",
    ]


def test_without_redis_tasks_run_in_process_and_cache_is_local():
    code = (
        "from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'], "
        "s.DATABASES['default']['ENGINE'])"
    )
    result = run_manage("shell", "-v", "0", "-c", code)
    assert result.stdout.split() == [
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.db.backends.sqlite3",
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_connections_are_persistent_and_psycopg3():
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] >= 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert connection.vendor == "postgresql"
    import psycopg

    with connection.cursor() as cursor:
        assert isinstance(cursor.connection, psycopg.Connection)
