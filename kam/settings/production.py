"""Production: every secret and service comes from the environment; no defaults for them."""

import os

from django.core.exceptions import ImproperlyConfigured

from kam.settings.base import *  # noqa: F403
from kam.settings.base import env_bool, env_list


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


SECRET_KEY = _required("SECRET_KEY")
LOGGING["handlers"]["console"]["formatter"] = os.environ.get("LOG_FORMAT", "json")  # noqa: F405
_required("DATABASE_URL")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [_required("ALLOWED_HOSTS")]

# KAM_HTTPS (default true): KAM is served over https behind a TLS-terminating proxy that sets
# X-Forwarded-Proto. Only a private, plain-http trial (docker-compose on localhost) turns it off.
KAM_HTTPS = env_bool("KAM_HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Links in e-mails: KAM_BASE_URL, else the first allowed host under the scheme KAM is served on.
KAM_BASE_URL = os.environ.get(
    "KAM_BASE_URL", f"{'https' if KAM_HTTPS else 'http'}://{ALLOWED_HOSTS[0].lstrip('.')}"
).rstrip("/")
SECURE_SSL_REDIRECT = KAM_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = KAM_HTTPS
CSRF_COOKIE_SECURE = KAM_HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
