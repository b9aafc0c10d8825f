"""The counted invariant for every source, on the files its own sample writers generate:
rows_in = rows_out + rows_rejected, every rejected row kept, no accepted row left unstaged,
and the same file sent 3 times (or parsed 3 times by replay) gives identical counts and rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile, RejectedRow
from apps.lake.replay import lake_replay
from apps.lake.services import staged_tables
from apps.sources.connectors.registry import SOURCE_IDS
from apps.sources.demo import demo_files
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


def _counts(lake_file: LakeFile) -> tuple[int | None, int | None, int | None]:
    return lake_file.rows_in, lake_file.rows_out, lake_file.rows_rejected


def _curated_snapshot() -> dict[str, int]:
    from apps.lake.models import CuratedDataset

    return {
        dataset.name: sum(table.num_rows for table in curated_partitions(dataset.name))
        for dataset in CuratedDataset.objects.all()
    }


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_every_file_of_a_source_conserves_its_rows_and_repeats_identically(
    source_id: str, tmp_path: Path
) -> None:
    files = [demo for demo in demo_files(today=TODAY) if demo.source_id == source_id]
    assert files, f"no sample files for {source_id}"
    for number, demo in enumerate(files):
        path = tmp_path / str(number) / demo.name
        path.parent.mkdir()
        path.write_bytes(demo.content)

        # when the same file is sent three times
        results = [ingest_path(path=path, account=demo.account).result for _ in range(3)]

        # then it is accepted once and the repeats are duplicates
        assert results == ["accepted", "duplicate", "duplicate"], demo.name
        lake_file = LakeFile.objects.get(source=source_id, original_name=demo.name)
        rows_in, rows_out, rows_rejected = _counts(lake_file)
        assert rows_in == rows_out + rows_rejected, demo.name
        assert RejectedRow.objects.filter(lake_file=lake_file).count() == rows_rejected
        # every accepted input row reached staging (several inputs may fold into one typed row,
        # as a TikTok zip's overview and follower history do per day)
        staged = sum(table.num_rows for table in staged_tables(lake_file).values())
        assert 0 < staged <= rows_out, demo.name
    counts = {f.pk: _counts(f) for f in LakeFile.objects.all()}
    curated = _curated_snapshot()

    # when every file is parsed again from raw, twice
    for _ in range(2):
        outcomes = lake_replay(source=source_id)
        assert {outcome.result for outcome in outcomes} == {"unchanged"}

    # then the counts and the curated rows are identical
    assert {f.pk: _counts(f) for f in LakeFile.objects.all()} == counts
    assert _curated_snapshot() == curated
    assert LakeFile.objects.filter(status=FileStatus.QUARANTINED).count() == 0
