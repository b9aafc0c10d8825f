"""The beat tasks: the 30-minute health check and the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from apps.health.dispatch import FILE_PROCESS_TASK, task_dispatch
from apps.health.errors import PermanentError, RunSkipped
from apps.health.models import Notification, TaskRun
from apps.health.services import health_daily_summary_send
from apps.health.tasks import bedrot_task, health_check_task, run_subject
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


def test_dispatched_file_step_names_the_files_source_and_account() -> None:
    # given a file of one TikTok persona waiting in raw
    lake_file = factories.lake_file(
        source="tiktok", account="pig1987", created_at=NOW, status="received", zone="raw"
    )

    # when health re-enqueues its next step (remediation, ops console)
    run, _ = task_dispatch(
        task_name=FILE_PROCESS_TASK, kwargs={"file_id": lake_file.pk}, trigger="remediation"
    )

    # then the queued run is filed under that source and account, not under no source
    assert (run.source, run.account, run.arguments) == (
        "tiktok",
        "pig1987",
        {"file_id": lake_file.pk},
    )


def test_run_subject_of_an_unknown_file_is_empty() -> None:
    assert run_subject({"file_id": 999_999}) == ("", "")
    assert run_subject({"source_id": "distrokid"}) == ("distrokid", "")


@bedrot_task(name="apps.health.tests.skipping_task")
def skipping_task(*, source: str, account: str = "") -> None:
    raise RunSkipped("paused")


@bedrot_task(name="apps.health.tests.failing_task")
def failing_task(*, source: str) -> None:
    raise PermanentError("vendor said 404")


def test_a_skipped_task_is_recorded_as_skipped_with_its_reason() -> None:
    result = skipping_task.apply(kwargs={"source": "linktree", "account": "a"})
    assert result.successful()
    run = TaskRun.objects.get(task_name="apps.health.tests.skipping_task")
    assert (run.source, run.account, run.status, run.error_code) == (
        "linktree",
        "a",
        "skipped",
        "paused",
    )
    assert run.finished_at is not None


def test_a_failed_eager_task_is_recorded_as_failed() -> None:
    with pytest.raises(PermanentError):
        failing_task.apply(kwargs={"source": "youtube"})
    run = TaskRun.objects.get(task_name="apps.health.tests.failing_task")
    assert (run.source, run.status, run.error_code, run.error_message) == (
        "youtube",
        "failed",
        "permanent",
        "vendor said 404",
    )
