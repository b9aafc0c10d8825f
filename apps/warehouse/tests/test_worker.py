"""The Celery path on a real worker against a real Redis broker."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.db.models import Sum

from apps.health.models import RunStatus, TaskRun
from apps.lake.models import FileStatus, LakeFile
from apps.warehouse.models import StatementLine
from apps.warehouse.services import ingest_path
from bedrot_site.celery import app as celery_app
from tests.reliability.processes import broker_emptied

FIXTURES = Path(__file__).parent / "fixtures"
WAIT_S = 60


def _use_broker(redis_url: str) -> None:
    """Point the app at the test's Redis, dropping connections pooled for the old broker URL
    (without REDIS_URL the settings name the socket of `make run`'s embedded Redis)."""
    celery_app.conf.update(broker_url=redis_url.replace("unix://", "redis+socket://", 1))
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_processes_an_async_ingest(redis_url: str) -> None:
    _use_broker(redis_url)
    broker_emptied(redis_url)
    celery_app.conf.update(task_always_eager=False)
    try:
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
            # when a file is registered with --async, the worker runs it through every zone
            outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv", run_async=True)
            assert outcome.result == "queued"
            deadline = time.monotonic() + WAIT_S
            while LakeFile.objects.get(pk=outcome.lake_file_id).status != FileStatus.LOADED:
                assert time.monotonic() < deadline, "worker did not load the file in time"
                time.sleep(0.2)
    finally:
        celery_app.conf.update(task_always_eager=True)
    # then the lines are in the warehouse and the run is recorded as succeeded, first attempt
    assert StatementLine.objects.aggregate(total=Sum("earnings_usd"))["total"] == Decimal("5.54")
    run = TaskRun.objects.get(task_name="apps.warehouse.tasks.lake_file_process_task")
    assert (run.status, run.attempt, run.arguments) == (
        RunStatus.SUCCEEDED,
        1,
        {"file_id": outcome.lake_file_id},
    )
