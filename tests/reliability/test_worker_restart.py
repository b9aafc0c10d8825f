"""R22: the whole worker is killed with a file half-way into the warehouse and started again. The
broker redelivers the message once the visibility timeout has passed, the file loads in full, once,
and nothing of the killed attempt was written."""

from __future__ import annotations

import json
import signal
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from apps.health.models import RunStatus, TaskRun
from apps.lake.models import FileStatus, LakeFile
from apps.lake.services import FILE_CLAIM_S
from apps.warehouse.models import StatementLine, WarehouseLoad
from apps.warehouse.services import ingest_path
from bedrot_site.celery import app as celery_app
from tests.reliability.processes import (
    ROOT,
    broker_emptied,
    broker_url,
    celery_env,
    celery_process,
    database_url_of_test,
    lock_waiters,
    wait_for,
    worker_arguments,
)

FIXTURE = ROOT / "apps" / "warehouse" / "tests" / "fixtures" / "dk_current_small.tsv"
TASK = "apps.warehouse.tasks.lake_file_process_task"
# The shortest visibility timeout the settings accept, so the test waits one minute, not one hour.
VISIBILITY_TIMEOUT_S = 60
# kombu looks for expired unacked messages on a sweep every 10 s that scans Redis on every 10th
# call: a message is restored at most 100 s after its timeout ran out (the "epsilon" of R22).
RESTORE_SWEEP_S = 100
STARTUP_SLACK_S = 15
QUEUE = "celery"


def _broker_sizes(client: redis.Redis, task: str = TASK) -> tuple[int, int]:
    """`task`'s messages (waiting in the queue, delivered and not acknowledged). A finished load
    queues its own follow-up tasks, which are not counted."""
    waiting = [json.loads(raw) for raw in client.lrange(QUEUE, 0, -1)]
    unacked = [json.loads(raw)[0] for raw in client.hvals("unacked")]
    return (
        sum(message["headers"]["task"] == task for message in waiting),
        sum(message["headers"]["task"] == task for message in unacked),
    )


def _run() -> TaskRun | None:
    return TaskRun.objects.filter(task_name=TASK).first()


def _run_of(run: TaskRun) -> TaskRun:
    return TaskRun.objects.get(pk=run.pk)


def test_production_file_lease_ends_before_a_redelivery() -> None:
    # a redelivered message finds the dead worker's lease on its file already expired (with a
    # lease outlasting the visibility timeout the redelivery would find the file taken and
    # leave it to the sweeper)
    assert celery_app.conf.broker_transport_options["visibility_timeout"] > FILE_CLAIM_S


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_restarted_worker_gets_the_message_after_the_visibility_timeout(
    redis_url: str, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker is held mid-load by a PostgreSQL table lock")
    celery_app.conf.update(broker_url=broker_url(redis_url), task_always_eager=False)
    broker_emptied(redis_url)
    broker = redis.Redis.from_url(redis_url)
    env = celery_env(redis_url, tmp_path, CELERY_VISIBILITY_TIMEOUT_S=str(VISIBILITY_TIMEOUT_S))
    postgres_url = database_url_of_test().replace("postgres://", "postgresql://", 1)
    lock_holder = psycopg.connect(postgres_url)
    admin = psycopg.connect(postgres_url, autocommit=True)
    log = tmp_path / "worker.log"
    try:
        # given a worker held inside its warehouse load transaction (SHARE lets it read and stage,
        # then makes its first INSERT wait)
        lock_holder.execute(f'LOCK TABLE "{StatementLine._meta.db_table}" IN SHARE MODE')
        with celery_process(worker_arguments("r22-first"), env, log) as first:
            outcome = ingest_path(path=FIXTURE, run_async=True)
            wait_for(lambda: lock_waiters(admin) > 0, "the worker to reach the warehouse load")

            # when the whole worker is killed
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        lock_holder.rollback()

        # then nothing of the load was written, and the broker still holds the message unacked
        lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
        assert lake_file.status == FileStatus.CURATED
        assert (StatementLine.objects.count(), WarehouseLoad.objects.count()) == (0, 0)
        assert _broker_sizes(broker) == (0, 1)
        first_run = _run()
        assert first_run is not None
        assert (first_run.status, first_run.attempt) == (RunStatus.STARTED, 1)
        first_delivered_at = first_run.started_at

        # the dead worker's 15-minute lease on the file ends (in production 45 minutes before the
        # 1 h visibility timeout; here the timeout is 1 minute, so the lease is ended by hand)
        LakeFile.objects.filter(pk=lake_file.pk).update(claimed_until=timezone.now())

        # when the worker is started again
        with celery_process(worker_arguments("r22-second"), env, log):
            wait_for(
                lambda: _run_of(first_run).attempt == 2,
                "the redelivery",
                timeout_s=VISIBILITY_TIMEOUT_S + RESTORE_SWEEP_S + STARTUP_SLACK_S,
            )
            wait_for(
                lambda: _run_of(first_run).status == RunStatus.SUCCEEDED,
                "the redelivered run to finish",
            )
    finally:
        lock_holder.close()
        admin.close()
        celery_app.conf.update(task_always_eager=True)

    # then the message came back after the visibility timeout, not before, and not lost
    redelivered_after_s = (_run_of(first_run).started_at - first_delivered_at).total_seconds()
    deadline_s = VISIBILITY_TIMEOUT_S + RESTORE_SWEEP_S + STARTUP_SLACK_S
    assert VISIBILITY_TIMEOUT_S <= redelivered_after_s <= deadline_s, redelivered_after_s
    # and the file loaded in full, once, and its message is gone from the broker
    lake_file.refresh_from_db()
    assert (lake_file.status, lake_file.rows_out) == (FileStatus.LOADED, 5)
    assert StatementLine.objects.count() == 5
    assert StatementLine.objects.aggregate(total=Sum("earnings_usd"))["total"] == Decimal("5.54")
    assert WarehouseLoad.objects.count() == 1
    assert TaskRun.objects.filter(task_name=TASK).count() == 1
    assert _broker_sizes(broker) == (0, 0)
