"""From `ingest_path` to curated: a Linktree capture, and the history rule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import time_machine

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile
from apps.lake.services import staged_tables
from apps.sources.connectors.linktree.tests.helpers import FIXTURES
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db

LINEAGE = ("source_file_id", "captured_at")


def _ingest(name: str, *, at: datetime) -> IngestOutcome:
    with time_machine.travel(at, tick=False):
        return ingest_path(path=FIXTURES / name)


def _curated(dataset: str) -> list[dict[str, object]]:
    found = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    return [{k: v for k, v in row.items() if k not in LINEAGE} for row in found]


def _day(
    day: str, views: int, unique_views: int, clicks: int, unique_clicks: int, rate: float
) -> dict[str, object]:
    return {
        "account": "_",
        "date": date.fromisoformat(day),
        "total_views": views,
        "unique_views": unique_views,
        "total_clicks": clicks,
        "unique_clicks": unique_clicks,
        "click_through_rate": rate,
    }


def test_ingest_linktree_capture_reaches_curated_without_personal_data() -> None:
    outcome = _ingest(
        "capture_with_personal_data_links_and_breakdowns.json",
        at=datetime(2025, 5, 27, 21, 18, tzinfo=UTC),
    )
    assert (outcome.result, outcome.source, outcome.rows_in, outcome.rows_rejected) == (
        "accepted",
        "linktree",
        15,
        0,
    )
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.status) == ("analytics", FileStatus.LOADED)
    assert _curated("linktree_daily") == [
        _day("2025-05-26", 12, 7, 5, 2, 0.4167),
        _day("2025-05-27", 9, 7, 7, 3, 0.7778),
    ]
    assert [
        (row["link_id"], row["title"], row["total_clicks"]) for row in _curated("linktree_links")
    ] == [
        ("453835498", "ZONE A0 - NOCTURNES EP", 9),
        ("472282266", "PIG1987 - MUD SEASON", 6),
        ("445315682", None, 5),
    ]
    breakdowns = _curated("audience_breakdowns")
    assert [(row["dimension"], row["bucket"], row["views"]) for row in breakdowns][:3] == [
        ("countries", "US", 26),
        ("countries", "GE", 1),
        ("countries", "CA", 3),
    ]
    assert len(breakdowns) == 10
    staged = json.dumps([t.to_pylist() for t in staged_tables(lake_file).values()], default=str)
    curated = json.dumps(
        [breakdowns, _curated("linktree_daily"), _curated("linktree_links")], default=str
    )
    for text in (staged, curated, json.dumps(lake_file.warnings)):
        assert "owner@example.invalid" not in text
        assert "Sample Owner" not in text


def test_ingest_newer_linktree_capture_keeps_older_days_and_restates_overlaps() -> None:
    _ingest("older_capture_may21_to_may23.json", at=datetime(2025, 5, 24, tzinfo=UTC))
    _ingest("newer_capture_restates_may23.json", at=datetime(2025, 5, 25, tzinfo=UTC))
    assert _curated("linktree_daily") == [
        _day("2025-05-21", 20, 8, 8, 6, 0.4),
        _day("2025-05-22", 10, 8, 7, 2, 0.7),
        _day("2025-05-23", 12, 7, 5, 2, 0.4167),
        _day("2025-05-24", 9, 7, 4, 3, 0.4444),
    ]
