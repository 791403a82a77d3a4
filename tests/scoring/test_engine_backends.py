"""SQLite and PostgreSQL give the same scores, figures and snapshots, to the cent.

The generated scenario (tests/scoring/scenario.py) runs here, on the test database, and in a
subprocess on a fresh SQLite file; the two dumps must be equal. Where the test database is
itself SQLite the comparison would prove nothing, so the test needs PostgreSQL (CI runs it).
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.scoring import scenario


@pytest.mark.django_db
def test_sqlite_and_postgresql_give_the_same_results(tmp_path):
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the backend comparison on PostgreSQL (DATABASE_URL).")
        pytest.skip("compares against the PostgreSQL test database: set DATABASE_URL")
    on_postgresql = scenario.build_and_run()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'scenario.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.scoring.scenario"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    on_sqlite = json.loads(done.stdout.strip().splitlines()[-1])

    assert len(on_postgresql["scores"]) == 60
    assert len(on_postgresql["lines"]) == 60 * 13
    # both sides of the category-spend rule are in the comparison
    flags = [score["spend_below_revenue"] for score in on_postgresql["scores"].values()]
    assert 0 < flags.count("True") < len(flags)
    for part in ("scores", "lines", "snapshots"):
        assert on_sqlite[part].keys() == on_postgresql[part].keys(), part
        differences = {
            key: (on_sqlite[part][key], value)
            for key, value in on_postgresql[part].items()
            if on_sqlite[part][key] != value
        }
        assert differences == {}, part
