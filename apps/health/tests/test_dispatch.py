"""Sending a task when the broker is down: the caller finishes and the run says what happened."""

from __future__ import annotations

from typing import Any

import pytest
from kombu.exceptions import OperationalError

from apps.health import dispatch
from apps.health.models import RunStatus, TaskRun
from bedrot_site.celery import app as celery_app

pytestmark = pytest.mark.django_db

# The real sender, taken before the autouse fixture replaces it with a recorder.
REAL_SEND = dispatch._send


def test_a_run_that_cannot_be_queued_is_recorded_failed_not_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a queued run and a broker that does not answer
    run = TaskRun.objects.create(
        task_name=dispatch.SOURCE_EXTRACT_TASK, celery_task_id="run-1", status=RunStatus.QUEUED
    )

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(celery_app, "send_task", unreachable)

    # when health sends it
    REAL_SEND(dispatch.SOURCE_EXTRACT_TASK, {"source": "toolost"}, "run-1")

    # then nothing is raised and the run is failed with a reason staff can act on
    run.refresh_from_db()
    assert (run.status, run.error_code) == (RunStatus.FAILED, "broker_unreachable")
    assert run.finished_at is not None
