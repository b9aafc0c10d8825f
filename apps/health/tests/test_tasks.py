"""The beat tasks: the 30-minute health check and the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from apps.health.models import Notification, TaskRun
from apps.health.services import health_daily_summary_send
from apps.health.tasks import health_check_task
from apps.health.tests import factories
from bedrot_site.celery import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 9, 0, tzinfo=UTC)


def test_health_check_is_on_beat_every_30_minutes() -> None:
    entry = BEAT_SCHEDULE["health-check"]
    assert entry["task"] == "apps.health.tasks.health_check_task"
    assert entry["schedule"]._orig_minute == "*/30"  # type: ignore[attr-defined]


def test_health_check_task_records_its_run_and_returns_the_status() -> None:
    factories.lake_file(source="spotify", created_at=NOW, period_end=NOW.date())
    with time_machine.travel(NOW, tick=False):
        result = health_check_task.apply()
    assert result.get() == "HEALTHY"
    run = TaskRun.objects.get(task_name="apps.health.tasks.health_check_task")
    assert run.status == "succeeded"


def test_daily_summary_is_sent_once_per_day(settings: Any) -> None:
    factories.task_run(source="tiktok", status="failed", queued_at=NOW - timedelta(hours=2))
    factories.task_run(source="tiktok", status="succeeded", queued_at=NOW - timedelta(hours=1))
    first = health_daily_summary_send(now=NOW)
    again = health_daily_summary_send(now=NOW + timedelta(hours=1))
    assert first is not None
    assert again is None
    assert first.message.splitlines()[0] == "Runs in the last 24 h: 1 succeeded, 1 failed."
    assert Notification.objects.filter(type="daily_summary").count() == 1
