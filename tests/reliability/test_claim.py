"""R26: two deliveries of the same file produce exactly one load (a per-file lease claim)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.lake.models import FileStatus, LakeFile
from apps.lake.services import lake_file_claim
from apps.warehouse.models import StatementLine, WarehouseLoad
from apps.warehouse.services import ingest_path, lake_file_process

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).resolve().parents[2] / "apps/warehouse/tests/fixtures/dk_current_small.tsv"


def test_a_second_delivery_while_the_first_holds_the_claim_loads_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a registered file whose queued run has not started (the callback is held back)
    with django_capture_on_commit_callbacks(execute=False):
        outcome = ingest_path(path=FIXTURE, run_async=True)
    file_id = outcome.lake_file_id
    assert file_id is not None

    # when a second delivery arrives while the first worker holds the claim
    with lake_file_claim(file_id) as first_claimed:
        second = lake_file_process(file_id=file_id)
        # then the second backs off without touching the file
        assert (first_claimed, second.result) == (True, "queued")
        assert LakeFile.objects.get(pk=file_id).status == FileStatus.RECEIVED
        assert WarehouseLoad.objects.count() == 0

    # when the first delivery runs, then a late redelivery of the same message
    first = lake_file_process(file_id=file_id)
    late = lake_file_process(file_id=file_id)

    # then the file is loaded once: one load record, each line stored once
    assert (first.result, first.rows_out, late.result) == ("accepted", 5, "accepted")
    assert WarehouseLoad.objects.filter(lake_file_id=file_id).count() == 1
    assert StatementLine.objects.count() == 5
