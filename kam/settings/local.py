"""Local development and the embedded default of `make run`: a fixed dev secret, static files
served from the source folders, and DEBUG off unless asked for (`DEBUG=true`), so the local
default shows KAM's own 403, 404 and 500 pages as every other environment does."""

import os

from kam.settings.base import *  # noqa: F403
from kam.settings.base import env_bool

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "kam-local-development-only-not-secret")
# WhiteNoise serves static files from the source folders (static/ and the apps'), picking up
# edits at once, with or without DEBUG and without collectstatic or its manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
