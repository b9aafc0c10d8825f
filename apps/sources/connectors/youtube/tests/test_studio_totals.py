"""Studio `Totals.csv`: the channel's views per day become `youtube_daily` channel rows with
views only; unreadable rows are rejected naming the entry, a file of them is quarantined."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, ParsedFile, RowError
from apps.sources.connectors.youtube.tests.helpers import (
    FIXTURES,
    STUDIO_NAME,
    parse_path,
    parse_studio,
    rows,
    zip_bytes,
)

MARCH_1 = date(2025, 3, 1)


def _day(day: date, views: int) -> dict[str, object]:
    return {
        "channel": "zonea0",
        "date": day,
        "video_id": "*",
        "views": views,
        "engaged_views": None,
        "minutes_watched": None,
        "subscribers_gained": None,
        "subscribers_lost": None,
        "likes": None,
        "shares": None,
        "comments": None,
    }


def _parse_with_totals(directory: Path, totals: str) -> ParsedFile:
    """The three-video table with the given Totals.csv text."""
    table = (FIXTURES / "studio_table_total_row_then_three_videos.csv").read_bytes()
    path = directory / STUDIO_NAME
    path.write_bytes(zip_bytes({"Table data.csv": table, "Totals.csv": totals.encode()}))
    return parse_path(path, account="zonea0")


def _march_days(views: list[str]) -> str:
    """`Date,Views` with one line per March day from the 1st, as Studio writes it."""
    lines = [f"{MARCH_1 + timedelta(days=n)},{count}" for n, count in enumerate(views)]
    return "\n".join(["Date,Views", *lines]) + "\n"


def test_parse_studio_loads_each_totals_day_as_a_views_only_channel_row(tmp_path: Path) -> None:
    # given Totals.csv of Mar 1-3: 600, 545 and 500 views
    parsed = parse_studio(tmp_path, table="studio_table_total_row_then_three_videos.csv")
    # then each day is a channel row (`*`) carrying its views and no other measure
    assert rows(parsed, "youtube_daily") == [
        _day(date(2025, 3, 1), 600),
        _day(date(2025, 3, 2), 545),
        _day(date(2025, 3, 3), 500),
    ]


def test_parse_studio_rejects_a_negative_day_naming_the_totals_entry(tmp_path: Path) -> None:
    # given 21 days of Totals.csv, Mar 10 (line 11) with -4 views
    views = ["30"] * 21
    views[9] = "-4"
    parsed = _parse_with_totals(tmp_path, _march_days(views))
    # then that day is rejected with its Totals.csv line and column; the other 20 load
    assert parsed.rejections[1:] == [
        RowError(
            row=11,
            column="Totals.csv:Views",
            code="negative_count",
            message="Totals.csv:Views -4 is negative",
            raw_line="2025-03-10,-4",
        )
    ]
    assert parsed.tables["youtube_daily"].num_rows == 20
    # (the Total row and 3 videos, and 21 days)
    assert (parsed.rows_in, parsed.rows_out) == (25, 23)


def test_parse_studio_rejects_a_day_given_twice(tmp_path: Path) -> None:
    # given 21 days of Totals.csv whose last line (22) repeats Mar 1
    text = _march_days(["30"] * 20) + "2025-03-01,31\n"
    parsed = _parse_with_totals(tmp_path, text)
    # then the repeat is rejected and the first value of Mar 1 stays
    assert parsed.rejections[1:] == [
        RowError(
            row=22,
            column="Totals.csv:*",
            code="duplicate_key",
            message="day 2025-03-01 was already given on line 2",
            raw_line="2025-03-01,31",
        )
    ]
    assert rows(parsed, "youtube_daily")[0] == _day(MARCH_1, 30)


def test_parse_studio_quarantines_totals_with_too_many_unreadable_days(tmp_path: Path) -> None:
    # given 3 days, one of them unreadable: 1 of the file's 6 counted rows (over 5 %)
    with pytest.raises(FileRejected) as rejected:
        _parse_with_totals(tmp_path, "Date,Views\n2025-03-01,600\n2025-03-02,lots\n2025-03-03,5\n")
    assert rejected.value.message == (
        "1 of 6 rows rejected (16.7%, more than the 5% allowed); first: row 3 column "
        "'Totals.csv:Views' invalid_number: Totals.csv:Views 'lots' is not a number"
    )


def test_parse_studio_without_views_in_totals_loads_no_days_and_says_why(tmp_path: Path) -> None:
    # given a Totals.csv with dates but no Views column
    parsed = _parse_with_totals(tmp_path, "Date,Watch time (hours)\n2025-03-01,4.5\n")
    # then no day is loaded, the note says why, and the dates still give the period
    assert "youtube_daily" not in parsed.tables
    assert parsed.warnings == [
        "totals_views_not_loaded name=Totals.csv reason='no Date and Views header'"
    ]
    assert rows(parsed, "youtube_video_snapshots")[0]["period_end"] == date(2025, 3, 1)
