"""TikTok Studio exports: overview, content and followers (SPEC 2.4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload, RowError
from apps.sources.connectors.tiktok import samples
from apps.sources.connectors.tiktok.parse import parse_tiktok

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]
CAPTURED = datetime(2026, 5, 10, 12, tzinfo=UTC)


def _parse(path: Path, *, account: str = "zonea0", fraction: float = 0.05) -> ParsedFile:
    payload = Payload(path=path, original_name=path.name, account=account, captured_at=CAPTURED)
    return parse_tiktok(payload, max_rejected_fraction=fraction)


def test_studio_overview_bom_trailing_space_nan_and_extras(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given an overview with a BOM, `Website clicks ` (trailing space), `NaN` reached audience
    # and three unconfirmed middle columns
    path = write_file(fixture_bytes("studio_overview_bom_trailing_space_nan.csv"), "overview.csv")

    # when it is parsed
    parsed = _parse(path)

    # then every confirmed column is typed, NaN is null, net growth is signed, and the middle
    # columns are kept as written in extras
    rows = parsed.tables["tiktok_daily"].to_pylist()
    assert rows[0] == {
        "account": "zonea0",
        "date": date(2026, 5, 4),
        "video_views": 1520,
        "profile_views": 41,
        "likes": 203,
        "comments": 17,
        "shares": 12,
        "reached_audience": None,
        "website_clicks": 3,
        "new_followers": 14,
        "lost_followers": 5,
        "net_followers": 9,
        "followers_total": None,
        "export_kind": "studio_overview",
        "extras": (
            '{"App download link clicks":"0","Lead submissions":"0","Phone number clicks":"0"}'
        ),
    }
    assert [(row["date"], row["reached_audience"], row["net_followers"]) for row in rows] == [
        (date(2026, 5, 4), None, 9),
        (date(2026, 5, 5), 640, -2),
        (date(2026, 5, 6), 801, 6),
    ]
    assert rows[2]["extras"] == (
        '{"App download link clicks":"0","Lead submissions":"0","Phone number clicks":null}'
    )
    assert (parsed.kind, parsed.encoding, parsed.line_ending, parsed.rows_in) == (
        "studio_overview",
        "utf-8-sig",
        "CRLF",
        3,
    )
    assert parsed.warnings == [
        "schema_changed kind=studio_overview new_columns='Phone number clicks',"
        "'Lead submissions','App download link clicks'"
    ]
    assert parsed.unknown_columns == [
        "Phone number clicks",
        "Lead submissions",
        "App download link clicks",
    ]


def test_studio_overview_without_optional_columns_notes_them(write_file: WriteFile) -> None:
    # given an overview with only the four columns that identify it
    content = samples.studio_csv(
        "Date,Video views,Reached audience,Profile views", [("2026/05/04", 10, 8, 1)]
    )
    path = write_file(content, "overview.csv")

    # when parsed; then the row loads and the absent columns are named, not silently null
    parsed = _parse(path)
    assert parsed.tables["tiktok_daily"].num_rows == 1
    assert parsed.warnings == [
        "columns_missing kind=studio_overview columns=comments,likes,lost_followers,"
        "net_followers,new_followers,shares,website_clicks"
    ]


def test_studio_overview_bad_date_row_is_rejected_with_its_line(write_file: WriteFile) -> None:
    # given an overview whose second row has a day-first date
    rows = [("2026/05/04", 1, 1, 1), ("04/05/2026", 2, 2, 2), ("2026/05/06", 3, 3, 3)]
    content = samples.studio_csv("Date,Video views,Reached audience,Profile views", rows)
    path = write_file(content, "overview.csv")

    # when parsed with the share limit lifted
    parsed = _parse(path, fraction=1)

    # then that row is rejected with row, column and reason
    assert parsed.rejections == [
        RowError(
            3,
            "Date",
            "invalid_date",
            "Date '04/05/2026' is not a YYYY/MM/DD date",
            "04/05/2026,2,2,2",
        )
    ]
    assert parsed.tables["tiktok_daily"].column("date").to_pylist() == [
        date(2026, 5, 4),
        date(2026, 5, 6),
    ]


def test_studio_content_keeps_quoted_titles_and_post_times(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a content export whose titles hold a comma and doubled quotes
    path = write_file(fixture_bytes("studio_content_quoted_titles.csv"), "content.csv")

    # when parsed
    parsed = _parse(path)

    # then one video row per link on the capture date
    assert parsed.tables["tiktok_videos"].to_pylist() == [
        {
            "account": "zonea0",
            "video_link": "https://www.tiktok.com/@zone.a0/video/7499000000000000001",
            "captured_on": date(2026, 5, 10),
            "title": "new track out now, link in bio",
            "posted_at": datetime(2026, 5, 1, 18, 30),  # noqa: DTZ001 - Studio's wall clock
            "views": 12040,
            "likes": 1503,
            "comments": 88,
            "shares": 41,
            "favorites": 230,
        },
        {
            "account": "zonea0",
            "video_link": "https://www.tiktok.com/@zone.a0/video/7499000000000000002",
            "captured_on": date(2026, 5, 10),
            "title": 'studio day "part 2"',
            "posted_at": datetime(2026, 5, 3, 9, 5),  # noqa: DTZ001
            "views": 3310,
            "likes": 402,
            "comments": 17,
            "shares": 6,
            "favorites": 51,
        },
    ]


def test_studio_followers_total_per_dated_row(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a followers export with dated rows
    path = write_file(fixture_bytes("studio_followers_dated.csv"), "followers.csv")

    # when parsed
    parsed = _parse(path)

    # then each day's total is a snapshot of that day; the columns without a home are named
    assert parsed.tables["tiktok_follower_snapshots"].to_pylist() == [
        {"account": "zonea0", "captured_on": date(2026, 5, 4), "followers": 2301},
        {"account": "zonea0", "captured_on": date(2026, 5, 5), "followers": 2299},
    ]
    assert "tiktok_daily" not in parsed.tables
    assert parsed.warnings == [
        "columns_not_stored kind=studio_followers columns=new_followers,engaged_audience"
    ]


def test_studio_followers_without_dates_is_a_snapshot_on_the_capture_date(
    write_file: WriteFile,
) -> None:
    # given a followers summary without a Date column
    content = samples.studio_csv(
        "New followers,Total followers,Engaged audience", [(14, 2315, 530)]
    )
    path = write_file(content, "followers.csv")

    # when parsed; then one snapshot on the capture day only
    parsed = _parse(path)
    assert parsed.tables["tiktok_follower_snapshots"].to_pylist() == [
        {"account": "zonea0", "captured_on": date(2026, 5, 10), "followers": 2315}
    ]


def test_studio_header_of_another_tool_is_rejected_with_the_headers_found(
    write_file: WriteFile,
) -> None:
    # given a CSV whose header matches no TikTok layout
    path = write_file(samples.studio_csv("Day,Plays", [("2026/05/04", 3)]), "plays.csv")

    # when parsed; then the message lists what it found
    with pytest.raises(FileRejected) as rejected:
        _parse(path)
    assert rejected.value.message == (
        "content is not a TikTok export: header 'Day', 'Plays' matches no layout (Studio "
        "overview, content or followers; legacy Overview)"
    )


def test_studio_overview_duplicate_column_is_rejected(write_file: WriteFile) -> None:
    # given an overview with Likes twice
    content = samples.studio_csv(
        "Date,Video views,Reached audience,Profile views,Likes,likes",
        [("2026/05/04", 1, 1, 1, 1, 1)],
    )
    path = write_file(content, "overview.csv")

    # when parsed; then refused: which Likes is meant is unknowable
    with pytest.raises(FileRejected) as rejected:
        _parse(path)
    assert rejected.value.message == "file: column 'likes' appears twice"
