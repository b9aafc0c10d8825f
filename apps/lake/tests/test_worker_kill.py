"""A worker killed (SIGKILL) in the middle of an ingest leaves no half-written warehouse data,
and the file runs to completion when it is taken up again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.models import Sum

from apps.lake.models import FileStatus, LakeFile
from apps.warehouse.models import StatementLine, WarehouseLoad
from apps.warehouse.services import ingest_path, lake_file_process
from bedrot_site.celery import app as celery_app
from tests.reliability.processes import (
    broker_emptied,
    broker_url,
    database_url_of_test,
    lock_waiters,
    wait_for,
)

FIXTURES = Path(__file__).resolve().parents[2] / "warehouse" / "tests" / "fixtures"
ROOT = Path(__file__).resolve().parents[3]


@contextmanager
def _worker(redis_url: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`celery worker` in a subprocess on the test database and lake; solo pool, so the task
    runs in the process the test kills."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test(),
        "REDIS_URL": redis_url,
        "LAKE_ROOT": str(tmp_path / "lake"),
        "BEDROT_WORK_DIR": str(tmp_path / "work"),
    }
    command = [sys.executable, "-m", "celery", "-A", "bedrot_site", "worker", "--pool=solo"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "warning"]
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        log.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_killed_worker_leaves_no_half_load_and_the_file_reruns(
    redis_url: str, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker blocks on a PostgreSQL table lock")
    celery_app.conf.update(broker_url=broker_url(redis_url), task_always_eager=False)
    broker_emptied(redis_url)
    table = StatementLine._meta.db_table
    lock_holder = psycopg.connect(database_url_of_test().replace("postgres://", "postgresql://"))
    admin = psycopg.connect(
        database_url_of_test().replace("postgres://", "postgresql://"), autocommit=True
    )
    try:
        # given a worker that will block at its first warehouse INSERT (SHARE mode lets it
        # read and build its temp table, then makes it wait inside its load transaction)
        lock_holder.execute(f'LOCK TABLE "{table}" IN SHARE MODE')
        with _worker(redis_url, tmp_path) as worker:
            outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv", run_async=True)
            wait_for(lambda: lock_waiters(admin) > 0, "the worker to reach the warehouse load")

            # when the worker is killed mid-load
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        # its orphaned backend goes too, then the lock is released
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        lock_holder.rollback()
    finally:
        lock_holder.close()
        admin.close()
        celery_app.conf.update(task_always_eager=True)

    # then nothing of the load committed: the file is curated, not loaded, still claimed
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.status, lake_file.claimed_until is not None) == (FileStatus.CURATED, True)
    assert (StatementLine.objects.count(), WarehouseLoad.objects.count()) == (0, 0)

    # when its claim has expired and the file is taken up again
    LakeFile.objects.filter(pk=lake_file.pk).update(claimed_until=None)
    rerun = lake_file_process(file_id=lake_file.pk)

    # then it is loaded in full, once
    assert (rerun.result, rerun.rows_out) == ("accepted", 5)
    assert StatementLine.objects.count() == 5
    assert StatementLine.objects.aggregate(total=Sum("earnings_usd"))["total"] == Decimal("5.54")
    assert WarehouseLoad.objects.count() == 1
