"""What a web process does once it has loaded the application, before its first request.

Python's cyclic garbage collector sweeps every tracked object of the oldest generation now and
then: after Django, the URL configuration (every view module) and the template engines are
loaded, about 200,000 objects, which made one request in twenty or so pause for 150-400 ms
(measured on the dashboard and the account page). Those objects live as long as the process,
so they are moved out of the collector's sight with `gc.freeze()`; the sweeps then look at what
requests create (10-15 ms).
"""

from __future__ import annotations

import gc

from django.template import engines
from django.urls import get_resolver


def freeze_startup_heap() -> int:
    """Load what every request needs (the URL patterns and their views, the template engines),
    collect once, and freeze what is left; the number of objects frozen."""
    get_resolver().url_patterns  # noqa: B018 - imports every view module
    for backend in engines.all():
        engine = getattr(backend, "engine", None)  # Django's template engine and its loaders
        if engine is not None:
            engine.template_loaders  # noqa: B018 - a cached property, loaded here
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
