"""YouTube Studio export zips (SPEC 2.7): the Total control row, header detection, UTF-16 with
preamble lines, value conversions and the export's period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, ParsedFile, RowError
from apps.sources.connectors.youtube.tests.helpers import (
    FIXTURES,
    parse_path,
    parse_studio,
    rows,
    zip_bytes,
)

TOTAL_RAW = "Total,,,,1645,87.3125,9,19900,8.27"


def _video(
    video_id: str,
    title: str,
    published_on: date,
    duration_s: int,
    views: int,
    hours: float,
    subscribers: int,
    impressions: int,
    ctr: float,
) -> dict[str, object]:
    return {
        "channel": "zonea0",
        "video_id": video_id,
        "period_start": date(2025, 3, 1),
        "period_end": date(2025, 3, 3),
        "title": title,
        "published_on": published_on,
        "duration_s": duration_s,
        "views": views,
        "watch_time_hours": hours,
        "subscribers": subscribers,
        "impressions": impressions,
        "impressions_ctr": ctr,
        "estimated_revenue_usd": None,
    }


THREE_VIDEOS = [
    _video(
        "Pk7mUdSeas1",
        "PIG1987 - MUD SEASON (Visualizer)",
        date(2024, 6, 21),
        211,
        400,
        24.0625,
        3,
        5000,
        0.08,
    ),
    _video(
        "dQ4wZ0neA0x",
        "ZONE A0 - NOCTURNES (Official Video)",
        date(2024, 3, 5),
        183,
        1200,
        61.25,
        7,
        14000,
        0.0857,
    ),
    _video(
        "r3Ve_rb-T0n", "ZONE A0 - reverb tone #shorts", date(2025, 1, 9), 31, 45, 2.0, -1, 900, 0.05
    ),
]


def _snapshots(parsed: ParsedFile) -> list[dict[str, object]]:
    return rows(parsed, "youtube_video_snapshots")


def test_parse_studio_keeps_the_total_row_as_a_control_and_loads_the_videos(
    tmp_path: Path,
) -> None:
    # given a table whose Total row (1645 views) matches its three video rows
    parsed = parse_studio(tmp_path, table="studio_table_total_row_then_three_videos.csv")
    # then the videos load with CTR percents as fractions, net subscribers kept negative
    assert rows(parsed, "youtube_video_snapshots") == THREE_VIDEOS
    # and the Total row is an expected rejection: recorded, not loaded, not counted against
    assert parsed.rejections == [
        RowError(2, "*", "control_total_row", "Total row: the control total, not loaded", TOTAL_RAW)
    ]
    assert (parsed.kind, parsed.schema_id, parsed.account) == (
        "studio_zip",
        "youtube_studio_table_v1",
        "zonea0",
    )
    # (the Total row, 3 videos and the 3 days of Totals.csv in; the videos and days out)
    assert (parsed.rows_in, parsed.rows_out, parsed.encoding, parsed.delimiter) == (
        7,
        6,
        "utf-8",
        ",",
    )
    assert parsed.warnings == []


def test_parse_studio_reads_a_utf16_tab_table_after_preamble_lines(tmp_path: Path) -> None:
    # given the same table re-saved as UTF-16 with a BOM, tab-separated, under two preamble lines
    parsed = parse_studio(tmp_path, table="studio_table_utf16_tab_with_preamble.csv")
    # then the header is found by its text and the rows are the same
    assert rows(parsed, "youtube_video_snapshots") == THREE_VIDEOS
    assert (parsed.encoding, parsed.delimiter, parsed.line_ending) == ("utf-16", "\t", "CRLF")
    assert [error.row for error in parsed.rejections] == [5]


def test_parse_studio_rejects_a_total_that_the_rows_do_not_add_up_to(tmp_path: Path) -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_studio(tmp_path, table="studio_table_total_views_1650_rows_sum_1645.csv")
    assert rejected.value.message == (
        "control total mismatch in Table data.csv: Total row 'Views' is 1650, "
        "the video rows sum to 1645"
    )


def test_parse_studio_keeps_revenue_exact_and_notes_an_unknown_column(tmp_path: Path) -> None:
    # given a table with revenue, Likes (known, not kept) and a column nobody knows
    parsed = parse_studio(tmp_path, table="studio_table_revenue_likes_and_unknown_column.csv")
    assert [
        (row["video_id"], row["title"], row["views"], row["estimated_revenue_usd"])
        for row in rows(parsed, "youtube_video_snapshots")
    ] == [
        ("Pk7mUdSeas1", "MUD SEASON", 100, Decimal("0.300")),
        ("dQ4wZ0neA0x", "NOCTURNES", 200, Decimal("0.934")),
    ]
    assert parsed.warnings == ["columns_ignored names='Mystery metric'"]
    assert parsed.unknown_columns == ["Mystery metric"]


def test_parse_studio_rejects_a_table_without_the_required_columns(tmp_path: Path) -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_studio(tmp_path, table="studio_table_without_views_column.csv")
    assert rejected.value.message == (
        "Table data.csv header not recognised; headers found: 'Content', 'Video title', "
        "'Watch time (hours)'; required: video_id (one of: content, video id); "
        "views (one of: views)"
    )


def test_parse_studio_rejects_one_bad_publish_date_row_and_still_checks_the_total(
    tmp_path: Path,
) -> None:
    # given 21 video rows, one with an unreadable publish date; the Total counts all 21
    parsed = parse_studio(tmp_path, table="studio_table_bad_publish_date_in_1_of_21_rows.csv")
    # then that row is rejected, the other 20 load, and the control total still matches
    assert parsed.tables["youtube_video_snapshots"].num_rows == 20
    # (21 videos, the Total row and the 3 days of Totals.csv)
    assert (parsed.rows_in, parsed.rows_out) == (25, 23)
    # (line 1 is the header, line 2 the Total, video i on line i + 3)
    assert parsed.rejections[1] == RowError(
        row=9,
        column="Video publish time",
        code="invalid_date",
        message="Video publish time 'Smarch 5, 2024' is not a date",
        raw_line='vid00000006,Video 6,"Smarch 5, 2024",60,16,1.0,0,100,1.0',
    )


def test_parse_studio_rejects_a_video_id_in_scientific_notation(tmp_path: Path) -> None:
    parsed = parse_studio(tmp_path, table="studio_table_scientific_notation_id_in_1_of_21_rows.csv")
    rejected = parsed.rejections[1]
    assert (rejected.row, rejected.column, rejected.code) == (6, "Content", "id_lost_precision")
    assert "1.23457E+10" not in parsed.tables["youtube_video_snapshots"].column("video_id")


def test_parse_studio_takes_the_period_from_the_name_when_totals_are_missing(
    tmp_path: Path,
) -> None:
    parsed = parse_studio(
        tmp_path,
        table="studio_table_total_row_then_three_videos.csv",
        totals=None,
        name="Content 2025-02-01_2025-02-28 ZONE A0.zip",
    )
    periods = {(row["period_start"], row["period_end"]) for row in _snapshots(parsed)}
    assert periods == {(date(2025, 2, 1), date(2025, 2, 28))}


def test_parse_studio_takes_the_period_from_chart_data_as_a_last_resort(tmp_path: Path) -> None:
    parsed = parse_studio(
        tmp_path,
        table="studio_table_total_row_then_three_videos.csv",
        totals=None,
        chart="studio_chart_data_mar01_to_mar02.csv",
        name="export.zip",
    )
    periods = {(row["period_start"], row["period_end"]) for row in _snapshots(parsed)}
    assert periods == {(date(2025, 3, 1), date(2025, 3, 2))}


def test_parse_studio_without_any_period_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="period of the Studio export unknown"):
        parse_studio(
            tmp_path,
            table="studio_table_total_row_then_three_videos.csv",
            totals=None,
            name="export.zip",
        )


def test_parse_studio_without_account_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_studio(tmp_path, table="studio_table_total_row_then_three_videos.csv", account="")
    assert rejected.value.message == "account required for youtube; pass --account"


def test_parse_studio_without_table_data_names_the_entries_found(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(zip_bytes({"Totals.csv": b"Date,Views\n", "notes.txt": b"hello"}))
    with pytest.raises(FileRejected) as rejected:
        parse_path(path, account="zonea0")
    assert rejected.value.message == (
        "Studio export has no 'Table data.csv'; entries found: 'notes.txt'"
    )


def test_parse_studio_finds_entries_inside_a_folder_whatever_their_case(tmp_path: Path) -> None:
    table = (FIXTURES / "studio_table_total_row_then_three_videos.csv").read_bytes()
    totals = (FIXTURES / "studio_totals_mar01_to_mar03.csv").read_bytes()
    path = tmp_path / "export.zip"
    path.write_bytes(zip_bytes({"Content/TABLE DATA.csv": table, "Content/Totals.csv": totals}))
    parsed = parse_path(path, account="zonea0")
    assert rows(parsed, "youtube_video_snapshots") == THREE_VIDEOS
