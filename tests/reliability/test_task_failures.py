"""R23: a message whose worker keeps dying is dropped after 3 deliveries as
`worker_lost_repeatedly`. R24: a task stopped by its soft time limit records the reason."""

from __future__ import annotations

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from apps.health import services as health_services
from apps.health.models import RunStatus, TaskRun
from apps.health.tasks import MAX_DELIVERIES, health_check_task

pytestmark = pytest.mark.django_db
TASK_ID = "poison-0001"


class WorkerLost(BaseException):
    """Escapes every `except Exception`, as a SIGKILL of the worker child would."""


def _deliver(task_id: str) -> None:
    """One redelivery as a worker runs it: before_start, then the call, not eager."""
    health_check_task.push_request(id=task_id, is_eager=False)
    try:
        health_check_task.before_start(task_id, (), {})
        health_check_task()
    finally:
        health_check_task.pop_request()


def test_a_poison_message_stops_after_three_deliveries(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a task body that takes its worker down on every delivery
    bodies_run = []

    def dies(*args: object, **kwargs: object) -> None:
        bodies_run.append(1)
        raise WorkerLost

    monkeypatch.setattr(health_services, "health_check_run", dies)

    # when the broker redelivers it 5 times
    outcomes = []
    for _ in range(5):
        try:
            _deliver(TASK_ID)
            outcomes.append("dropped")
        except WorkerLost:
            outcomes.append("worker lost")

    # then the body ran 3 times, later deliveries are dropped, and the run says why
    assert MAX_DELIVERIES == 3
    assert outcomes == ["worker lost"] * 3 + ["dropped"] * 2
    assert len(bodies_run) == 3
    run = TaskRun.objects.get(celery_task_id=TASK_ID)
    assert (run.status, run.error_code) == (RunStatus.FAILED, "worker_lost_repeatedly")


def test_a_soft_time_limit_records_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def too_slow(*args: object, **kwargs: object) -> None:
        raise SoftTimeLimitExceeded("soft time limit (300s) exceeded")

    monkeypatch.setattr(health_services, "health_check_run", too_slow)

    with pytest.raises(SoftTimeLimitExceeded):
        health_check_task.apply()

    run = TaskRun.objects.get(task_name="apps.health.tasks.health_check_task")
    assert (run.status, run.error_code) == (RunStatus.FAILED, "SoftTimeLimitExceeded")
    assert run.finished_at is not None
