"""A web process freezes what it loaded at startup, so the garbage collector's sweeps of the
oldest generation leave it alone (kam.runtime)."""

import gc
import subprocess
import sys
from pathlib import Path

from kam.runtime import freeze_startup_heap

ROOT = Path(__file__).resolve().parent.parent


def test_the_startup_heap_is_frozen_with_the_views_loaded():
    try:
        frozen = freeze_startup_heap()
        # (the count itself moves as frozen objects are freed: only that there are some)
        assert frozen > 10_000 and gc.get_freeze_count() > 0
        # the URL configuration was loaded first: every view module is imported
        assert "plans.views" in sys.modules and "scoring.portfolio.views" in sys.modules
    finally:
        gc.unfreeze()


def test_the_wsgi_application_freezes_its_startup_heap():
    code = "import gc, kam.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert int(result.stdout.split()[-1]) > 10_000
