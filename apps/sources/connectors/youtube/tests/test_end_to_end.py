"""From `ingest_path` to curated: both YouTube kinds, the account rule and the history rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile, RejectedRow
from apps.sources.connectors.youtube.tests.helpers import FIXTURES, studio_zip_path, zip_bytes
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db

LINEAGE = ("source_file_id", "captured_at")


def _ingest(path: Path, *, account: str = "", at: datetime | None = None) -> IngestOutcome:
    with time_machine.travel(at or datetime(2025, 3, 14, 9, 0, tzinfo=UTC), tick=False):
        return ingest_path(path=path, account=account)


def _curated(dataset: str) -> list[dict[str, object]]:
    found = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    return [{k: v for k, v in row.items() if k not in LINEAGE} for row in found]


def _counts(outcome: IngestOutcome) -> tuple[object, ...]:
    return (
        outcome.result,
        outcome.source,
        outcome.account,
        outcome.rows_in,
        outcome.rows_out,
        outcome.rows_rejected,
    )


def _day(day: str, views: int, engaged: int, *rest: int) -> dict[str, object]:
    minutes, gained, lost, likes, shares, comments = rest
    return {
        "channel": "zonea0",
        "date": date.fromisoformat(day),
        "video_id": "*",
        "views": views,
        "engaged_views": engaged,
        "minutes_watched": minutes,
        "subscribers_gained": gained,
        "subscribers_lost": lost,
        "likes": likes,
        "shares": shares,
        "comments": comments,
    }


OLDER_DAYS = [
    _day("2025-03-01", 120, 95, 310, 3, 1, 9, 2, 1),
    _day("2025-03-02", 80, 71, 190, 1, 0, 4, 0, 0),
    _day("2025-03-03", 0, 0, 0, 0, 0, 0, 0, 0),
    _day("2025-03-04", 210, 140, 402, 5, 2, 15, 3, 2),
    _day("2025-03-05", 95, 90, 205, 0, 1, 6, 1, 0),
    _day("2025-03-06", 64, 60, 150, 2, 0, 3, 0, 1),
]


def test_ingest_api_report_reaches_curated_under_the_channel_it_names() -> None:
    # given a saved API result whose request names ZONE A0's channel; no --account
    outcome = _ingest(FIXTURES / "day_report_mar01_to_mar09_latency_tail_and_quiet_mar03.json")
    # then the content decided the source, kind and account
    assert _counts(outcome) == ("accepted", "youtube", "zonea0", 6, 6, 0)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.status, lake_file.schema_id) == (
        "api_report",
        FileStatus.LOADED,
        "youtube_analytics_v2_result_table",
    )
    assert (lake_file.period_start, lake_file.period_end) == (date(2025, 3, 1), date(2025, 3, 6))
    assert lake_file.captured_at == datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    assert _curated("youtube_daily") == OLDER_DAYS


def test_ingest_newer_api_report_keeps_older_days_and_restates_overlaps() -> None:
    # given a Mar 1-9 capture, then a newer Mar 6-12 capture restating Mar 6, Mar 7 absent (0)
    # and Mar 10-12 inside its latency tail
    _ingest(FIXTURES / "day_report_mar01_to_mar09_latency_tail_and_quiet_mar03.json")
    newer = _ingest(FIXTURES / "day_report_mar06_to_mar12_restates_mar06_quiet_mar07.json")
    assert _counts(newer) == ("accepted", "youtube", "zonea0", 4, 4, 0)
    # then Mar 1-5 survive, Mar 6 takes the newer value, Mar 7 is 0, nothing after Mar 9
    assert _curated("youtube_daily") == [
        *OLDER_DAYS[:5],
        _day("2025-03-06", 70, 66, 161, 2, 0, 4, 0, 1),
        _day("2025-03-07", 0, 0, 0, 0, 0, 0, 0, 0),
        _day("2025-03-08", 44, 40, 99, 0, 0, 1, 0, 0),
        _day("2025-03-09", 61, 55, 140, 1, 1, 3, 1, 0),
    ]


def test_ingest_studio_zip_reaches_curated_without_its_total_row(tmp_path: Path) -> None:
    path = studio_zip_path(tmp_path, table="studio_table_total_row_then_three_videos.csv")
    outcome = _ingest(path, account="zonea0")
    # the Total row and 3 videos of Table data.csv, and the 3 days of Totals.csv
    assert _counts(outcome) == ("accepted", "youtube", "zonea0", 7, 6, 1)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.status) == ("studio_zip", FileStatus.LOADED)
    assert list(
        RejectedRow.objects.filter(lake_file=lake_file).values_list("row_number", "code")
    ) == [(2, "control_total_row")]
    assert [
        (row["video_id"], row["views"], row["impressions_ctr"], row["period_end"])
        for row in _curated("youtube_video_snapshots")
    ] == [
        ("Pk7mUdSeas1", 400, 0.08, date(2025, 3, 3)),
        ("dQ4wZ0neA0x", 1200, 0.0857, date(2025, 3, 3)),
        ("r3Ve_rb-T0n", 45, 0.05, date(2025, 3, 3)),
    ]


def test_ingest_studio_zip_without_account_is_quarantined(tmp_path: Path) -> None:
    path = studio_zip_path(tmp_path, table="studio_table_total_row_then_three_videos.csv")
    outcome = _ingest(path)
    assert (outcome.result, outcome.source, outcome.reason) == (
        "rejected",
        "youtube",
        "account required for youtube; pass --account",
    )
    assert list(curated_partitions("youtube_video_snapshots")) == []


def test_ingest_studio_zip_bomb_is_quarantined_before_extraction(tmp_path: Path) -> None:
    path = tmp_path / "Content 2025-03-01_2025-03-03 ZONE A0.zip"
    path.write_bytes(zip_bytes({"Table data.csv": b"Content,Views\n" + b"0" * (8 * 1024 * 1024)}))
    outcome = _ingest(path, account="zonea0")
    assert outcome.result == "rejected"
    assert outcome.reason.startswith("archive refused before extraction: entry 'Table data.csv'")
