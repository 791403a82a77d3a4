"""Tests that take their user from `request.getfixturevalue(role)` also ask for `db`:
pytest-django orders tests by the fixtures it can see, and without `db` they would run after
the browser tests, whose teardown empties the role groups."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """The dashboard caches a run's results; each test starts without them (run ids repeat
    between tests on SQLite)."""
    cache.clear()
    yield
    cache.clear()
