"""Values that never change under their key, kept in this process as well as in the shared
cache: a finished run's arrays (scoring.portfolio.vectors, the what-if's criterion columns).

At 250,000 accounts a run's arrays are 9 MB: fetching and unpickling them from Redis took
44 ms of every dashboard, workbench and what-if request, for a value that cannot change once
the run has finished (its key names the run and when it finished). Each process keeps the
few it used last and only asks the shared cache whether the key is still there: a cleared or
evicted entry drops the process's copy too, and a copy lives at most the entry's timeout from
when the process read it, so a value cached for a few minutes (the filters' choices) is at
most twice that old in a process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

# How many values a process keeps (a run's vectors and a few criterion columns: about 20 MB at
# 250,000 accounts).
KEPT_PER_PROCESS = 8
_kept: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()
_MISSING = object()


def kept[T](key: str, compute: Callable[[], T], timeout: int) -> T:
    """The value under `key`: this process's copy while the shared cache still holds the key,
    else the shared cache's, else `compute()` (stored in both, for `timeout` seconds). Only
    for values that do not change under their key while it lives. None is a value too.

    The copy is the same object for every request (and thread) of the process, where the
    shared cache gave each one its own: callers read it and never change it in place."""
    with _lock:
        deadline, found = _kept.get(key, (0.0, _MISSING))
    if found is not _MISSING and time.monotonic() < deadline and cache.has_key(key):
        with _lock:
            if key in _kept:
                _kept.move_to_end(key)
        return found
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, timeout)
    with _lock:
        # a copy lives at most `timeout` from when this process read it
        _kept[key] = (time.monotonic() + timeout, value)
        while len(_kept) > KEPT_PER_PROCESS:
            _kept.popitem(last=False)
    return value
