"""parse_analytics on both responses: exact typed rows, warnings, rejections with line and path."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, RowError
from apps.sources.connectors.toolost.parse import parse_analytics
from apps.sources.connectors.toolost.samples import apple_analytics_bytes, spotify_analytics_bytes

PathOf = Callable[[str], Path]
WriteFile = Callable[[str, bytes], Path]

CAPTURED_AT = datetime(2025, 2, 5, 6, 15, tzinfo=UTC)


def _spotify_day(day: str, streams: int) -> dict[str, object]:
    return {"date": day, "distributor": "toolost", "platform": "Spotify", "streams": streams}


def _apple_day(day: str, streams: int) -> dict[str, object]:
    return {
        "date": date.fromisoformat(day),
        "distributor": "toolost",
        "platform": "Apple Music",
        "streams": streams,
    }


def _pretty_streams(streams: list[dict[str, object]], discovery: list[dict[str, object]]) -> bytes:
    """One element per line: `streams[i]` sits on line 3 + i."""
    lines = ["{", '"streams": [']
    lines += [
        json.dumps(item) + ("," if n < len(streams) - 1 else "") for n, item in enumerate(streams)
    ]
    lines += ["],", '"discovery": [']
    lines += [
        json.dumps(item) + ("," if n < len(discovery) - 1 else "")
        for n, item in enumerate(discovery)
    ]
    lines += ["]", "}"]
    return "\n".join(lines).encode()


def _days(count: int) -> list[dict[str, object]]:
    first = date(2025, 1, 1)
    return [
        {"date": (first + timedelta(days=n)).isoformat(), "streams": str(10 + n)}
        for n in range(count)
    ]


def test_parse_analytics_spotify_reads_unsorted_digit_strings_and_never_invents_days(
    fixture_path: PathOf,
) -> None:
    # given a Spotify response, arrays unsorted, counts as digit strings, 1 February absent
    path = fixture_path("analytics_spotify_unsorted_strings.json")

    # when it is parsed without being told its kind
    parsed = parse_analytics(path, kind="", captured_at=CAPTURED_AT)

    # then the kind comes from the keys and every element became exactly one row
    assert (parsed.kind, parsed.schema_id, parsed.rows_in, parsed.rows_out) == (
        "analytics_spotify",
        "tl_analytics_spotify",
        7,
        7,
    )
    assert (parsed.encoding, parsed.line_ending, parsed.rejections, parsed.warnings) == (
        "utf-8",
        "",
        [],
        [],
    )
    # and the days are sorted, 31 January's 0 kept, 1 February not made up
    assert parsed.tables["streams_daily"].to_pylist() == [
        _spotify_day(day, streams)
        for day, streams in [
            (date(2025, 1, 29), 9),
            (date(2025, 1, 30), 12),
            (date(2025, 1, 31), 0),
            (date(2025, 2, 2), 31),
            (date(2025, 2, 3), 1204),
        ]
    ]
    # and the Discovery fees are exact decimals per month
    assert parsed.tables["discovery_fees_monthly"].to_pylist() == [
        {
            "distributor": "toolost",
            "month": date(2025, 1, 1),
            "streams": 310,
            "fees_usd": Decimal("0.279"),
        },
        {
            "distributor": "toolost",
            "month": date(2025, 2, 1),
            "streams": 118,
            "fees_usd": Decimal("0.1062"),
        },
    ]
    assert list(parsed.tables) == ["streams_daily", "discovery_fees_monthly"]


def test_parse_analytics_apple_reads_int_counts_and_track_totals(fixture_path: PathOf) -> None:
    # given an Apple Music response whose streamTotal (22) is the sum of 4 + 11 + 7
    path = fixture_path("analytics_apple.json")

    # when it is parsed
    parsed = parse_analytics(path, kind="analytics_apple", captured_at=CAPTURED_AT)

    # then the daily rows are sorted and no warning is raised
    assert (parsed.rows_in, parsed.rows_out, parsed.warnings) == (6, 6, [])
    assert parsed.tables["streams_daily"].to_pylist() == [
        _apple_day("2025-01-01", 4),
        _apple_day("2025-01-02", 11),
        _apple_day("2025-01-03", 7),
    ]
    # and tracks are keyed by ISRC (hyphens removed), by title when the ISRC is empty
    track = {
        "captured_on": date(2025, 2, 5),
        "distributor": "toolost",
        "platform": "Apple Music",
        "window": "this_year",
    }
    assert parsed.tables["distributor_track_totals"].to_pylist() == [
        {
            **track,
            "track_key": "QZTL22500011",
            "isrc": "QZTL22500011",
            "track_title": "Lanternfish",
            "release_title": "Lanternfish",
            "streams": 15,
        },
        {
            **track,
            "track_key": "QZTL22500012",
            "isrc": "QZTL22500012",
            "track_title": "Tidepool Radio",
            "release_title": "Tidepool Radio",
            "streams": 5,
        },
        {
            **track,
            "track_key": "Cold Open",
            "isrc": None,
            "track_title": "Cold Open",
            "release_title": "Cold Open",
            "streams": 2,
        },
    ]


def test_parse_analytics_apple_warns_when_stream_total_is_not_the_sum(fixture_path: PathOf) -> None:
    # given a pretty-printed response whose streamTotal says 45 but whose days add up to 42
    path = fixture_path("analytics_apple_total_mismatch.json")

    # when it is parsed
    parsed = parse_analytics(path, kind="analytics_apple", captured_at=CAPTURED_AT)

    # then the file carries the warning and still loads its days as given
    assert parsed.warnings == ["stream_total_mismatch stream_total=45 sum_total_streams=42"]
    assert parsed.line_ending == "LF"
    assert parsed.tables["streams_daily"].to_pylist() == [
        _apple_day("2025-03-01", 12),
        _apple_day("2025-03-02", 30),
    ]


def test_parse_analytics_apple_notes_a_missing_or_unreadable_stream_total(
    write_file: WriteFile,
) -> None:
    # given two responses: one without streamTotal, one whose streamTotal is not a count
    days = [{"date": "2025-01-01", "streams": 3}]
    missing = write_file("a.json", json.dumps({"totalStreams": days, "tracksTotal": []}).encode())
    unreadable = json.dumps({"totalStreams": days, "tracksTotal": [], "streamTotal": "n/a"})
    garbled = write_file("b.json", unreadable.encode())

    # when each is parsed as an Apple response
    first = parse_analytics(missing, kind="analytics_apple", captured_at=CAPTURED_AT)
    second = parse_analytics(garbled, kind="analytics_apple", captured_at=CAPTURED_AT)

    # then each says what was wrong with the check, and the day still loads
    assert first.warnings == ["stream_total_missing"]
    assert second.warnings == ["stream_total_unreadable value='n/a'"]
    assert first.tables["streams_daily"].num_rows == second.tables["streams_daily"].num_rows == 1


def test_parse_analytics_rejects_bad_elements_with_their_line_and_path(
    write_file: WriteFile,
) -> None:
    # given 60 good days (1 Jan .. 1 Mar) where three elements are broken, and one discovery row
    streams = _days(60)
    streams[3] = {"date": "2025-01-04", "streams": "-4"}
    streams[10] = {"date": "2025-02-30", "streams": "20"}
    streams.append({"date": "2025-01-01", "streams": "99"})
    discovery = [{"date": "2025-01", "streams": "40", "fees": "0.03600000"}]
    path = write_file("spotify.json", _pretty_streams(streams, discovery))

    # when it is parsed
    parsed = parse_analytics(path, kind="analytics_spotify", captured_at=CAPTURED_AT)

    # then the three elements are rejected on their own lines, the rest load (62 = 59 + 3)
    assert (parsed.rows_in, parsed.rows_out, len(parsed.rejections)) == (62, 59, 3)
    assert parsed.rejections == [
        RowError(
            6,
            "streams[3].streams",
            "negative_count",
            "streams[3].streams -4 is negative",
            '{"date": "2025-01-04", "streams": "-4"}',
        ),
        RowError(
            13,
            "streams[10].date",
            "invalid_date",
            "streams[10].date '2025-02-30' is not a YYYY-MM-DD date",
            '{"date": "2025-02-30", "streams": "20"}',
        ),
        RowError(
            63,
            "*",
            "duplicate_key",
            "key ('2025-01-01') was already given on row 3",
            '{"date": "2025-01-01", "streams": "99"}',
        ),
    ]
    # and the first 1 January (10 streams) is the one kept
    first_day = parsed.tables["streams_daily"].to_pylist()[0]
    assert (first_day["date"], first_day["streams"]) == (date(2025, 1, 1), 10)
    assert (
        parsed.tables["streams_daily"].num_rows + parsed.tables["discovery_fees_monthly"].num_rows
        == 59
    )


def test_parse_analytics_quarantines_a_file_with_more_than_5_percent_rejected(
    write_file: WriteFile,
) -> None:
    # given 20 days of which 2 have no count (2 of 21 rows with the discovery row: 9.5 %)
    streams = _days(20)
    streams[4] = {"date": "2025-01-05"}
    streams[7] = {"date": "2025-01-08", "streams": "12.5"}
    path = write_file(
        "spotify.json", _pretty_streams(streams, [{"date": "2025-01", "streams": "1", "fees": "0"}])
    )

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_analytics(path, kind="analytics_spotify", captured_at=CAPTURED_AT)

    # then the reason counts them and quotes the first ones
    assert rejected.value.message == (
        "2 of 21 rows rejected (9.5%, more than the 5% allowed); first: "
        "row 7 column 'streams[4].streams' missing_value: streams[4].streams is missing; "
        "row 10 column 'streams[7].streams' invalid_number: "
        "streams[7].streams '12.5' is not a whole number"
    )


def test_parse_analytics_rejects_track_rows_without_key_and_repeated_isrcs(
    write_file: WriteFile,
) -> None:
    # given 40 days and three track rows: one good, one without isrc or title, one repeated ISRC
    days = [{"date": f"2025-01-{n:02d}", "streams": 1} for n in range(1, 32)]
    days += [{"date": f"2025-02-{n:02d}", "streams": 1} for n in range(1, 10)]
    tracks = [
        {"isrc": "QZTL22500011", "streams": 30, "track": "Lanternfish", "release": "Lanternfish"},
        {"isrc": "", "streams": 5, "track": " ", "release": "Vesper"},
        {"isrc": "qztl22500011", "streams": 10, "track": "Lanternfish (Live)", "release": "Live"},
    ]
    body = {"totalStreams": days, "tracksTotal": tracks, "streamTotal": 40}
    path = write_file("apple.json", json.dumps(body).encode())

    # when it is parsed
    parsed = parse_analytics(path, kind="analytics_apple", captured_at=CAPTURED_AT)

    # then both bad track rows are rejected (2 of 43 rows), and the first Lanternfish stays
    assert [(error.column, error.code) for error in parsed.rejections] == [
        ("tracksTotal[1].isrc", "missing_value"),
        ("*", "duplicate_key"),
    ]
    assert parsed.rejections[1].message == "key ('QZTL22500011') was already given on row 1"
    totals = parsed.tables["distributor_track_totals"].to_pylist()
    assert [(row["track_key"], row["streams"]) for row in totals] == [("QZTL22500011", 30)]
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections) == 43


def test_parse_analytics_reads_discovery_months_given_as_dates_and_rejects_bad_fees(
    write_file: WriteFile,
) -> None:
    # given discovery rows dated on a day, one fee with 13 decimals, among 30 good days
    discovery = [
        {"date": "2025-01-01", "streams": "500", "fees": "0.45000000"},
        {"date": "2025-02", "streams": "9", "fees": "0.0000000000001"},
    ]
    path = write_file("spotify.json", _pretty_streams(_days(30), discovery))

    # when it is parsed
    parsed = parse_analytics(path, kind="analytics_spotify", captured_at=CAPTURED_AT)

    # then January is read, February's fee is refused with its reason
    assert parsed.tables["discovery_fees_monthly"].to_pylist() == [
        {
            "distributor": "toolost",
            "month": date(2025, 1, 1),
            "streams": 500,
            "fees_usd": Decimal("0.45"),
        }
    ]
    assert [(error.row, error.column, error.code) for error in parsed.rejections] == [
        (36, "discovery[1].fees", "invalid_number")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"data": [], "status": "ok"}',
            "JSON is not a TooLost analytics response: expected the keys streams + discovery "
            "(Spotify) or totalStreams + streamTotal (Apple Music); keys found: 'data', 'status'",
        ),
        (b'{"streams": [1, 2]\n,,}', "file is not JSON: expected a key at line 2"),
        (b"[1, 2, 3]", "JSON is not an object, so not a TooLost analytics response"),
        (
            b"\xff\xfe{\x00}\x00",
            "content is not a TooLost JSON response (looks like a UTF-16 text)",
        ),
        (b"  \n", "file is empty"),
        (b'{"title": "caf\xe9"}', "content is not a TooLost JSON response (not utf-8 text)"),
    ],
)
def test_parse_analytics_rejects_what_is_not_an_analytics_response(
    write_file: WriteFile, content: bytes, message: str
) -> None:
    path = write_file("response.json", content)
    with pytest.raises(FileRejected) as rejected:
        parse_analytics(path, kind="", captured_at=CAPTURED_AT)
    assert rejected.value.message == message


def test_parse_analytics_rejects_a_spotify_response_without_its_discovery_array(
    write_file: WriteFile,
) -> None:
    path = write_file("spotify.json", b'{"streams": [], "discovery": null}')
    with pytest.raises(FileRejected) as rejected:
        parse_analytics(path, kind="analytics_spotify", captured_at=CAPTURED_AT)
    assert rejected.value.message == "analytics_spotify response has no 'discovery' array"


def test_parse_analytics_reads_the_samples_in_full(write_file: WriteFile) -> None:
    # given a year of generated responses (unsorted, days without streams left out)
    spotify = write_file(
        "spotify.json", spotify_analytics_bytes(through=date(2025, 12, 31), seed=7)
    )
    apple = write_file("apple.json", apple_analytics_bytes(through=date(2025, 12, 31), seed=7))

    # when they are parsed
    spotify_parsed = parse_analytics(spotify, kind="", captured_at=CAPTURED_AT)
    apple_parsed = parse_analytics(apple, kind="", captured_at=CAPTURED_AT)

    # then every element is a row, none rejected, and Apple's total checks out
    spotify_body = json.loads(spotify.read_bytes())
    apple_body = json.loads(apple.read_bytes())
    assert spotify_parsed.rows_out == len(spotify_body["streams"]) + len(spotify_body["discovery"])
    assert apple_parsed.rows_out == len(apple_body["totalStreams"]) + len(apple_body["tracksTotal"])
    assert (spotify_parsed.rejections, apple_parsed.rejections, apple_parsed.warnings) == (
        [],
        [],
        [],
    )
    daily = apple_parsed.tables["streams_daily"].column("streams").to_pylist()
    assert sum(daily) == apple_body["streamTotal"]
    assert spotify_parsed.tables["discovery_fees_monthly"].num_rows == 12
