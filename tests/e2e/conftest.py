"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against `live_server`.

Reuse: request `page` for a fresh browser context per test (console errors fail the test, a
screenshot of the final state lands in test-artifacts/e2e/), `new_page()` for a second person in
the same test, `login(page, user)` to sign in through the real login form, and `screenshot(page,
name)` for extra steps. Mark browser tests `@pytest.mark.e2e`; create data in the test with the
factories: the database is transactional (the live server sees it), and `reference_data` puts the
migrations' role groups and criteria back after an earlier test's flush.

Without Chromium the tests are skipped with the reason, except under CI (`CI` set), where a
missing browser fails loudly: CI installs it, so a silent skip there would hide a broken job.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory's password
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the browser tests)", pytrace=False)
        pytest.skip(reason)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        # Playwright's event loop now runs in this thread, so asgiref hands Django new,
        # context-local connection objects: give them the serialized test data too, or the
        # serialized rollback of every later test would silently restore nothing (and the
        # role groups and criteria from the migrations would be gone after the first flush).
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


def screenshot(page: object, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot (the full page, unless told otherwise) to
    test-artifacts/e2e/<name>.png and return its path. A screenshot is evidence, not a check:
    it gets a minute, as a very long page on a busy machine can take long to paint."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=full_page, timeout=60_000)
    return path


@pytest.fixture
def new_page(
    browser: object, live_server: object, reference_data: None, request
) -> Iterator[Callable[[], object]]:
    """A factory of pages, each in its own browser context (its own cookies: one person).

    At teardown each page's final state is saved as a screenshot and any console error or
    uncaught page error fails the test."""
    contexts: list[tuple[object, object, list[str]]] = []

    def make() -> object:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        # Chromium fetches /favicon.ico on its own and logs the 404 as a console error; KAM has
        # no favicon (base.html links none), so answer that one request with "no content".
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        page = context.new_page()
        errors: list[str] = []

        def on_console(message: object) -> None:
            if message.type == "error":
                errors.append(f"console: {message.text} ({message.location.get('url', '')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        contexts.append((context, page, errors))
        return page

    yield make
    problems = []
    for index, (context, page, errors) in enumerate(contexts, start=1):
        screenshot(page, f"{request.node.name}-{index}-final")
        context.close()
        problems.extend(errors)
    assert problems == [], "The browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page: Callable[[], object]) -> object:
    return new_page()


def login(page: object, user: object, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would, and wait for the next page."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
