"""R29: the pipeline task is enqueued only after the upload's transaction commits."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from apps.lake.models import FileStatus, LakeFile
from apps.warehouse import tasks as warehouse_tasks
from apps.warehouse.services import ingest_upload

pytestmark = pytest.mark.django_db
UPLOADS = 5


class Rollback(Exception):
    """Raised inside the upload's transaction to abandon it."""


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every enqueue of the pipeline task, then the (eager) run it would start."""
    calls: list[dict[str, Any]] = []
    original = warehouse_tasks.lake_file_process_task.delay

    def delay(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(warehouse_tasks.lake_file_process_task, "delay", delay)
    return calls


def _upload(index: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"upload-{index}.csv", f"not a known export {index}\n".encode())


def _upload_then_roll_back(index: int) -> None:
    """Ingest inside a transaction that is then abandoned."""
    try:
        with transaction.atomic():
            ingest_upload(upload=_upload(index), run_async=True)
            raise Rollback
    except Rollback:
        pass


def test_rolled_back_uploads_enqueue_nothing(
    enqueued: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for index in range(UPLOADS):
            _upload_then_roll_back(index)

    assert (len(callbacks), len(enqueued), LakeFile.objects.count()) == (0, 0, 0)


def test_committed_uploads_always_find_their_row(
    enqueued: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [
            ingest_upload(upload=_upload(index), run_async=True) for index in range(UPLOADS)
        ]

    # each commit enqueued one run (the runs' own announcements are callbacks too, not
    # counted), and each run found its row and finished it (unrecognised bytes end in
    # quarantine): none raised DoesNotExist
    assert len(enqueued) == UPLOADS
    assert [call["file_id"] for call in enqueued] == [o.lake_file_id for o in outcomes]
    assert LakeFile.objects.filter(status=FileStatus.QUARANTINED).count() == UPLOADS
