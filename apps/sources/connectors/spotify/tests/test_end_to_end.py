"""From `ingest_path` to curated: every S4A kind, the account rule and the history rule."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile, RejectedRow
from apps.sources.connectors.spotify.tests.helpers import FIXTURES
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db

LINEAGE = ("source_file_id", "captured_at")
ZONEA0_ID = "62owJQCD2XzVB2o19CVsFM"


def _ingest(name: str, *, account: str = "zonea0", at: datetime | None = None) -> IngestOutcome:
    moment = at or datetime(2025, 3, 31, 21, 30, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        return ingest_path(path=FIXTURES / name, account=account)


def _curated(dataset: str) -> list[dict[str, object]]:
    """Current curated rows without lineage columns, in key order."""
    found = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    return [{k: v for k, v in row.items() if k not in LINEAGE} for row in found]


def _audience(day: str, listeners: int, streams: int, followers: int) -> dict[str, object]:
    return {
        "account": "zonea0",
        "date": date.fromisoformat(day),
        "artist_id": ZONEA0_ID,
        "listeners": listeners,
        "streams": streams,
        "followers": followers,
        "playlist_adds": None,
        "saves": None,
    }


def _counts(outcome: IngestOutcome) -> tuple[str, str, int | None, int | None, int | None]:
    return (
        outcome.result,
        outcome.source,
        outcome.rows_in,
        outcome.rows_out,
        outcome.rows_rejected,
    )


def test_ingest_audience_timeline_reaches_curated() -> None:
    outcome = _ingest("audience_timeline_four_columns.csv")
    assert _counts(outcome) == ("accepted", "spotify", 3, 3, 0)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.status, lake_file.schema_id) == (
        "audience_timeline",
        FileStatus.LOADED,
        "s4a_audience_timeline_v1",
    )
    assert (lake_file.period_start, lake_file.period_end) == (date(2025, 1, 1), date(2025, 1, 3))
    assert _curated("spotify_audience_daily") == [
        _audience("2025-01-01", 120, 250, 1000),
        _audience("2025-01-02", 130, 261, 1003),
        _audience("2025-01-03", 95, 190, 1004),
    ]


def test_ingest_newer_audience_timeline_keeps_older_days_and_restates_overlaps() -> None:
    # given a timeline of Jan 1-3, then a newer one of Jan 3-4 that restates Jan 3
    older = _ingest(
        "audience_timeline_older_jan01_to_jan03.csv", at=datetime(2025, 1, 4, tzinfo=UTC)
    )
    newer = _ingest(
        "audience_timeline_newer_restates_jan03.csv", at=datetime(2025, 1, 5, tzinfo=UTC)
    )
    # then the older days stay, Jan 3 takes the newer value, Jan 4 is added
    assert (older.result, newer.result) == ("accepted", "accepted")
    assert _curated("spotify_audience_daily") == [
        _audience("2025-01-01", 120, 250, 1000),
        _audience("2025-01-02", 130, 261, 1003),
        _audience("2025-01-03", 97, 199, 1004),
        _audience("2025-01-04", 101, 205, 1006),
    ]


def test_ingest_spotify_csv_without_account_is_rejected() -> None:
    outcome = _ingest("audience_timeline_four_columns.csv", account="")
    assert (outcome.result, outcome.source, outcome.reason) == (
        "rejected",
        "spotify",
        "account required for spotify; pass --account",
    )
    assert list(curated_partitions("spotify_audience_daily")) == []


def test_ingest_songs_summary_reaches_curated_with_the_aggregate_row_accounted() -> None:
    outcome = _ingest("titles_with_question_mark_and_slash-songs-28day.csv")
    assert _counts(outcome) == ("accepted", "spotify", 4, 3, 1)
    rejected = RejectedRow.objects.get(lake_file_id=outcome.lake_file_id)
    assert (rejected.row_number, rejected.column, rejected.code) == (2, "song", "aggregate_row")
    curated = _curated("spotify_song_windows")
    assert [
        (row["song_key"], row["window"], row["captured_on"], row["streams"], row["listeners"])
        for row in curated
    ] == [
        ("who is listening?", "28day", date(2025, 3, 31), 900, 300),
        ("ac/dc current", "28day", date(2025, 3, 31), 330, 110),
        ("halo, inverted", "28day", date(2025, 3, 31), 0, 0),
    ]


def test_ingest_song_timeline_reaches_curated() -> None:
    outcome = _ingest("French Header On Line Two-timeline.csv", account="pig1987")
    assert _counts(outcome) == ("accepted", "spotify", 2, 2, 0)
    assert _curated("spotify_song_daily") == [
        {
            "account": "pig1987",
            "song_key": "french header on line two",
            "date": date(2025, 3, 1),
            "song_title": "French Header On Line Two",
            "streams": 1024,
        },
        {
            "account": "pig1987",
            "song_key": "french header on line two",
            "date": date(2025, 3, 2),
            "song_title": "French Header On Line Two",
            "streams": 77,
        },
    ]


def test_ingest_songs_api_reaches_curated_with_the_account_from_the_name() -> None:
    outcome = _ingest("spotify_songs_1Eu67EqPy2NutiM0lqCarw_1year_20251202_132232.json", account="")
    assert _counts(outcome) == ("accepted", "spotify", 1, 1, 0)
    assert _curated("spotify_song_windows") == [
        {
            "account": "pig1987",
            "song_key": "mud season",
            "window": "1year",
            "captured_on": date(2025, 3, 31),
            "spotify_track_id": "3kXqPZmRdg8Y1o8r2VbXcQ",
            "song_title": "Mud Season",
            "release_date": date(2023, 11, 3),
            "streams": 20000,
            "listeners": 7000,
            "saves": 500,
            "canvas_views": 0,
            "is_disabled": False,
        }
    ]


def test_ingest_songs_api_on_a_later_day_adds_a_snapshot_and_keeps_the_first() -> None:
    _ingest("songs_api_bare_songs_list_time-filter=7day.json", at=datetime(2025, 3, 30, tzinfo=UTC))
    _ingest("songs_api_wrapped_time-filter=28day.json", at=datetime(2025, 3, 31, tzinfo=UTC))
    keys = [
        (row["song_key"], row["window"], row["captured_on"])
        for row in _curated("spotify_song_windows")
    ]
    assert sorted(keys) == [
        ("static bloom", "28day", date(2025, 3, 31)),
        ("static bloom", "7day", date(2025, 3, 30)),
        ("who is listening?", "28day", date(2025, 3, 31)),
    ]
