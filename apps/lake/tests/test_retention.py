"""Retention: superseded curated versions and old staging versions to the archive; expired
landing copies, old archive objects and untouched sandbox files deleted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.lake.curated import curated_partitions, manifest_read
from apps.lake.models import CuratedDataset, LakeFile
from apps.lake.retention import lake_retention_apply, walk
from apps.lake.storage import lake_storage
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "warehouse" / "tests" / "fixtures"


def _statement_rows() -> int:
    return sum(table.num_rows for table in curated_partitions("statement_lines"))


def test_superseded_curated_versions_move_to_the_archive_and_readers_see_the_same_rows() -> None:
    # given two overlapping statements: the second rewrote the partitions it touched
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    ingest_path(path=FIXTURES / "dk_current_overlap.tsv")
    dataset = CuratedDataset.objects.get(name="statement_lines")
    current = {dataset.manifest_key, *manifest_read(dataset).values()}
    superseded = set(walk("curated/statement_lines")) - current
    assert superseded, "the second file should have superseded something"
    rows = _statement_rows()

    # when retention runs within the grace hour, nothing moves
    assert lake_retention_apply(now=timezone.now()).archived == []

    # when it runs two hours later
    report = lake_retention_apply(now=timezone.now() + timedelta(hours=2))

    # then exactly the superseded objects are in the archive and the current version is intact
    assert set(report.archived) == {f"archive/{key}" for key in superseded}
    assert set(walk("curated/statement_lines")) == current
    assert _statement_rows() == rows


def test_landing_copies_go_seven_days_after_promotion_and_raw_stays() -> None:
    # given a loaded file
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    storage = lake_storage()

    # when retention runs 6 days later, then 8 days later
    six = lake_retention_apply(now=timezone.now() + timedelta(days=6))
    eight = lake_retention_apply(now=timezone.now() + timedelta(days=8))

    # then the landing copy is deleted only the second time, and raw keeps the bytes
    assert six.deleted == []
    assert eight.deleted == [lake_file.landing_key]
    assert (storage.exists(lake_file.landing_key), storage.exists(lake_file.raw_key)) == (
        False,
        True,
    )
    # and a later run does not look at it again
    assert lake_retention_apply(now=timezone.now() + timedelta(days=9)).deleted == []


def test_staging_keeps_the_newest_three_versions_and_archives_older_ones() -> None:
    # given a replayed file with staging versions v1..v5 (v5 current)
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    parent = lake_file.staging_key.rsplit("/", 1)[0]
    for version in range(2, 6):
        lake_storage().save(f"{parent}/v{version}/statement_lines.parquet", ContentFile(b"x"))
    LakeFile.objects.filter(pk=lake_file.pk).update(
        staging_key=f"{parent}/v5", replays=[{"result": "changed"}]
    )

    # when retention runs 100 days later (past the 90-day policy)
    report = lake_retention_apply(now=timezone.now() + timedelta(days=100))

    # then v1 and v2 are archived; v3, v4 and v5 stay
    staging_archived = sorted(key for key in report.archived if "/staging/" in key)
    assert staging_archived == [
        f"archive/{parent}/v1/statement_lines.parquet",
        f"archive/{parent}/v2/statement_lines.parquet",
    ]
    assert sorted(walk(parent)) == [
        f"{parent}/v{version}/statement_lines.parquet" for version in (3, 4, 5)
    ]


def test_sandbox_files_untouched_for_30_days_are_purged() -> None:
    # given a staff member's sandbox file
    lake_storage().save("sandbox/alice/notes.csv", ContentFile(b"a,b\n"))

    # when retention runs after 29 days, then after 31
    kept = lake_retention_apply(now=timezone.now() + timedelta(days=29))
    purged = lake_retention_apply(now=timezone.now() + timedelta(days=31))

    # then it is kept the first time and deleted the second
    assert "sandbox/alice/notes.csv" not in kept.deleted
    assert "sandbox/alice/notes.csv" in purged.deleted
    assert not lake_storage().exists("sandbox/alice/notes.csv")


def test_archive_keeps_the_newest_three_of_a_partition_past_400_days() -> None:
    # given five archived versions of one partition
    folder = "archive/curated/streams_daily/date=2024-01"
    for version in range(1, 6):
        lake_storage().save(f"{folder}/part-v{version}.parquet", ContentFile(b"x"))

    # when retention runs 401 days later
    report = lake_retention_apply(now=timezone.now() + timedelta(days=401))

    # then two are deleted and three stay
    assert len([key for key in report.deleted if key.startswith(folder)]) == 2
    assert len(lake_storage().listdir(folder)[1]) == 3
