"""Retention: superseded curated versions and old staging versions to the archive; expired
landing copies, old archive objects and untouched sandbox files deleted; a quarantined file's
landing copy deleted only 90 days after staff dismissed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.lake.curated import curated_partitions, manifest_read
from apps.lake.models import CuratedDataset, FileStatus, LakeFile
from apps.lake.retention import lake_retention_apply, walk
from apps.lake.services import lake_file_dismiss
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


DISMISSED_AT = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


def _quarantined(path: Path, text: str, *, at: datetime) -> LakeFile:
    """A file no source recognises, ingested at `at`: quarantined with raw and landing copies."""
    path.write_text(text)
    with time_machine.travel(at, tick=False):
        outcome = ingest_path(path=path)
    assert outcome.result == "rejected"
    return LakeFile.objects.get(pk=outcome.lake_file_id)


def _copies(lake_file: LakeFile) -> tuple[bool, bool]:
    """Whether the (landing, raw) copies of a file still exist."""
    storage = lake_storage()
    return storage.exists(lake_file.landing_key), storage.exists(lake_file.raw_key)


def _dismiss(lake_file: LakeFile, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        lake_file_dismiss(file_id=lake_file.pk, user=None, note="not ours")


def test_a_dismissed_quarantined_file_loses_its_landing_copy_90_days_after_dismissal(
    tmp_path: Path,
) -> None:
    # given a quarantined file staff dismissed on 10 Jan 2025 at 09:00
    dismissed = _quarantined(
        tmp_path / "dismissed.txt", "hello", at=datetime(2025, 1, 2, tzinfo=UTC)
    )
    _dismiss(dismissed, DISMISSED_AT)
    # and an older quarantined file nobody reviewed (1 Jan 2024)
    unreviewed = _quarantined(
        tmp_path / "unreviewed.txt", "world", at=datetime(2024, 1, 1, tzinfo=UTC)
    )

    # when retention runs one minute before the 90 days are up (10 Apr 2025 08:59)
    early = lake_retention_apply(now=datetime(2025, 4, 10, 8, 59, tzinfo=UTC))
    # then nothing of either file is deleted
    assert early.deleted == []
    assert (_copies(dismissed), _copies(unreviewed)) == ((True, True), (True, True))

    # when it runs one minute after (10 Apr 2025 09:01)
    due = lake_retention_apply(now=datetime(2025, 4, 10, 9, 1, tzinfo=UTC))
    # then only the dismissed file's landing copy goes; its raw copy stays for a replay
    assert due.deleted == [dismissed.landing_key]
    assert (_copies(dismissed), _copies(unreviewed)) == ((False, True), (True, True))
    # and nothing more goes later, the unreviewed file's bytes included, however old
    assert lake_retention_apply(now=datetime(2030, 1, 1, tzinfo=UTC)).deleted == []
    assert _copies(unreviewed) == (True, True)


def test_a_file_quarantined_again_after_its_dismissal_is_unreviewed_again(
    tmp_path: Path,
) -> None:
    # given a quarantined file dismissed on 10 Jan 2025
    path = tmp_path / "resent.txt"
    lake_file = _quarantined(path, "hello", at=datetime(2025, 1, 2, tzinfo=UTC))
    _dismiss(lake_file, DISMISSED_AT)

    # when the same bytes are sent again on 1 Feb 2025 and quarantined again
    _quarantined(path, "hello", at=datetime(2025, 2, 1, tzinfo=UTC))

    # then the old dismissal no longer counts: the new failure awaits review
    lake_file.refresh_from_db()
    assert (lake_file.status, lake_file.dismissed_at, lake_file.dismissal_note) == (
        FileStatus.QUARANTINED,
        None,
        "",
    )
    # and retention keeps its bytes long past 90 days from the old dismissal
    assert lake_retention_apply(now=datetime(2026, 1, 1, tzinfo=UTC)).deleted == []
    assert _copies(lake_file) == (True, True)
