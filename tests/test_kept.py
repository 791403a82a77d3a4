"""kam.kept: a process's copies of values that never change under their key."""

from django.core.cache import cache

from kam import kept as kept_module
from kam.kept import kept


def test_a_kept_value_is_computed_once_and_then_read_from_the_process(monkeypatch):
    computed = []

    def compute():
        computed.append(1)
        return {"vectors": len(computed)}

    first = kept("test:kept:a", compute, 60)
    monkeypatch.setattr(cache, "get", _refuse)

    assert kept("test:kept:a", compute, 60) is first
    assert computed == [1]


def _refuse(*args, **kwargs):
    raise AssertionError("the process's copy was not used")


def test_a_cleared_cache_drops_the_process_copy():
    calls = []
    kept("test:kept:b", lambda: calls.append(1) or "one", 60)
    cache.clear()

    assert kept("test:kept:b", lambda: calls.append(2) or "two", 60) == "two"
    assert calls == [1, 2]


def test_another_process_reads_the_shared_cache_not_the_database():
    kept("test:kept:c", lambda: "stored", 60)
    kept_module._kept.clear()  # as in a process that has not read it yet

    assert kept("test:kept:c", lambda: "computed again", 60) == "stored"


def test_a_process_keeps_only_the_last_few(monkeypatch):
    monkeypatch.setattr(kept_module, "KEPT_PER_PROCESS", 2)
    for name in "defg":
        kept(f"test:kept:{name}", lambda name=name: name, 60)

    assert [key for key in kept_module._kept if key.startswith("test:kept:")][-2:] == [
        "test:kept:f",
        "test:kept:g",
    ]
    assert len(kept_module._kept) == 2


def test_a_process_copy_lives_no_longer_than_its_timeout(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(kept_module.time, "monotonic", lambda: now[0])
    kept("test:kept:h", lambda: "first", 300)
    cache.set("test:kept:h", "newer", 300)  # another process stored a newer value

    now[0] += 299
    assert kept("test:kept:h", lambda: "computed", 300) == "first"
    now[0] += 2
    assert kept("test:kept:h", lambda: "computed", 300) == "newer"


def test_none_is_kept_as_a_value():
    calls = []
    kept("test:kept:i", lambda: calls.append(1), 60)
    kept_module._kept.clear()

    assert kept("test:kept:i", lambda: calls.append(2), 60) is None
    assert calls == [1]
