"""Local development and the embedded default of `make run`: DEBUG on, a fixed dev secret."""

import os

from kam.settings.base import *  # noqa: F403
from kam.settings.base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "kam-local-development-only-not-secret")
