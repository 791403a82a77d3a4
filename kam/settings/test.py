"""Test settings: fast password hashing, mail kept in memory, tasks inline unless REDIS_URL."""

import os
from urllib.parse import urlsplit, urlunsplit

from kam.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "kam-test-only-not-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests run tasks inline even when REDIS_URL is set; the multi-worker tests start real workers.
CELERY_TASK_ALWAYS_EAGER = True
# Serve static files from the source folders: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# django-axes needs the request on authenticate(); tests log in with force_login, and the
# lockout tests switch it on themselves.
AXES_ENABLED = False
# A second alias for the read-replica tests: a mirror of the test database, unused unless a
# test switches KAM_READ_REPLICA on (tests/test_replica.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
KAM_READ_REPLICA = False
# Each pytest-xdist worker has its own test database and, on a shared Redis, its own cache
# database: two workers' runs share ids (each database starts at 1), so their per-run caches and
# the shared links' miss counters must not meet, and a test's cache.clear() (FLUSHDB, whatever
# the key prefix) must empty its own worker's cache only, never another worker's keys or the
# Celery broker's queues on REDIS_URL's database.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw-1").removeprefix("gw")
    _cache_db = int(_worker) % 14 + 2 if _worker.isdigit() else 1
    _url = urlsplit(CACHES["default"]["LOCATION"])  # noqa: F405
    CACHES["default"]["LOCATION"] = urlunsplit(_url._replace(path=f"/{_cache_db}"))  # noqa: F405
