"""DistroKid chart pages from `ingest_path` to curated: exact rows, kind from content, history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

PathOf = Callable[[str], Path]


def curated_rows(dataset: str) -> list[dict[str, object]]:
    """Every current curated row of a dataset, lineage time left out, in key order."""
    rows = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    for row in rows:
        del row["captured_at"]
    return sorted(rows, key=lambda row: [str(value) for value in row.values()])


def _trend_page(points: dict[str, int]) -> bytes:
    provider = ",\n".join(
        f'{{"category": "{day}", "column-1": {count}}}' for day, count in points.items()
    )
    return (
        '<html><body><div id="trend365day"></div><script>\n'
        'AmCharts.makeChart("trend365day", {"type": "serial", "id": "trend365day",\n'
        f'"dataProvider": [\n{provider},\n]}});\n</script></body></html>\n'
    ).encode()


def test_ingest_path_curates_the_spotify_chart_recognised_from_content(
    fixture_path: PathOf,
) -> None:
    # given the Spotify chart page, with no source or kind given
    with time_machine.travel(datetime(2025, 1, 13, 6, 0, tzinfo=UTC), tick=False):
        outcome = ingest_path(path=fixture_path("streams_chart_trailing_comma.html"))

    # then it is DistroKid's streams_chart and every point is accounted for
    assert (
        outcome.result,
        outcome.source,
        outcome.rows_in,
        outcome.rows_out,
        outcome.rows_rejected,
    ) == ("accepted", "distrokid", 10, 10, 0)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.schema_id, lake_file.status) == (
        "streams_chart",
        "dk_chart_trend365day",
        FileStatus.LOADED,
    )
    assert (lake_file.period_start, lake_file.period_end) == (date(2025, 1, 2), date(2025, 1, 11))
    # and curated holds exactly the ten Spotify days
    file_id = outcome.lake_file_id
    assert curated_rows("streams_daily") == [
        {
            "date": date(2025, 1, day),
            "distributor": "distrokid",
            "platform": "Spotify",
            "streams": streams,
            "source_file_id": file_id,
        }
        for day, streams in zip(range(2, 12), [0, 3, 12, 7, 0, 25, 18, 33, 29, 41], strict=True)
    ]


def test_ingest_path_curates_the_apple_chart_and_its_track_totals(fixture_path: PathOf) -> None:
    # given the Apple Music page (which also holds a trend365day config of its own)
    with time_machine.travel(datetime(2025, 1, 11, 6, 0, tzinfo=UTC), tick=False):
        outcome = ingest_path(path=fixture_path("apple_chart.html"))

    # then it is the apple_chart, and curated has its five days and three tracks
    assert (outcome.result, outcome.source, outcome.rows_in, outcome.rows_out) == (
        "accepted",
        "distrokid",
        8,
        8,
    )
    assert LakeFile.objects.get(pk=outcome.lake_file_id).kind == "apple_chart"
    file_id = outcome.lake_file_id
    assert curated_rows("streams_daily") == [
        {
            "date": date(2025, 1, day),
            "distributor": "distrokid",
            "platform": "Apple Music",
            "streams": streams,
            "source_file_id": file_id,
        }
        for day, streams in [(5, 4), (6, 0), (7, 9), (8, 11), (9, 6)]
    ]
    track = {
        "captured_on": date(2025, 1, 11),
        "distributor": "distrokid",
        "platform": "Apple Music",
        "window": "last_365_days",
        "isrc": None,
        "release_title": None,
        "source_file_id": file_id,
    }
    assert curated_rows("distributor_track_totals") == [
        {**track, "track_key": "Café Nocturne", "track_title": "Café Nocturne", "streams": 61},
        {**track, "track_key": "Low Orbit", "track_title": "Low Orbit", "streams": 4},
        {
            **track,
            "track_key": "Rock & Roll Static",
            "track_title": "Rock & Roll Static",
            "streams": 22,
        },
    ]


def test_ingest_path_keeps_chart_days_a_newer_capture_no_longer_shows(tmp_path: Path) -> None:
    # given a chart captured on 3 January, then one on 5 January whose window lost 1 January
    older = tmp_path / "older.html"
    older.write_bytes(_trend_page({"2025-01-01": 5, "2025-01-02": 6}))
    newer = tmp_path / "newer.html"
    newer.write_bytes(_trend_page({"2025-01-02": 7, "2025-01-03": 8}))
    with time_machine.travel(datetime(2025, 1, 3, 6, 0, tzinfo=UTC), tick=False):
        first = ingest_path(path=older)
    with time_machine.travel(datetime(2025, 1, 5, 6, 0, tzinfo=UTC), tick=False):
        second = ingest_path(path=newer)

    # then 1 January stays, 2 January is restated by the newer capture, 3 January is added
    assert [
        (row["date"], row["streams"], row["source_file_id"])
        for row in curated_rows("streams_daily")
    ] == [
        (date(2025, 1, 1), 5, first.lake_file_id),
        (date(2025, 1, 2), 7, second.lake_file_id),
        (date(2025, 1, 3), 8, second.lake_file_id),
    ]


def test_ingest_path_quarantines_a_chart_page_without_its_block_when_forced(
    fixture_path: PathOf, tmp_path: Path
) -> None:
    # given a page that mentions trend365day only as a div id
    page = tmp_path / "stats.html"
    page.write_bytes(b'<html><body><div id="trend365day"></div></body></html>')

    # when it is ingested, it is recognised as the Spotify chart and quarantined with the reason
    outcome = ingest_path(path=page)
    assert (outcome.result, outcome.source, outcome.reason) == (
        "rejected",
        "distrokid",
        "trend365day block missing",
    )
    assert LakeFile.objects.get(pk=outcome.lake_file_id).status == FileStatus.QUARANTINED
    assert list(curated_partitions("streams_daily")) == []
