"""A task sent while the broker is down (R25): a failed run to retry, not an error for the caller;
a retry from inside a running task still fails that task."""

from __future__ import annotations

from typing import Any

import pytest
from celery import Task
from kombu.exceptions import OperationalError

from apps.health.models import RunStatus, TaskRun
from apps.health.tasks import health_check_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def broker_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Task, *args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)


def test_a_send_with_the_broker_down_is_a_failed_run_to_retry() -> None:
    result = health_check_task.apply_async(kwargs={"source": "tiktok"}, task_id="unsent-1")

    assert result.id == "unsent-1"
    run = TaskRun.objects.get()
    assert (run.celery_task_id, run.task_name, run.source, run.arguments) == (
        "unsent-1",
        "apps.health.tasks.health_check_task",
        "tiktok",
        {"source": "tiktok"},
    )
    assert (run.status, run.error_code) == (RunStatus.FAILED, "broker_unreachable")


def test_a_retry_with_the_broker_down_still_raises() -> None:
    with pytest.raises(OperationalError):
        health_check_task.apply_async(kwargs={}, task_id="retrying-1", retries=1)
    assert TaskRun.objects.count() == 0
