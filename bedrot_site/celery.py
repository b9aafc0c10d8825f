"""The Celery app and the beat schedule (synced into django-celery-beat by `sync_schedules`)."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bedrot_site.settings")

app = Celery("bedrot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

MINUTE_S = 60

# Each entry expires near its period, so runs missed while the worker was down never pile up.
BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Files dropped straight into the landing folder are picked up within ten minutes.
    "lake-sweep-landing": {
        "task": "apps.warehouse.tasks.landing_sweep_task",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * MINUTE_S},
    },
}
