"""Audience timeline exports (SPEC 2.3): 4 or 6 columns, daily values, running followers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, RowError
from apps.sources.connectors.registry import detect_source
from apps.sources.connectors.spotify.tests.helpers import parse_fixture, parse_path, rows

ZONEA0_ID = "62owJQCD2XzVB2o19CVsFM"


def _day(day: str, listeners: int, streams: int, followers: int, **more: int | None) -> dict:
    return {
        "account": "zonea0",
        "date": date.fromisoformat(day),
        "artist_id": ZONEA0_ID,
        "listeners": listeners,
        "streams": streams,
        "followers": followers,
        "playlist_adds": more.get("playlist_adds"),
        "saves": more.get("saves"),
    }


def test_parse_audience_timeline_reads_the_four_column_layout() -> None:
    # given the older layout without playlist adds and saves
    # when it is parsed for zonea0
    parsed = parse_fixture("audience_timeline_four_columns.csv")
    # then every day is kept, the missing columns are unknown, nothing is rejected
    assert (parsed.kind, parsed.schema_id, parsed.account) == (
        "audience_timeline",
        "s4a_audience_timeline_v1",
        "zonea0",
    )
    assert rows(parsed, "spotify_audience_daily") == [
        _day("2025-01-01", 120, 250, 1000),
        _day("2025-01-02", 130, 261, 1003),
        _day("2025-01-03", 95, 190, 1004),
    ]
    assert (parsed.rows_in, parsed.rows_out, parsed.rejections) == (3, 3, [])
    assert (parsed.encoding, parsed.delimiter, parsed.line_ending) == ("utf-8", ",", "LF")


def test_parse_audience_timeline_reads_playlist_adds_saves_and_quoted_thousands() -> None:
    parsed = parse_fixture("audience_timeline_with_playlist_adds_and_saves.csv")
    assert parsed.schema_id == "s4a_audience_timeline_v2"
    assert parsed.line_ending == "CRLF"
    assert rows(parsed, "spotify_audience_daily") == [
        _day("2025-02-01", 140, 300, 1100, playlist_adds=2, saves=9),
        _day("2025-02-02", 150, 1024, 1102),
    ]


def test_parse_audience_timeline_rejects_one_bad_date_and_keeps_the_rest() -> None:
    parsed = parse_fixture("audience_timeline_one_bad_date_in_21_rows.csv")
    assert (parsed.rows_in, parsed.rows_out) == (21, 20)
    assert parsed.rejections == [
        RowError(
            row=12,
            column="date",
            code="invalid_date",
            message="date '2025-13-01' is not a YYYY-MM-DD date",
            raw_line="2025-13-01,1,2,3",
        )
    ]
    assert parsed.tables["spotify_audience_daily"].num_rows == 20


def test_parse_audience_timeline_quarantines_a_file_with_more_than_5_percent_bad_rows() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("audience_timeline_one_negative_count_in_3_rows.csv")
    assert rejected.value.message == (
        "1 of 3 rows rejected (33.3%, more than the 5% allowed); "
        "first: row 3 column 'listeners' negative_count: listeners -4 is negative"
    )


def test_parse_audience_timeline_rejects_a_repeated_day(tmp_path: Path) -> None:
    lines = ["date,listeners,streams,followers"]
    lines += [f"2025-01-{day:02d},1,2,3" for day in range(1, 25)]
    lines.append("2025-01-05,9,9,9")
    path = tmp_path / "audience.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_path(path)
    assert (parsed.rows_in, parsed.rows_out) == (25, 24)
    assert [(e.row, e.code) for e in parsed.rejections] == [(26, "duplicate_key")]
    assert parsed.rejections[0].message == ("key ('zonea0', 2025-01-05) was already given on row 6")


def test_parse_audience_timeline_accepts_a_new_column_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "audience.csv"
    path.write_text(
        "date,listeners,streams,followers,Superfans\n2025-01-01,1,2,3,4\n", encoding="utf-8"
    )
    parsed = parse_path(path)
    assert parsed.warnings == ["schema_changed kind=audience_timeline new_columns='Superfans'"]
    assert parsed.unknown_columns == ["Superfans"]
    assert rows(parsed, "spotify_audience_daily") == [_day("2025-01-01", 1, 2, 3)]


def test_parse_audience_timeline_names_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "audience.csv"
    path.write_text("date,listeners,followers,views\n2025-01-01,1,2,3\n", encoding="utf-8")
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)
    assert rejected.value.message == (
        "header is not a Spotify for Artists export; missing columns: 'streams'; "
        "unexpected columns: 'views'; expected (audience_timeline): 'date', 'listeners', "
        "'streams', 'followers', 'playlist_adds', 'saves'"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty"),
        (b"\x89PNG\r\n\x1a\n....", "content does not match .csv (looks like a PNG image)"),
        (b"date,streams\x00\n", "content is not a text CSV file (NUL bytes found)"),
    ],
)
def test_parse_csv_quarantines_empty_and_binary_files(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)
    assert rejected.value.message == reason


@pytest.mark.parametrize(
    ("header", "missing", "expected"),
    [
        ("date,listeners,streams", "'followers'", "audience_timeline"),
        ("song,listeners,streams,release_date", "'saves'", "songs_summary"),
    ],
)
def test_a_file_missing_one_column_is_claimed_without_source_and_names_it(
    tmp_path: Path, header: str, missing: str, expected: str
) -> None:
    # given an S4A export with one required column dropped (never a song timeline)
    path = tmp_path / "export-songs-28day.csv"
    path.write_text(f"{header}\n2025-01-01,1,2,3\n", encoding="utf-8")

    # when it is detected from content and parsed
    detected = detect_source(path.read_bytes(), path.name)
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)

    # then it is S4A's, and the rejection names the missing column against the right layout
    assert detected == [("spotify", expected)]
    assert f"missing columns: {missing}; unexpected columns: none; expected ({expected})" in (
        rejected.value.message
    )
