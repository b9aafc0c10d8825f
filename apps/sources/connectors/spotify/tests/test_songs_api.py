"""The songs JSON (SPEC 2.3): both wrappers, counts as strings, window and artist from capture."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.spotify.tests.helpers import parse_fixture, parse_path, rows

STATIC_BLOOM_ID = "5UZ3mxTkGmA2kBXgGk0Wz1"
CAPTURED_ON = date(2025, 3, 31)


def _window(title: str, window: str, **values: object) -> dict:
    return {
        "account": values.pop("account", "zonea0"),
        "song_key": title.casefold(),
        "window": window,
        "captured_on": CAPTURED_ON,
        "spotify_track_id": values.pop("spotify_track_id", STATIC_BLOOM_ID),
        "song_title": title,
        **values,
    }


def test_parse_songs_api_reads_the_wrapped_payload_with_counts_as_strings() -> None:
    parsed = parse_fixture("songs_api_wrapped_time-filter=28day.json")
    assert (parsed.kind, parsed.schema_id, parsed.rows_in) == ("songs_api", "s4a_songs_api", 2)
    assert rows(parsed, "spotify_song_windows") == [
        _window(
            "Static Bloom",
            "28day",
            release_date=date(2024, 2, 9),
            streams=12345,
            listeners=4001,
            saves=310,
            canvas_views=1002,
            is_disabled=False,
        ),
        _window(
            "Who Is Listening?",
            "28day",
            spotify_track_id=None,
            release_date=date(2024, 9, 13),
            streams=900,
            listeners=300,
            saves=20,
            canvas_views=0,
            is_disabled=True,
        ),
    ]
    # an id in scientific notation has lost precision: discarded, with a warning
    assert parsed.warnings == ["track_id_discarded row=2 value='1.20253E+17'"]


def test_parse_songs_api_reads_the_bare_songs_list() -> None:
    parsed = parse_fixture("songs_api_bare_songs_list_time-filter=7day.json")
    assert rows(parsed, "spotify_song_windows") == [
        _window(
            "Static Bloom",
            "7day",
            release_date=date(2024, 2, 9),
            streams=3210,
            listeners=1500,
            saves=12,
            canvas_views=400,
            is_disabled=False,
        )
    ]


def test_parse_songs_api_stores_all_time_listeners_and_saves_as_unknown() -> None:
    parsed = parse_fixture("songs_api_all_window_time-filter=all.json")
    [row] = rows(parsed, "spotify_song_windows")
    assert (row["window"], row["streams"], row["listeners"], row["saves"]) == (
        "all",
        45678,
        None,
        None,
    )


def test_parse_songs_api_takes_account_and_window_from_the_extractor_name() -> None:
    # given no --account: the artist id in the name names pig1987
    parsed = parse_fixture(
        "spotify_songs_1Eu67EqPy2NutiM0lqCarw_1year_20251202_132232.json", account=""
    )
    [row] = rows(parsed, "spotify_song_windows")
    assert (parsed.account, row["account"], row["window"], row["streams"]) == (
        "pig1987",
        "pig1987",
        "1year",
        20000,
    )


def test_parse_songs_api_refuses_an_account_the_file_contradicts() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("spotify_songs_1Eu67EqPy2NutiM0lqCarw_1year_20251202_132232.json")
    assert rejected.value.message == (
        "file names artist id 1Eu67EqPy2NutiM0lqCarw (account pig1987) but account 'zonea0' "
        "was given"
    )


def test_parse_songs_api_takes_the_window_from_the_captured_request_url(tmp_path: Path) -> None:
    document = json.loads(
        (Path(__file__).parent / "fixtures" / "songs_api_without_window.json").read_text()
    )
    document["url"] = (
        "https://generic.wg.spotify.com/catalog-view/v1/artist/62owJQCD2XzVB2o19CVsFM/"
        "recordings?time-filter=1day"
    )
    path = tmp_path / "capture.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    parsed = parse_path(path, account="")
    [row] = rows(parsed, "spotify_song_windows")
    assert (parsed.account, row["window"]) == ("zonea0", "1day")


def test_parse_songs_api_quarantines_a_payload_without_window() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("songs_api_without_window.json")
    assert rejected.value.message == (
        "songs window unknown: expected one of 1day, 7day, 28day, 1year, all as "
        "time-filter=<w> in the payload or the file name; got 'songs_api_without_window.json'"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b'{"data": {"artists": []}}',
            "JSON is not a Spotify for Artists songs payload: expected data.songs[] or songs[]",
        ),
        (b'{"songs": [', "content is not valid JSON: Expecting value: line 1 column 12 (char 11)"),
        (b"[" * 100_000, "content is not valid JSON: maximum recursion depth exceeded"),
    ],
)
def test_parse_songs_api_quarantines_what_is_no_songs_payload(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "x_time-filter=28day.json"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)
    assert rejected.value.message.startswith(reason)
