"""Graph API insights and profile payloads (SPEC 2.9)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload, RowError
from apps.sources.connectors.instagram import samples
from apps.sources.connectors.instagram.graph import data_date
from apps.sources.connectors.instagram.parse import parse_instagram

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]
CAPTURED = datetime(2026, 5, 12, 9, tzinfo=UTC)


def _parse(path: Path, *, account: str = "zonea0", fraction: float = 0.05) -> ParsedFile:
    payload = Payload(path=path, original_name=path.name, account=account, captured_at=CAPTURED)
    return parse_instagram(payload, max_rejected_fraction=fraction)


def _daily(parsed: ParsedFile) -> list[tuple[object, ...]]:
    return [
        (row["account"], row["date"], row["metric"], row["value"])
        for row in parsed.tables["instagram_daily"].to_pylist()
    ]


def test_insights_date_is_the_pacific_day_before_end_time_in_and_out_of_dst(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given reach, impressions and follower_count around the end of DST (2025-11-02):
    # end_time T07:00:00+0000 while PDT, T08:00:00+0000 once PST
    path = write_file(fixture_bytes("insights_reach_impressions_follower_count_dst_end.json"))

    # when parsed
    parsed = _parse(path)

    # then each value is dated the Pacific day before its end_time; impressions keep their name
    assert _daily(parsed) == [
        ("zonea0", date(2025, 10, 31), "reach", 120),
        ("zonea0", date(2025, 11, 1), "reach", 95),
        ("zonea0", date(2025, 11, 2), "reach", 143),
        ("zonea0", date(2025, 10, 31), "impressions", 310),
        ("zonea0", date(2025, 11, 1), "follower_count", 4),
        ("zonea0", date(2025, 11, 2), "follower_count", 2),
    ]
    assert (parsed.kind, parsed.rows_in, parsed.rows_out, parsed.rejections) == (
        "api_insights",
        6,
        6,
        [],
    )


@pytest.mark.parametrize(
    ("end_time", "expected"),
    [
        (datetime(2026, 5, 11, 7, tzinfo=UTC), date(2026, 5, 10)),
        # 23:59:59 Pacific on May 10: the UTC date (May 11) minus one day would be wrong
        (datetime(2026, 5, 11, 6, 59, 59, tzinfo=UTC), date(2026, 5, 9)),
        (datetime(2026, 1, 16, 8, tzinfo=UTC), date(2026, 1, 15)),
    ],
)
def test_data_date_uses_the_pacific_calendar(end_time: datetime, expected: date) -> None:
    # given an end_time; when dated; then the Pacific date minus one day
    assert data_date(end_time) == expected


def test_insights_views_total_value_is_one_row(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given views as metric_type=total_value for the day ending 2026-05-11T07:00:00+0000
    path = write_file(fixture_bytes("insights_views_total_value.json"))

    # when parsed; then one `views` row on 2026-05-10
    assert _daily(_parse(path)) == [("zonea0", date(2026, 5, 10), "views", 1830)]


def test_insights_undatable_weekly_and_repeated_values_are_rejected(write_file: WriteFile) -> None:
    # given a total_value without end_time, a weekly metric and a repeated day
    day = date(2026, 5, 10)
    items = [
        {
            "name": "views",
            "period": "day",
            "total_value": {"value": 5},
            "id": f"{samples.SAMPLE_USER_ID}/insights/views/day",
        },
        {**samples.insights_item("reach", [(day, 7)]), "period": "week"},
        samples.insights_item("follower_count", [(day, 3), (day, 4)]),
    ]
    path = write_file(samples.insights_json(items))

    # when parsed with the share limit lifted
    parsed = _parse(path, fraction=1)

    # then each is rejected with its place in the payload and why; the rest loads
    assert [
        (error.row, error.column, error.code, error.message) for error in parsed.rejections
    ] == [
        (
            1,
            "data[0].total_value.end_time",
            "window_total",
            "total_value has no end_time and the page is not a one-day window: "
            "a total over the request window, not a daily value",
        ),
        (
            2,
            "data[1].values[0].period",
            "unsupported_period",
            "period 'week' is not daily; only period=day is stored",
        ),
        (
            4,
            "*",
            "duplicate_key",
            "key ('zonea0', 2026-05-10, 'follower_count') was already given on row 3",
        ),
    ]
    assert _daily(parsed) == [("zonea0", date(2026, 5, 10), "follower_count", 3)]
    assert (parsed.rows_in, parsed.rows_out) == (4, 1)


def test_insights_of_an_unknown_user_id_need_an_account(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given insights naming an IG user id that is not in the account table, and no --account
    path = write_file(fixture_bytes("insights_views_total_value.json"))

    # when parsed; then rejected, naming the id (it never becomes an account of its own)
    with pytest.raises(FileRejected) as rejected:
        _parse(path, account="")
    assert rejected.value.message == (
        "account required for instagram; pass --account "
        "(IG user id '17841400000000001' is not a known account)"
    )


def test_insights_of_a_known_user_id_take_its_account(
    write_file: WriteFile, fixture_bytes: FixtureBytes, known_account: str
) -> None:
    # given the sample id registered as zonea0, and no --account
    path = write_file(fixture_bytes("insights_views_total_value.json"))

    # when parsed; then the id's account
    parsed = _parse(path, account="")
    assert (parsed.account, _daily(parsed)) == (
        known_account,
        [("zonea0", date(2026, 5, 10), "views", 1830)],
    )


def test_insights_given_an_account_the_id_contradicts_are_rejected(
    write_file: WriteFile, fixture_bytes: FixtureBytes, known_account: str
) -> None:
    # given zonea0's insights uploaded with --account pig1987
    path = write_file(fixture_bytes("insights_views_total_value.json"))

    # when parsed; then refused
    with pytest.raises(FileRejected) as rejected:
        _parse(path, account="pig1987")
    assert rejected.value.message == "payload is account zonea0 but account 'pig1987' was given"


def test_graph_error_payload_is_rejected_with_the_vendor_message(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given an expired-token error saved instead of data
    path = write_file(fixture_bytes("graph_error_expired_token.json"))

    # when parsed; then quarantined with code and message
    with pytest.raises(FileRejected) as rejected:
        _parse(path)
    assert rejected.value.message == (
        "Graph API error 190: Error validating access token: Session has expired on Sunday, "
        "10-May-26 10:00:00 PDT."
    )


def test_profile_is_a_snapshot_on_the_capture_date(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given the profile read on 2026-05-12
    path = write_file(fixture_bytes("profile_zone_a0.json"))

    # when parsed
    parsed = _parse(path)

    # then one snapshot row on that day
    assert parsed.tables["instagram_profile_snapshots"].to_pylist() == [
        {
            "account": "zonea0",
            "captured_on": date(2026, 5, 12),
            "followers_count": 5120,
            "follows_count": 87,
            "media_count": 142,
        }
    ]
    assert (parsed.kind, parsed.rows_in) == ("api_profile", 1)


def test_profile_with_a_negative_count_is_quarantined(write_file: WriteFile) -> None:
    # given a profile whose media_count is negative
    path = write_file(samples.profile_json(followers=10, follows=1, media=-1))

    # when parsed; then its only row is rejected, so the file is quarantined
    with pytest.raises(FileRejected) as rejected:
        _parse(path)
    assert rejected.value.message == (
        "1 of 1 rows rejected (100.0%, more than the 5% allowed); first: row 1 column "
        "'media_count' negative_count: media_count -1 is negative"
    )


def test_insights_rows_balance_with_a_rejected_value(write_file: WriteFile) -> None:
    # given 21 reach values, one of them text
    days = [date(2026, 4, day) for day in range(1, 22)]
    item = samples.insights_item("reach", [(day, 100 + index) for index, day in enumerate(days)])
    item["values"][5]["value"] = "n/a"  # type: ignore[index]
    path = write_file(samples.insights_json([item]))

    # when parsed (1 of 21 is under the 5 % limit)
    parsed = _parse(path)

    # then rows_in == rows_out + rejected, and the rejection says where
    assert (parsed.rows_in, parsed.rows_out, len(parsed.rejections)) == (21, 20, 1)
    assert parsed.rejections[0] == RowError(
        6,
        "data[0].values[5].value",
        "invalid_number",
        "value 'n/a' is not a whole number",
        '{"value": "n/a", "end_time": "2026-04-07T07:00:00+0000"}',
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "content is not valid JSON: maximum recursion depth"),
        (b'{"data": [{"name": "reach", "values": [', "content is not valid JSON: "),
        (b'{"data": {"name": "reach"}}', "insights payload has no `data` list"),
        (b'{"username": "zone.a0"}', "content is not an Instagram payload: expected Graph"),
        (b'{"data": [], "x": ' + b"9" * 5000 + b"}", "content is not valid JSON: "),
        (b"[1, 2]", "content is not an Instagram payload: the JSON is not an object"),
    ],
    ids=["deep_nesting", "truncated", "data_not_a_list", "unknown_object", "huge_number", "array"],
)
def test_malformed_json_is_quarantined_with_a_reason(
    write_file: WriteFile, content: bytes, reason: str
) -> None:
    # given truncated, deeply nested, mistyped or oversized-number JSON
    path = write_file(content)

    # when parsed; then quarantined with a reason
    with pytest.raises(FileRejected) as rejected:
        _parse(path)
    assert rejected.value.message.startswith(reason)


def _paged(items: list[dict[str, object]], since: int, until: int) -> bytes:
    """A raw Graph page whose paging links place it on the window since..until (unix)."""
    step = until - since
    base = f"https://graph.facebook.com/v22.0/{samples.SAMPLE_USER_ID}/insights"
    document = {
        "data": items,
        "paging": {
            "previous": f"{base}?since={since - step}&until={since}",
            "next": f"{base}?since={until}&until={until + step}",
        },
    }
    return json.dumps(document).encode()


VIEWS_TOTAL = {
    "name": "views",
    "period": "day",
    "total_value": {"value": 1234},
    "id": f"{samples.SAMPLE_USER_ID}/insights/views/day",
}
# 2025-07-01 00:00 and 2025-07-02 00:00 US-Pacific (PDT), as unix seconds.
JULY_1_PACIFIC = 1751353200
JULY_2_PACIFIC = 1751439600


def test_a_raw_total_value_page_of_one_day_is_dated_from_its_paging_links(
    write_file: WriteFile,
) -> None:
    # given a raw Graph page (no end_time written by the extractor) for one Pacific day
    path = write_file(_paged([VIEWS_TOTAL], JULY_1_PACIFIC, JULY_2_PACIFIC))

    # when parsed
    parsed = _parse(path)

    # then the total is that day's views
    assert parsed.rejections == []
    assert parsed.tables["instagram_daily"].to_pylist() == [
        {"account": "zonea0", "date": date(2025, 7, 1), "metric": "views", "value": 1234}
    ]


def test_a_window_total_is_recorded_but_does_not_quarantine_the_daily_values(
    write_file: WriteFile,
) -> None:
    # given a 30-day page: daily reach values plus one views total over the whole window
    reach = samples.insights_item("reach", [(date(2025, 7, 1), 88)])
    path = write_file(_paged([reach, VIEWS_TOTAL], JULY_1_PACIFIC, JULY_1_PACIFIC + 30 * 86400))

    # when parsed with the default 5% share limit
    parsed = _parse(path)

    # then reach loads and the undatable total is one recorded, expected rejection
    daily = parsed.tables["instagram_daily"].to_pylist()
    assert [(row["metric"], row["value"]) for row in daily] == [("reach", 88)]
    assert [(error.row, error.code) for error in parsed.rejections] == [(2, "window_total")]
