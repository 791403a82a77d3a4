import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """The portfolio's white space caches its cells; each test starts without them (run ids
    repeat between tests on SQLite)."""
    cache.clear()
    yield
    cache.clear()
