"""Per-song timelines (SPEC 2.3): the song from the file name, quoted thousands, header variants."""

from __future__ import annotations

from datetime import date

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.spotify.tests.helpers import parse_fixture, rows


def _days(title: str, *streams: tuple[str, int]) -> list[dict]:
    return [
        {
            "account": "zonea0",
            "song_key": title.casefold(),
            "date": date.fromisoformat(day),
            "song_title": title,
            "streams": count,
        }
        for day, count in streams
    ]


def test_parse_song_timeline_reads_quoted_thousands() -> None:
    parsed = parse_fixture("Quoted Thousands-timeline.csv")
    assert (parsed.kind, parsed.schema_id) == ("song_timeline", "s4a_song_timeline")
    assert rows(parsed, "spotify_song_daily") == _days(
        "Quoted Thousands", ("2025-03-01", 1024), ("2025-03-02", 12345), ("2025-03-03", 987)
    )


def test_parse_song_timeline_reads_a_french_header_on_line_two() -> None:
    parsed = parse_fixture("French Header On Line Two-timeline.csv")
    assert rows(parsed, "spotify_song_daily") == _days(
        "French Header On Line Two", ("2025-03-01", 1024), ("2025-03-02", 77)
    )
    assert (parsed.encoding, parsed.warnings) == ("utf-8-sig", ["header_on_line line=2"])
    assert (parsed.rows_in, parsed.rejections) == (2, [])


def test_parse_song_timeline_reads_a_title_case_header() -> None:
    parsed = parse_fixture("Title Case Header-timeline.csv")
    assert rows(parsed, "spotify_song_daily") == _days(
        "Title Case Header", ("2025-03-01", 5), ("2025-03-02", 6)
    )


def test_parse_song_timeline_takes_the_song_from_a_browser_copy_name() -> None:
    parsed = parse_fixture(
        "Quoted Thousands-timeline.csv", original_name="Quoted Thousands-timeline (1).csv"
    )
    assert {row["song_title"] for row in rows(parsed, "spotify_song_daily")} == {"Quoted Thousands"}


def test_parse_song_timeline_quarantines_a_file_whose_name_has_no_song() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("song_timeline_without_song_in_name.csv")
    assert rejected.value.message == (
        "song timeline needs its song from the file name '<Song Title>-timeline.csv'; "
        "got 'song_timeline_without_song_in_name.csv'"
    )
