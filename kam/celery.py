"""The Celery app. Without REDIS_URL, settings make every task run inline (task_always_eager)."""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")

app = Celery("kam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def bind_task_log_context(task_id: str | None = None, **_: object) -> None:
    """Log lines of a task carry its id where a request's carry the request id; the scoring
    tasks narrow it to their run (`run-<id>`)."""
    from kam.middleware import bind_log_context

    bind_log_context(request_id=f"task-{task_id}", user="celery")
