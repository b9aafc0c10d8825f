"""TooLost files from `ingest_path` to curated: exact rows, history kept, rows conserved."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db.models import Sum

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile, RejectedRow
from apps.warehouse.models import StatementLine
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

PathOf = Callable[[str], Path]
WriteFile = Callable[[str, bytes], Path]

CAPTURED_AT = datetime(2025, 2, 5, 6, 15, tzinfo=UTC)


def curated_rows(dataset: str) -> list[dict[str, object]]:
    """Every current curated row of a dataset, lineage time left out, in key order."""
    rows = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    for row in rows:
        del row["captured_at"]
    return sorted(rows, key=lambda row: [str(value) for value in row.values()])


def _spotify_capture(days: dict[str, int]) -> bytes:
    streams = [{"date": day, "streams": str(count)} for day, count in days.items()]
    return json.dumps({"streams": streams, "discovery": []}).encode()


def test_ingest_path_curates_a_spotify_response_by_content(fixture_path: PathOf) -> None:
    # given the Spotify analytics response, recognised from its keys alone
    with time_machine.travel(CAPTURED_AT, tick=False):
        outcome = ingest_path(path=fixture_path("analytics_spotify_unsorted_strings.json"))

    # then it went all the way, with every row accounted for
    assert (
        outcome.result,
        outcome.source,
        outcome.rows_in,
        outcome.rows_out,
        outcome.rows_rejected,
    ) == ("accepted", "toolost", 7, 7, 0)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.schema_id, lake_file.status) == (
        "analytics_spotify",
        "tl_analytics_spotify",
        FileStatus.LOADED,
    )
    assert (lake_file.period_start, lake_file.period_end) == (date(2025, 1, 29), date(2025, 2, 3))
    # and curated holds the five days (1 February still absent) and both Discovery months
    file_id = outcome.lake_file_id
    day = {"distributor": "toolost", "platform": "Spotify", "source_file_id": file_id}
    assert curated_rows("streams_daily") == [
        {"date": date(2025, 1, 29), **day, "streams": 9},
        {"date": date(2025, 1, 30), **day, "streams": 12},
        {"date": date(2025, 1, 31), **day, "streams": 0},
        {"date": date(2025, 2, 2), **day, "streams": 31},
        {"date": date(2025, 2, 3), **day, "streams": 1204},
    ]
    assert curated_rows("discovery_fees_monthly") == [
        {
            "distributor": "toolost",
            "month": date(2025, 1, 1),
            "streams": 310,
            "fees_usd": Decimal("0.279"),
            "source_file_id": file_id,
        },
        {
            "distributor": "toolost",
            "month": date(2025, 2, 1),
            "streams": 118,
            "fees_usd": Decimal("0.1062"),
            "source_file_id": file_id,
        },
    ]


def test_ingest_path_curates_an_apple_response_and_its_track_totals(fixture_path: PathOf) -> None:
    # given the Apple Music response and the one whose streamTotal is off
    with time_machine.travel(CAPTURED_AT, tick=False):
        outcome = ingest_path(path=fixture_path("analytics_apple.json"))
        mismatch = ingest_path(path=fixture_path("analytics_apple_total_mismatch.json"))

    # then both load; the mismatch is a warning on its file only
    assert (outcome.result, mismatch.result) == ("accepted", "accepted")
    assert LakeFile.objects.get(pk=outcome.lake_file_id).warnings == []
    assert LakeFile.objects.get(pk=mismatch.lake_file_id).warnings == [
        "stream_total_mismatch stream_total=45 sum_total_streams=42"
    ]
    # and the daily rows of both files sit side by side
    assert [(row["date"], row["streams"]) for row in curated_rows("streams_daily")] == [
        (date(2025, 1, 1), 4),
        (date(2025, 1, 2), 11),
        (date(2025, 1, 3), 7),
        (date(2025, 3, 1), 12),
        (date(2025, 3, 2), 30),
    ]
    # and the track totals are filed under the capture day, keyed by ISRC or title
    track = {
        "captured_on": date(2025, 2, 5),
        "distributor": "toolost",
        "platform": "Apple Music",
        "window": "this_year",
    }
    first, second = outcome.lake_file_id, mismatch.lake_file_id
    assert curated_rows("distributor_track_totals") == [
        {
            **track,
            "track_key": "Cold Open",
            "isrc": None,
            "track_title": "Cold Open",
            "release_title": "Cold Open",
            "streams": 2,
            "source_file_id": first,
        },
        {
            **track,
            "track_key": "QZTL22500011",
            "isrc": "QZTL22500011",
            "track_title": "Lanternfish",
            "release_title": "Lanternfish",
            "streams": 15,
            "source_file_id": first,
        },
        {
            **track,
            "track_key": "QZTL22500012",
            "isrc": "QZTL22500012",
            "track_title": "Tidepool Radio",
            "release_title": "Tidepool Radio",
            "streams": 5,
            "source_file_id": first,
        },
        {
            **track,
            "track_key": "QZTL22500014",
            "isrc": "QZTL22500014",
            "track_title": "Cold Open",
            "release_title": "Cold Open",
            "streams": 42,
            "source_file_id": second,
        },
    ]


def test_ingest_path_curates_a_sales_report_and_loads_its_lines(fixture_path: PathOf) -> None:
    # given the provisional sales report (site name @MM-YYYY-<id>.csv)
    outcome = ingest_path(
        path=fixture_path("sales_report_guessed_layout.csv"), original_name="@03-2025-18342.csv"
    )

    # then its four lines (one genuinely repeated) are curated and loaded for TooLost
    assert (outcome.result, outcome.source, outcome.rows_in, outcome.rows_out) == (
        "accepted",
        "toolost",
        4,
        4,
    )
    rows = curated_rows("statement_lines")
    assert [
        (row["distributor"], row["title"], row["occurrence"], row["earnings_usd"])
        for row in rows
        if row["title"] == "Vesper"
    ] == [
        ("toolost", "Vesper", 1, Decimal("0.2232")),
        ("toolost", "Vesper", 2, Decimal("0.2232")),
    ]
    assert len(rows) == 4
    loaded = StatementLine.objects.filter(distributor__code="toolost")
    assert loaded.count() == 4
    assert loaded.aggregate(total=Sum("earnings_usd"))["total"] == Decimal("1.9962")


def test_ingest_path_keeps_older_days_a_newer_capture_lacks(write_file: WriteFile) -> None:
    # given a capture of 1-5 January, then a newer one covering only 3-4 January
    older = write_file(
        "older.json",
        _spotify_capture(
            {
                "2025-01-01": 10,
                "2025-01-02": 20,
                "2025-01-03": 30,
                "2025-01-04": 40,
                "2025-01-05": 50,
            }
        ),
    )
    newer = write_file("newer.json", _spotify_capture({"2025-01-04": 44, "2025-01-03": 33}))
    with time_machine.travel(datetime(2025, 1, 6, 6, 15, tzinfo=UTC), tick=False):
        first = ingest_path(path=older)
    with time_machine.travel(datetime(2025, 1, 7, 6, 15, tzinfo=UTC), tick=False):
        second = ingest_path(path=newer)

    # then the days only the older capture has stay; the days both have take the newer value
    assert [
        (row["date"], row["streams"], row["source_file_id"])
        for row in curated_rows("streams_daily")
    ] == [
        (date(2025, 1, 1), 10, first.lake_file_id),
        (date(2025, 1, 2), 20, first.lake_file_id),
        (date(2025, 1, 3), 33, second.lake_file_id),
        (date(2025, 1, 4), 44, second.lake_file_id),
        (date(2025, 1, 5), 50, first.lake_file_id),
    ]


def test_ingest_path_conserves_rows_and_stores_the_rejected_one(write_file: WriteFile) -> None:
    # given 25 days of which one has a count that is not a number
    days = {f"2025-01-{n:02d}": n for n in range(1, 26)}
    content = _spotify_capture(days).replace(b'"streams": "7"', b'"streams": "seven"')
    outcome = ingest_path(path=write_file("spotify.json", content))

    # then rows_in = rows_out + rows_rejected and the rejection names its element
    assert (outcome.rows_in, outcome.rows_out, outcome.rows_rejected) == (25, 24, 1)
    rejected = RejectedRow.objects.get()
    assert (rejected.row_number, rejected.column, rejected.code) == (
        1,
        "streams[6].streams",
        "invalid_number",
    )
    assert rejected.raw_line == '{"date": "2025-01-07", "streams": "seven"}'
    assert len(curated_rows("streams_daily")) == 24


def test_ingest_path_refuses_json_that_is_nobody_s_and_says_why_when_forced(
    write_file: WriteFile,
) -> None:
    path = write_file("export.json", b'{"rows": [], "total": 0}')
    outcome = ingest_path(path=path)
    assert (outcome.result, outcome.reason) == ("rejected", "source not recognised; pass --source")
    forced = ingest_path(path=path, source_id="toolost")
    assert forced.result == "rejected"
    assert forced.reason == (
        "JSON is not a TooLost analytics response: expected the keys streams + discovery "
        "(Spotify) or totalStreams + streamTotal (Apple Music); keys found: 'rows', 'total'"
    )


def test_ingest_path_names_the_missing_column_of_a_report_without_source(
    write_file: WriteFile,
) -> None:
    # given a sales report whose Quantity column was dropped, ingested without --source
    content = (
        "Sale Date,Accounting Date,Reporting Date,Store,Artist,Title,Net Revenue,Split ID\n"
        "2025-04-10,2025-05-31,2025-06-15,Spotify,ZONE A0,The Scale,2.25,sp-1\n"
    )
    outcome = ingest_path(path=write_file("@06-2025-506.csv", content.encode()))

    # then it is quarantined as TooLost's, the reason naming the missing column (SPEC 3.3)
    assert (outcome.result, outcome.source) == ("rejected", "toolost")
    assert outcome.reason.startswith(
        "header is not a TooLost sales report; missing: quantity; headers found: 'Sale Date', "
        "'Accounting Date', 'Reporting Date', 'Store', 'Artist', 'Title', 'Net Revenue', "
        "'Split ID'; required: reporting date ("
    )
    assert LakeFile.objects.get(pk=outcome.lake_file_id).status == FileStatus.QUARANTINED
    assert not StatementLine.objects.exists()


def test_ingest_path_refuses_a_distrokid_statement_forced_as_toolost(write_file: WriteFile) -> None:
    # given a legacy DistroKid statement (TAB, CR-only) ingested with --source toolost
    header = (
        "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\t"
        "Team Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\t"
        "Earnings (USD)"
    )
    line = "2025-03-15\t2025-01\tSpotify\tZone A0\tCafe\t\t\t120\t100\tSong\tUS\t0\t0.42000000"
    path = write_file("DistroKid_1001.tsv", f"{header}\r{line}\r".encode())
    outcome = ingest_path(path=path, source_id="toolost")

    # then nothing is booked as TooLost revenue and the reason names the real layout
    assert (outcome.result, outcome.reason) == (
        "rejected",
        "header is a DistroKid bank statement (dk_legacy_13), not a TooLost sales report; "
        "pass --source distrokid",
    )
    assert not StatementLine.objects.exists()
