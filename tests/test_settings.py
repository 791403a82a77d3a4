"""Production settings, read in a fresh interpreter as `DJANGO_ENV=production` would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SETTINGS_MODULE": "kam.settings",
    "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret",
    "DATABASE_URL": "postgres://kam:secret@db.internal:5432/kam",
    "ALLOWED_HOSTS": "kam.example.com,.example.com",
    "EMAIL_HOST": "smtp.example.com",
}


def production(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Nothing of this test run's own environment (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE,
    # which check --deploy rightly refuses): only what a server would have.
    base = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "KAM_", "EMAIL_")) and name not in {"CI", "REDIS_URL"}
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def base_url(**env: str) -> str:
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.KAM_BASE_URL)"
    result = production("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "https://kam.example.com"),
        ({"KAM_HTTPS": "false"}, "http://kam.example.com"),
        ({"KAM_BASE_URL": "https://kam.example.com/portal/"}, "https://kam.example.com/portal"),
    ],
)
def test_links_in_e_mails_point_at_the_address_kam_is_served_on(env, expected):
    assert base_url(**env) == expected


def test_production_settings_pass_the_deployment_checks():
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = production("manage.py", "check", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile_page_queries():
    from django.db import connection

    if connection.vendor != "postgresql":
        assert "options" not in connection.settings_dict.get("OPTIONS", {})
        return
    # a new connection with the settings' parameters, as a web process opens it
    fresh = connection.get_new_connection(connection.get_connection_params())
    try:
        assert fresh.execute("SHOW jit").fetchone()[0] == "off"
    finally:
        fresh.close()
