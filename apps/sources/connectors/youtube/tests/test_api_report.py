"""YouTube Analytics API result tables (SPEC 2.7): absent rows, the latency tail, engaged views,
per-video rows and the channel account."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, RowError
from apps.sources.connectors.youtube.tests.helpers import (
    FIXTURES,
    parse_fixture,
    parse_path,
    rows,
)


def _day(
    day: str,
    views: int | None,
    engaged: int | None,
    minutes: int | None = None,
    gained: int | None = None,
    lost: int | None = None,
    likes: int | None = None,
    shares: int | None = None,
    comments: int | None = None,
    *,
    channel: str = "zonea0",
    video_id: str = "*",
) -> dict[str, object]:
    return {
        "channel": channel,
        "date": date.fromisoformat(day),
        "video_id": video_id,
        "views": views,
        "engaged_views": engaged,
        "minutes_watched": minutes,
        "subscribers_gained": gained,
        "subscribers_lost": lost,
        "likes": likes,
        "shares": shares,
        "comments": comments,
    }


def test_parse_api_report_zero_fills_a_settled_absent_day_and_leaves_the_latency_tail() -> None:
    # given a Mar 1-9 request fetched on Mar 10 (Pacific), Mar 3 and Mar 7-9 absent
    parsed = parse_fixture("day_report_mar01_to_mar09_latency_tail_and_quiet_mar03.json")
    # then Mar 3 (7 days old) counts as 0, Mar 7-9 (3 days old or younger) stay absent
    assert rows(parsed, "youtube_daily") == [
        _day("2025-03-01", 120, 95, 310, 3, 1, 9, 2, 1),
        _day("2025-03-02", 80, 71, 190, 1, 0, 4, 0, 0),
        _day("2025-03-03", 0, 0, 0, 0, 0, 0, 0, 0),
        _day("2025-03-04", 210, 140, 402, 5, 2, 15, 3, 2),
        _day("2025-03-05", 95, 90, 205, 0, 1, 6, 1, 0),
        _day("2025-03-06", 64, 60, 150, 2, 0, 3, 0, 1),
    ]
    assert (parsed.kind, parsed.schema_id, parsed.account) == (
        "api_report",
        "youtube_analytics_v2_result_table",
        "zonea0",
    )
    # the filled day is an input row, so rows_in == rows_out + rows_rejected holds for staging
    assert (parsed.rows_in, parsed.rows_out, parsed.rejections) == (6, 6, [])
    assert parsed.warnings == [
        "absent_days_filled_with_zero count=1",
        "latency_days_left_absent count=3 first=2025-03-07 last=2025-03-09",
    ]
    # the capture time is the extractor's fetch time, not the landing time
    assert parsed.captured_at == datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


def test_parse_api_report_without_rows_zero_fills_only_requested_metrics() -> None:
    # given a Mar 4-9 request for views and engagedViews whose result has no `rows` at all
    parsed = parse_fixture("day_report_without_rows_settled_and_latency_days.json")
    # then the settled days are 0 for the requested metrics and unknown for the others
    assert rows(parsed, "youtube_daily") == [
        _day("2025-03-04", 0, 0),
        _day("2025-03-05", 0, 0),
        _day("2025-03-06", 0, 0),
    ]
    assert parsed.rows_in == 3


def test_parse_bare_result_table_without_rows_is_an_empty_file() -> None:
    parsed = parse_fixture("bare_result_table_without_rows.json", account="zonea0")
    assert (parsed.tables, parsed.rows_in, parsed.rejections) == ({}, 0, [])
    assert parsed.warnings == ["window_unknown absent days are not filled"]
    assert parsed.captured_at == datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


def test_parse_day_and_video_rows_keep_one_row_per_video_and_fill_nothing() -> None:
    # given top videos per day (sorted, at most maxResults): a missing video is not known to be 0
    parsed = parse_fixture("day_and_video_rows_top_videos.json")
    assert rows(parsed, "youtube_daily") == [
        _day("2025-03-01", 90, 70, video_id="dQ4wZ0neA0x"),
        _day("2025-03-01", 30, 25, video_id="r3Ve_rb-T0n"),
        _day("2025-03-02", 55, 50, video_id="dQ4wZ0neA0x"),
    ]
    assert parsed.warnings == []


def test_parse_video_totals_of_one_day_take_the_day_and_the_channel_from_the_request() -> None:
    # given per-video totals for Mar 1 only, the request naming PIG1987's channel id
    parsed = parse_fixture("video_totals_for_one_day.json")
    assert parsed.account == "pig1987"
    assert rows(parsed, "youtube_daily") == [
        _day("2025-03-01", 140, None, likes=12, channel="pig1987", video_id="Pk7mUdSeas1"),
        _day("2025-03-01", 12, None, likes=0, channel="pig1987", video_id="Xx9lIveSet0"),
    ]


def test_parse_video_totals_over_several_days_are_not_daily() -> None:
    with pytest.raises(FileRejected, match="daily only for a one-day request"):
        parse_fixture("video_totals_over_a_week.json")


def test_parse_api_report_given_account_contradicting_the_channel_is_rejected() -> None:
    with pytest.raises(
        FileRejected,
        match="names channel UCq3zF0neA0bedrotZ9x1w7Q \\(account zonea0\\) but account "
        "'pig1987' was given",
    ):
        parse_fixture(
            "day_report_mar01_to_mar09_latency_tail_and_quiet_mar03.json", account="pig1987"
        )


def test_parse_api_report_of_an_unknown_channel_needs_an_account() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("day_report_unknown_channel.json")
    assert rejected.value.message == (
        "account required for youtube; pass --account "
        "(channel UCunknownChannel00000000 is not a known account)"
    )
    # and with --account the same file loads under that account
    parsed = parse_fixture("day_report_unknown_channel.json", account="NewChannel")
    assert rows(parsed, "youtube_daily") == [_day("2025-03-01", 5, None, channel="newchannel")]


def test_parse_bare_result_table_without_account_is_rejected() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("bare_result_table_without_rows.json")
    assert rejected.value.message == "account required for youtube; pass --account"


def test_parse_api_report_rejects_a_file_with_a_negative_count_in_1_of_3_rows() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("day_report_negative_subscribers_lost_in_1_of_3_rows.json")
    assert rejected.value.message == (
        "1 of 3 rows rejected (33.3%, more than the 5% allowed); first: row 2 column "
        "'subscribersLost' negative_count: subscribersLost -1 is negative"
    )


def test_parse_api_report_refuses_an_unsupported_dimension() -> None:
    with pytest.raises(FileRejected, match="dimension 'country' is not supported"):
        parse_fixture("day_report_country_dimension.json", account="zonea0")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b'{"kind": "youtubeAnalytics#resultTable"}', "not a YouTube Analytics result table"),
        (b'{"columnHeaders": [{"name": "day"}], "rows": {}}', "result rows is not a list"),
        (b'{"columnHeaders": [{"name": "day"}, {"name": "day"}]}', "names 'day' twice"),
        (b'{"columnHeaders": [{"name": "views"}]}', "neither a day nor a video dimension"),
        (
            b'{"request": {"startDate": "2025-03-09", "endDate": "2025-03-01"}, '
            b'"response": {"columnHeaders": [{"name": "day"}]}}',
            "startDate 2025-03-09 is after endDate 2025-03-01",
        ),
        (
            b'{"request": {"startDate": "2025-03-01"}, '
            b'"response": {"columnHeaders": [{"name": "day"}]}}',
            "only one of startDate and endDate",
        ),
    ],
)
def test_parse_api_report_rejects_malformed_results(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(FileRejected, match=message):
        parse_path(path, account="zonea0")


def test_parse_api_report_rejects_a_ragged_row_and_keeps_the_others(tmp_path: Path) -> None:
    # given 21 rows, one with a cell missing (below the 5% threshold)
    good: list[list[object]] = [[f"2025-02-{day:02d}", day] for day in range(1, 21)]
    document = {
        "columnHeaders": [{"name": "day", "columnType": "DIMENSION"}, {"name": "views"}],
        "rows": [*good[:4], ["2025-02-28"], *good[4:]],
    }
    path = tmp_path / "ragged.json"
    path.write_text(json.dumps(document))
    parsed = parse_path(path, account="zonea0")
    assert (parsed.rows_in, parsed.rows_out) == (21, 20)
    assert parsed.rejections == [
        RowError(
            row=5,
            column="*",
            code="invalid_row",
            message="result row has 1 cells for 2 column headers",
            raw_line='["2025-02-28"]',
        )
    ]


def test_parse_api_report_counts_latency_from_the_pacific_capture_day(tmp_path: Path) -> None:
    # given a Mar 4-9 request without rows, fetched Mar 10 02:00 UTC = Mar 9 19:00 in Pacific
    fixture = FIXTURES / "day_report_without_rows_settled_and_latency_days.json"
    document = json.loads(fixture.read_text())
    document["request"]["fetchedAt"] = "2025-03-10T02:00:00+00:00"
    path = tmp_path / "late_evening_pacific.json"
    path.write_text(json.dumps(document))
    # when parsed
    parsed = parse_path(path)
    # then Mar 6 is only 3 Pacific days old and stays absent (a UTC day would have filled it)
    assert [row["date"] for row in rows(parsed, "youtube_daily")] == [
        date(2025, 3, 4),
        date(2025, 3, 5),
    ]
    assert parsed.warnings[-1] == (
        "latency_days_left_absent count=4 first=2025-03-06 last=2025-03-09"
    )
