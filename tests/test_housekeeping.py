"""The daily housekeeping task: expired sessions go, live ones stay, old uploads are dropped, and
every task Celery beat names exists."""

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from celery.schedules import crontab
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.models import ImportJob, ImportStatus
from kam.tasks import housekeeping

ROOT = Path(__file__).resolve().parent.parent


def make_session(key: str, expires_in: dt.timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="", expire_date=timezone.now() + expires_in
    )


def test_housekeeping_deletes_expired_sessions_and_keeps_live_ones(client, director, caplog):
    client.force_login(director)  # a live session, 12 hours to go
    make_session("expired-an-hour-ago", -dt.timedelta(hours=1))
    make_session("expired-a-week-ago", -dt.timedelta(days=7))
    make_session("live-for-a-minute", dt.timedelta(minutes=1))

    with caplog.at_level(logging.INFO, logger="kam.tasks"):
        result = housekeeping.apply().get()

    assert result == {"sessions": 2, "import_uploads": 0}
    assert set(Session.objects.values_list("session_key", flat=True)) == {
        client.session.session_key,
        "live-for-a-minute",
    }
    assert client.get(reverse("imports:index")).status_code == 200  # still logged in
    assert "2 expired sessions deleted, 0 old import uploads cleared" in caplog.text


def test_housekeeping_expires_old_uploads(db):
    job = ImportJob.objects.create(kind="customers", file_name="c.csv", content=b"erp_code\nC1\n")
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(days=8))
    make_session("expired", -dt.timedelta(seconds=1))

    assert housekeeping.apply().get() == {"sessions": 1, "import_uploads": 1}
    job.refresh_from_db()
    assert (job.status, bytes(job.content)) == (ImportStatus.EXPIRED, b"")

    # A second run finds nothing left to do.
    assert housekeeping.apply().get() == {"sessions": 0, "import_uploads": 0}


def test_housekeeping_runs_daily_at_a_quarter_past_four():
    entry = settings.CELERY_BEAT_SCHEDULE["housekeeping"]

    assert entry["task"] == "kam.tasks.housekeeping"
    assert entry["schedule"] == crontab(hour=4, minute=15)


def test_every_task_in_the_beat_schedule_is_registered_with_a_worker():
    # A fresh interpreter, as a worker starts: this test run has imported kam.tasks itself, so
    # only a new process shows whether Celery finds it (CELERY_IMPORTS, apps' tasks modules).
    code = (
        "import json, django; from kam.celery import app; django.setup(); "
        "app.loader.import_default_modules(); print(json.dumps(sorted(app.tasks)))"
    )
    env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": "sqlite:///:memory:"}
    env["DJANGO_SETTINGS_MODULE"] = "kam.settings"
    worker = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr
    registered = set(json.loads(worker.stdout.splitlines()[-1]))

    assert "kam.tasks.housekeeping" in registered
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in registered, name
