"""Settings entry point: DJANGO_ENV picks local (default), test or production."""

import os

_env = os.environ.get("DJANGO_ENV", "local")

if _env == "production":
    from kam.settings.production import *  # noqa: F403
elif _env == "test":
    from kam.settings.test import *  # noqa: F403
elif _env == "local":
    from kam.settings.local import *  # noqa: F403
else:
    raise RuntimeError(f"DJANGO_ENV must be local, test or production, not {_env!r}")
