"""The landing sweeper: the drop folder is picked up, storage is reconciled with the lineage,
and a file whose worker died between two steps completes when it is taken up again."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.lake import curated, services
from apps.lake.models import FileOrigin, FileStatus, LakeFile, Zone
from apps.lake.retention import walk
from apps.lake.storage import lake_storage
from apps.lake.sweep import lake_drop_folder_sweep, lake_reconcile
from apps.sources.connectors.toolost.samples import spotify_analytics_bytes
from apps.warehouse.models import StatementLine
from apps.warehouse.services import ingest_path, lake_file_process

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "warehouse" / "tests" / "fixtures"
OnCommit = Callable[..., Any]


def _drop(folder: Path, name: str, content: bytes, *, age_s: int) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_drop_folder_files_are_ingested_once_settled(
    tmp_path: Path, django_capture_on_commit_callbacks: OnCommit
) -> None:
    # given a settled statement, a file still being written, and junk, in the drop folder
    drop = tmp_path / "drop"
    statement = (FIXTURES / "dk_current_small.tsv").read_bytes()
    _drop(drop, "DistroKid_1.tsv", statement, age_s=120)
    _drop(drop, "fresh.tsv", statement + b"\n", age_s=0)
    _drop(drop, "notes.txt", b"hello", age_s=120)

    # when the sweep runs (and the queued processing runs)
    with django_capture_on_commit_callbacks(execute=True):
        result = lake_drop_folder_sweep(folder=drop)

    # then the statement is loaded with origin `drop`, the junk is quarantined, the fresh file
    # waits, and handled files moved to .done
    assert len(result.registered) == 2
    files = {f.original_name: f for f in LakeFile.objects.filter(pk__in=result.registered)}
    assert (files["DistroKid_1.tsv"].status, files["DistroKid_1.tsv"].origin) == (
        FileStatus.LOADED,
        FileOrigin.DROP,
    )
    assert files["notes.txt"].status == FileStatus.QUARANTINED
    assert StatementLine.objects.count() == 5
    assert sorted(path.name for path in drop.iterdir() if path.is_file()) == ["fresh.tsv"]
    assert sorted(path.name for path in (drop / ".done").iterdir()) == [
        "DistroKid_1.tsv",
        "notes.txt",
    ]

    # when the same statement is dropped again
    _drop(drop, "DistroKid_1.tsv", statement, age_s=120)
    with django_capture_on_commit_callbacks(execute=True):
        again = lake_drop_folder_sweep(folder=drop)

    # then it is a duplicate and nothing new is registered
    assert (again.registered, again.duplicates) == ([], [files["DistroKid_1.tsv"].pk])


def test_reconcile_adopts_an_orphan_landing_object_and_deletes_stale_temp_files(
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    # given a landing object written just before its worker died (no lineage row) and a temp
    # file a killed write left behind
    storage = lake_storage()
    orphan = "landing/distrokid/_/20261126/bank_statement__20261126T000000Z__deadbeef.tsv"
    storage.save(orphan, ContentFile((FIXTURES / "dk_current_small.tsv").read_bytes()))
    temp = "raw/distrokid/ab/.tmp-killed.part"
    storage.save(temp, ContentFile(b"half a fi"))

    # when the reconciler runs two hours later
    with django_capture_on_commit_callbacks(execute=True):
        result = lake_reconcile(now=timezone.now() + timedelta(hours=2))

    # then the orphan is registered and loaded under a new landing key, the temp file is gone
    assert len(result.landing_adopted) == 1
    adopted = LakeFile.objects.get(pk=result.landing_adopted[0])
    assert (adopted.source, adopted.status, adopted.rows_out) == (
        "distrokid",
        FileStatus.LOADED,
        5,
    )
    assert not storage.exists(orphan)
    assert result.temp_deleted == [temp]
    assert not storage.exists(temp)


def test_reconcile_reports_a_row_whose_landing_object_is_missing() -> None:
    # given a received file whose landing object vanished
    lake_file = LakeFile.objects.create(
        source="distrokid",
        original_name="gone.tsv",
        landing_key="landing/distrokid/_/20261126/gone.tsv",
        sha256="0" * 64,
        size_bytes=10,
    )

    # when the reconciler runs
    result = lake_reconcile()

    # then the row is reported
    assert result.rows_missing_file == [lake_file.pk]


def test_a_worker_killed_mid_curation_leaves_the_file_staged_and_a_retry_completes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a TooLost analytics file (two curated datasets) whose first attempt dies after
    # merging the first dataset
    content = spotify_analytics_bytes(through=date(2025, 12, 29), seed=7)
    original_merge = curated.curated_merge
    merges: list[str] = []

    def die_on_second_merge(**kwargs: Any) -> curated.MergeResult:
        merges.append(kwargs["dataset_name"])
        if len(merges) == 2:
            raise SystemExit("worker killed")
        return original_merge(**kwargs)

    monkeypatch.setattr(services, "curated_merge", die_on_second_merge)
    registration = services.lake_file_register(
        stream=io.BytesIO(content), original_name="analytics_spotify.json"
    )
    with pytest.raises(SystemExit):
        lake_file_process(file_id=registration.lake_file.pk)

    # then the lineage row still says staged (the row moves only after every merge)
    lake_file = LakeFile.objects.get(pk=registration.lake_file.pk)
    assert (lake_file.zone, lake_file.status) == (Zone.STAGING, FileStatus.STAGED)

    # when the file is taken up again with a healthy worker
    monkeypatch.setattr(services, "curated_merge", original_merge)
    outcome = lake_file_process(file_id=lake_file.pk)

    # then it completes, and curated holds each row once
    assert (outcome.result, outcome.rows_out) == ("accepted", lake_file.rows_out)
    streams = sum(t.num_rows for t in curated.curated_partitions("streams_daily"))
    fees = sum(t.num_rows for t in curated.curated_partitions("discovery_fees_monthly"))
    clean = services.staged_tables(LakeFile.objects.get(pk=lake_file.pk))
    assert (streams, fees) == (
        clean["streams_daily"].num_rows,
        clean["discovery_fees_monthly"].num_rows,
    )


def test_a_write_killed_before_the_rename_leaves_no_partial_object(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a write that dies between the temp write and the rename
    def killed(*args: Any) -> None:
        raise SystemExit("worker killed")

    monkeypatch.setattr(os, "replace", killed)

    # when a file is promoted through the storage
    with pytest.raises(SystemExit):
        lake_storage().save("raw/distrokid/ab/abcdef.tsv", ContentFile(b"complete bytes"))

    # then neither the object nor a temp file is left
    assert list(walk("raw")) == []


def test_ingest_records_upload_as_the_default_origin() -> None:
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    assert LakeFile.objects.get(pk=outcome.lake_file_id).origin == FileOrigin.UPLOAD
