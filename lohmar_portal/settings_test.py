"""Test settings: the production module, made quick and isolated for pytest (and xdist)."""

import os

os.environ.setdefault("DEBUG", "1")

from .settings import *  # noqa: F403
from .settings import CACHES, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process by default; the real-worker test switches this off for its own calls.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}

if REDIS_URL:
    # One Redis database per xdist worker, so parallel test processes never share a cache.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
    base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
    CACHES = {
        "default": {**CACHES["default"], "LOCATION": f"{base}/{2 + int(worker) % 14}"},
    }
