"""Songs summary exports (SPEC 2.3): window from the name, the artist's total row, `all` zeros."""

from __future__ import annotations

from datetime import date

import pytest

from apps.sources.connectors.base import FileRejected, RowError
from apps.sources.connectors.spotify.tests.helpers import parse_fixture, rows

CAPTURED_ON = date(2025, 3, 31)


def _song(
    title: str,
    window: str,
    streams: int,
    listeners: int | None,
    saves: int | None,
    release: str | None,
) -> dict:
    return {
        "account": "zonea0",
        "song_key": title.casefold(),
        "window": window,
        "captured_on": CAPTURED_ON,
        "spotify_track_id": None,
        "song_title": title,
        "release_date": date.fromisoformat(release) if release else None,
        "streams": streams,
        "listeners": listeners,
        "saves": saves,
        "canvas_views": None,
        "is_disabled": None,
    }


def test_parse_songs_summary_keeps_titles_with_question_marks_and_slashes() -> None:
    # given a 28-day summary whose first row is the artist's own total
    parsed = parse_fixture("titles_with_question_mark_and_slash-songs-28day.csv")
    # then the window comes from the name and the songs are kept as written
    assert (parsed.kind, parsed.schema_id) == ("songs_summary", "s4a_songs_summary")
    assert rows(parsed, "spotify_song_windows") == [
        _song("Who Is Listening?", "28day", 900, 300, 20, "2024-09-13"),
        _song("AC/DC Current", "28day", 330, 110, 11, "2025-01-17"),
        _song("Halo, Inverted", "28day", 0, 0, 0, None),
    ]


def test_parse_songs_summary_records_the_artist_total_as_an_aggregate_rejection() -> None:
    parsed = parse_fixture("titles_with_question_mark_and_slash-songs-28day.csv")
    # the aggregate row is accounted for, and does not push the file over the 5 % threshold
    assert (parsed.rows_in, parsed.rows_out) == (4, 3)
    assert parsed.rejections == [
        RowError(
            row=2,
            column="song",
            code="aggregate_row",
            message="song 'ZONE A0' is the artist's own total, not a song",
            raw_line="ZONE A0,410,1230,31,",
        )
    ]


def test_parse_songs_summary_stores_all_time_listeners_and_saves_as_unknown() -> None:
    parsed = parse_fixture("all_window_zero_listeners_and_saves-songs-all.csv")
    assert rows(parsed, "spotify_song_windows") == [
        _song("Café Nocturne", "all", 20000, None, None, "2024-02-09"),
        _song("Static Bloom", "all", 5000, None, None, "2024-02-09"),
    ]


def test_parse_songs_summary_keeps_the_artist_name_as_a_song_of_another_account() -> None:
    parsed = parse_fixture("all_window_zero_listeners_and_saves-songs-all.csv", account="pig1987")
    titles = [row["song_title"] for row in rows(parsed, "spotify_song_windows")]
    assert titles == ["ZONE A0", "Café Nocturne", "Static Bloom"]


def test_parse_songs_summary_quarantines_a_file_whose_name_has_no_window() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("songs_summary_without_window_token.csv")
    assert rejected.value.message == (
        "songs summary window unknown: the file name must carry 28day, 1year or all "
        "(like artist-songs-28day.csv); got 'songs_summary_without_window_token.csv'"
    )
