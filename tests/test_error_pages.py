"""KAM's own 400, 403 (an expired form too), 404 and 500 pages, with the navigation, in every
environment (the local default included), and a refused request logged on one line, not with a
traceback."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path, reverse

import kam.urls

ROOT = Path(__file__).resolve().parent.parent


def boom(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [*kam.urls.urlpatterns, path("boom/", boom)]


def test_a_missing_page_is_the_404_page_with_the_navigation(client, director):
    client.force_login(director)

    response = client.get("/scoring/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found · KAM</title>" in html
    assert "There is no page at this address" in html
    assert 'aria-label="Main navigation"' in html
    assert f'href="{reverse("portfolio:dashboard")}">Portfolio</a>' in html
    assert 'data-testid="current-user"' in html


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_the_404_page_too():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert "<title>Page not found · KAM</title>" in response.content.decode()


def test_a_refused_page_is_the_403_page_with_the_reason_and_the_navigation(client, kam, caplog):
    client.force_login(kam)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("portfolio:dashboard"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>Not allowed · KAM</title>" in html
    assert '<p data-testid="error-reason">You may not open this page.</p>' in html
    assert f'href="{reverse("accounts:list")}">Accounts</a>' in html
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None
    assert record.getMessage() == (
        "Forbidden (Permission denied): /portfolio/ (You may not open this page.)"
    )
    formatted = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert formatted.count("\n") == 0
    assert "Traceback" not in caplog.text


@pytest.mark.urls("tests.test_error_pages")
def test_a_bug_is_the_500_page_and_logged_with_its_traceback(director, caplog):
    browser = Client(raise_request_exception=False)
    browser.force_login(director)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser.get("/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>Something went wrong · KAM</title>" in html
    assert 'aria-label="Main navigation"' in html
    assert "a bug in a view" not in html
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None  # a bug keeps its traceback
    assert "RuntimeError: a bug in a view" in caplog.text


def local_default(script: str) -> subprocess.CompletedProcess:
    """`script` under the local settings exactly as `make run` has them: nothing set but the
    database (an in-memory one: the pages below need no table)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "KAM_", "DEBUG", "WHITENOISE_"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "kam.settings", "DATABASE_URL": "sqlite://:memory:"})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_local_default_shows_the_branded_404_and_still_serves_static_files():
    result = local_default(
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "settings.ALLOWED_HOSTS.append('testserver')\n"
        "browser = Client()\n"
        "page = browser.get('/scoring/')\n"
        "print(settings.DEBUG, page.status_code, '<title>Page not found · KAM</title>' in "
        "page.content.decode())\n"
        "css = browser.get('/static/css/kam.css')\n"
        "print(css.status_code, css.headers['Content-Type'])\n"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False 404 True", '200 text/css; charset="utf-8"']


@pytest.mark.django_db
def test_an_expired_form_is_the_branded_csrf_page_and_saves_nothing(director):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(director)

    response = browser.post(reverse("profile:index"), {"name": "BI export"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>Form expired · KAM</title>" in html
    assert "Nothing was saved." in html
    assert 'aria-label="Main navigation"' in html
    assert not director.api_tokens.exists()


@pytest.mark.django_db
def test_a_malformed_request_is_the_branded_400_page():
    response = Client().get("/login/", HTTP_HOST="bad host name")

    assert response.status_code == 400
    assert "<title>Bad request · KAM</title>" in response.content.decode()
