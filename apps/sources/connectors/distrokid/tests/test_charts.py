"""parse_chart on both DistroKid chart pages: exact rows, the daily-series rule, rejections."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import (
    SNIFF_HEAD_BYTES,
    FileRejected,
    ParsedFile,
    Payload,
    RowError,
)
from apps.sources.connectors.distrokid.charts import parse_chart
from apps.sources.connectors.distrokid.connector import DistroKidConnector
from apps.sources.connectors.distrokid.sniff import sniff_chart_kind, sniff_kind
from apps.sources.connectors.distrokid.tests.helpers import CURRENT_HEADER, FIXTURES
from apps.sources.connectors.registry import detect_source
from apps.sources.datasets import DATASETS

PathOf = Callable[[str], Path]

CAPTURED_AT = datetime(2025, 1, 13, 6, 0, tzinfo=UTC)


def _day(day: date, streams: int, platform: str = "Spotify") -> dict[str, object]:
    return {"date": day, "distributor": "distrokid", "platform": platform, "streams": streams}


def _track(title: str, streams: int, captured_on: date = date(2025, 1, 13)) -> dict[str, object]:
    return {
        "captured_on": captured_on,
        "distributor": "distrokid",
        "platform": "Apple Music",
        "window": "last_365_days",
        "track_key": title,
        "isrc": None,
        "track_title": title,
        "release_title": None,
        "streams": streams,
    }


def _page(script: str) -> bytes:
    lines = ["<!DOCTYPE html>", "<html>", "<body>", "<script>", script, "</script>", "</body>"]
    return "\n".join([*lines, "</html>", ""]).encode()


def _write(tmp_path: Path, content: bytes, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _trend_points(count: int) -> list[str]:
    """`count` amCharts points from 1 Jan 2025, `column-1` = day number, one per line."""
    return [
        f'{{"category": "2025-{1 + n // 31:02d}-{1 + n % 31:02d}", "column-1": {n + 1}}},'
        for n in range(count)
    ]


def test_parse_chart_reads_the_trend365day_series_despite_its_trailing_comma(
    fixture_path: PathOf,
) -> None:
    # given the Spotify page: a 30-day chart before it, functions in the config, `},\n]`
    path = fixture_path("streams_chart_trailing_comma.html")

    # when it is parsed
    parsed = parse_chart(path, kind="streams_chart", captured_at=CAPTURED_AT)

    # then only the trend365day series is read, one row a day, none rejected
    assert (parsed.kind, parsed.schema_id, parsed.rows_in, parsed.rows_out) == (
        "streams_chart",
        "dk_chart_trend365day",
        10,
        10,
    )
    assert (parsed.encoding, parsed.line_ending, parsed.rejections, parsed.warnings) == (
        "utf-8",
        "LF",
        [],
        [],
    )
    assert list(parsed.tables) == ["streams_daily"]
    assert parsed.tables["streams_daily"].to_pylist() == [
        _day(date(2025, 1, day), streams)
        for day, streams in zip(range(2, 12), [0, 3, 12, 7, 0, 25, 18, 33, 29, 41], strict=True)
    ]


def test_parse_chart_finds_the_config_by_its_id_in_loose_javascript(tmp_path: Path) -> None:
    # given a config assigned to a variable, id after the data, single quotes, unquoted keys,
    # comments and counts written as strings
    script = """
    var config = {
        type: 'serial', // the daily trend
        dataProvider: [
            {category: '2025-03-01', 'column-1': '5'},
            /* a gap the vendor left */
            {category: "2025-03-03", "column-1": 8,},
        ],
        balloon: {fixedPosition: true},
        id: 'trend365day',
    };
    AmCharts.makeChart('chartdiv', config);
    """
    path = _write(tmp_path, _page(script))

    # when it is parsed
    parsed = parse_chart(path, kind="streams_chart", captured_at=CAPTURED_AT)

    # then both points are read and the missing day is not invented
    assert parsed.tables["streams_daily"].to_pylist() == [
        _day(date(2025, 3, 1), 5),
        _day(date(2025, 3, 3), 8),
    ]


def test_parse_chart_reads_the_apple_page_daily_series_and_track_totals(
    fixture_path: PathOf,
) -> None:
    # given the Apple Music page: last365days unsorted, a count as a string, tracks1year with an
    # escaped accent, an HTML entity and JS-style keys
    path = fixture_path("apple_chart.html")

    # when it is parsed
    parsed = parse_chart(path, kind="apple_chart", captured_at=CAPTURED_AT)

    # then the days come from last365days only (never byMonth or byWeek), sorted
    assert (parsed.schema_id, parsed.rows_in, parsed.rows_out, parsed.warnings) == (
        "dk_chart_chartdata",
        8,
        8,
        [],
    )
    assert parsed.tables["streams_daily"].to_pylist() == [
        _day(date(2025, 1, 5), 4, "Apple Music"),
        _day(date(2025, 1, 6), 0, "Apple Music"),
        _day(date(2025, 1, 7), 9, "Apple Music"),
        _day(date(2025, 1, 8), 11, "Apple Music"),
        _day(date(2025, 1, 9), 6, "Apple Music"),
    ]
    # and the track totals of the trailing year are filed under the capture day, by title
    assert parsed.tables["distributor_track_totals"].to_pylist() == [
        _track("Café Nocturne", 61),
        _track("Rock & Roll Static", 22),
        _track("Low Orbit", 4),
    ]


def test_parse_chart_falls_back_only_to_a_daily_shaped_series(fixture_path: PathOf) -> None:
    # given a page whose daily series was renamed, next to a longer weekly series of dates
    path = fixture_path("apple_chart_renamed_daily_series.html")

    # when it is parsed
    parsed = parse_chart(path, kind="apple_chart", captured_at=CAPTURED_AT)

    # then the four daily points are read, not the eight weekly ones, and the file says so
    assert parsed.warnings == ["daily_series_fallback key='daily'"]
    assert parsed.tables["streams_daily"].to_pylist() == [
        _day(date(2025, 1, 8), 2, "Apple Music"),
        _day(date(2025, 1, 9), 5, "Apple Music"),
        _day(date(2025, 1, 10), 0, "Apple Music"),
        _day(date(2025, 1, 11), 3, "Apple Music"),
    ]


def test_parse_chart_never_reads_months_or_weeks_as_days(fixture_path: PathOf) -> None:
    # given a page with monthly, weekly and week-start series but no daily one
    path = fixture_path("apple_chart_months_and_weeks_only.html")

    # when it is parsed, then the whole file is refused rather than misread
    with pytest.raises(FileRejected) as rejected:
        parse_chart(path, kind="apple_chart", captured_at=CAPTURED_AT)
    assert rejected.value.message == (
        "chartData has no daily series: last365days is missing and no other array holds one "
        "point per day with YYYY-MM-DD dates"
    )


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("streams_chart_without_block.html", "streams_chart", "trend365day block missing"),
        ("apple_chart.html", "streams_chart", "trend365day block missing"),
        ("apple_chart_without_block.html", "apple_chart", "chartData block missing"),
        ("streams_chart_trailing_comma.html", "apple_chart", "chartData block missing"),
    ],
)
def test_parse_chart_rejects_a_page_without_its_block(
    fixture_path: PathOf, name: str, kind: str, message: str
) -> None:
    # (the Apple page's own trend365day chart takes its data from chartData, so it has none)
    with pytest.raises(FileRejected) as rejected:
        parse_chart(fixture_path(name), kind=kind, captured_at=CAPTURED_AT)
    assert rejected.value.message == message


def test_parse_chart_names_the_line_where_chart_data_stops_being_readable(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _page('var chartData = {\n"last365days": [\n{"field": "2025-01-01" "value": 1}\n]};'),
    )
    with pytest.raises(FileRejected) as rejected:
        parse_chart(path, kind="apple_chart", captured_at=CAPTURED_AT)
    assert rejected.value.message == (
        "chartData block missing: unreadable at line 7 (expected ',' or '}')"
    )


def test_parse_chart_rejects_bad_points_on_their_own_lines(tmp_path: Path) -> None:
    # given 40 points (one per line, the first on line 7), three broken, plus a repeated day
    points = _trend_points(40)
    points[4] = '{"category": "2025-01-05", "column-1": -2},'
    points[9] = '{"category": "10/01/2025", "column-1": 3},'
    points[20] = '"2025-01-21",'
    points.append('{"category": "2025-01-01", "column-1": 99},')
    script = 'var c = {"id": "trend365day",\n"dataProvider": [\n' + "\n".join(points) + "\n]};"
    path = _write(tmp_path, _page(script))

    # when it is parsed with a 10 % bar (4 of 41 rows are rejected: 9.8 %)
    parsed = parse_chart(
        path, kind="streams_chart", captured_at=CAPTURED_AT, max_rejected_fraction=0.1
    )

    # then each broken point is rejected with its line, path, code and source text
    assert parsed.rejections == [
        RowError(
            11,
            "dataProvider[4].column-1",
            "negative_count",
            "dataProvider[4].column-1 -2 is negative",
            '{"category": "2025-01-05", "column-1": -2}',
        ),
        RowError(
            16,
            "dataProvider[9].category",
            "invalid_date",
            "dataProvider[9].category '10/01/2025' is not a YYYY-MM-DD date",
            '{"category": "10/01/2025", "column-1": 3}',
        ),
        RowError(
            27,
            "dataProvider[20]",
            "invalid_row",
            "dataProvider[20] is not an object",
            '"2025-01-21"',
        ),
        RowError(
            47,
            "*",
            "duplicate_key",
            "key ('2025-01-01') was already given on row 7",
            '{"category": "2025-01-01", "column-1": 99}',
        ),
    ]
    # and rows are conserved
    assert (parsed.rows_in, parsed.rows_out) == (41, 37)
    assert parsed.tables["streams_daily"].num_rows == 37


def test_parse_chart_quarantines_more_than_5_percent_rejected(tmp_path: Path) -> None:
    points = _trend_points(20)
    points[0] = '{"category": "2025-01-01"},'
    points[1] = '{"category": "2025-01-02", "column-1": NaN},'
    script = 'var c = {"id": "trend365day", "dataProvider": [\n' + "\n".join(points) + "\n]};"
    path = _write(tmp_path, _page(script))
    with pytest.raises(FileRejected) as rejected:
        parse_chart(path, kind="streams_chart", captured_at=CAPTURED_AT)
    assert rejected.value.message == (
        "2 of 20 rows rejected (10.0%, more than the 5% allowed); first: "
        "row 6 column 'dataProvider[0].column-1' missing_value: "
        "dataProvider[0].column-1 is missing; "
        "row 7 column 'dataProvider[1].column-1' invalid_number: "
        "dataProvider[1].column-1 'NaN' is not a whole number"
    )


def test_parse_chart_loads_the_days_when_tracks1year_is_missing(tmp_path: Path) -> None:
    # given a chartData block with its daily series only, captured without a landing time
    script = "var chartData = {last365days: [{field: '2025-01-01', value: 3}]};"
    path = _write(tmp_path, _page(script))
    os.utime(path, (1736762400, 1736762400))  # 2025-01-13 10:00 UTC

    # when it is parsed
    parsed = parse_chart(path, kind="apple_chart", captured_at=None)

    # then the day loads and the file notes the missing block
    assert parsed.warnings == ["tracks1year_missing"]
    assert list(parsed.tables) == ["streams_daily"]


def test_parse_chart_files_track_totals_under_the_file_time_without_a_capture_time(
    tmp_path: Path,
) -> None:
    script = "var chartData = {last365days: [], tracks1year: [{field: 'Sub Rosa', value: 7}]};"
    path = _write(tmp_path, _page(script))
    os.utime(path, (1736762400, 1736762400))  # 2025-01-13 10:00 UTC
    parsed = parse_chart(path, kind="apple_chart", captured_at=None)
    assert parsed.tables["distributor_track_totals"].to_pylist() == [_track("Sub Rosa", 7)]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("streams_chart_trailing_comma.html", "streams_chart"),
        ("apple_chart.html", "apple_chart"),
        ("apple_chart_renamed_daily_series.html", "apple_chart"),
    ],
)
def test_detect_source_names_distrokid_and_the_chart_kind_from_content(
    fixture_path: PathOf, name: str, kind: str
) -> None:
    # the Apple page also holds a trend365day config; `var chartData` decides it is Apple's
    head = fixture_path(name).read_bytes()[:SNIFF_HEAD_BYTES]
    assert detect_source(head, "stats.html") == [("distrokid", kind)]


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"<html><body>no chart</body></html>",
        b"\x89PNG\r\n\x1a\ntrend365day",
        b"trend\x00365day",
    ],
)
def test_sniff_chart_kind_claims_no_other_page(head: bytes) -> None:
    assert sniff_chart_kind(head) is None


def test_sniff_kind_still_reads_a_statement_header_first() -> None:
    # a statement line whose title happens to mention the chart id stays a statement
    head = (
        CURRENT_HEADER + '\n"2025-01-02","2025-01-01","2024-11","Spotify","A","trend365day"'
    ).encode()
    assert sniff_kind(head) == "bank_statement"


def test_connector_parses_a_chart_page_given_without_a_kind(fixture_path: PathOf) -> None:
    payload = Payload(fixture_path("apple_chart.html"), "stats.html", captured_at=CAPTURED_AT)
    parsed = DistroKidConnector().parse(payload)
    assert (parsed.kind, parsed.rows_out) == ("apple_chart", 8)


def _assert_valid(parsed: ParsedFile) -> None:
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    assert sum(table.num_rows for table in parsed.tables.values()) == parsed.rows_out
    for name, table in parsed.tables.items():
        assert table.schema.equals(DATASETS[name].schema), name
    assert all(warning.isascii() for warning in parsed.warnings)


def _parse_bytes(content: bytes, kind: str) -> ParsedFile | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stats.html"
        path.write_bytes(content)
        try:
            return DistroKidConnector().parse(
                Payload(path, "stats.html", kind=kind, captured_at=CAPTURED_AT)
            )
        except FileRejected:
            return None


CHART_KINDS = st.sampled_from(["streams_chart", "apple_chart"])
PAGES = [
    (FIXTURES / name).read_bytes()
    for name in ("streams_chart_trailing_comma.html", "apple_chart.html")
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=2048), kind=CHART_KINDS)
def test_parse_chart_turns_arbitrary_bytes_into_a_rejection_or_valid_rows(
    content: bytes, kind: str
) -> None:
    parsed = _parse_bytes(content, kind)
    if parsed is not None:
        _assert_valid(parsed)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page=st.sampled_from(PAGES),
    kind=CHART_KINDS,
    cut=st.integers(min_value=0, max_value=2500),
    length=st.integers(min_value=0, max_value=40),
    insert=st.text(alphabet="{}[]()'\",:;/*\\ \n0123456789-.aeltuxNnfrs", max_size=12).map(
        str.encode
    ),
)
def test_parse_chart_survives_damaged_real_pages(
    page: bytes, kind: str, cut: int, length: int, insert: bytes
) -> None:
    position = cut % (len(page) + 1)
    parsed = _parse_bytes(page[:position] + insert + page[position + length :], kind)
    if parsed is not None:
        _assert_valid(parsed)
