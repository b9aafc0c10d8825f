"""Linktree analytics (SPEC 2.6): daily rows, CTR quirks, link totals, breakdowns, no PII."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, RowError
from apps.sources.connectors.linktree.parse import LinktreeOverview, parse_overview
from apps.sources.connectors.linktree.sniff import sniff_kind
from apps.sources.connectors.linktree.tests.helpers import FIXTURES, parse_fixture, parse_path, rows

CAPTURED_ON = date(2025, 5, 27)


def _day(
    day: str,
    views: int,
    unique_views: int,
    clicks: int,
    unique_clicks: int,
    rate: float | None,
    account: str = "_",
) -> dict:
    return {
        "account": account,
        "date": date.fromisoformat(day),
        "total_views": views,
        "unique_views": unique_views,
        "total_clicks": clicks,
        "unique_clicks": unique_clicks,
        "click_through_rate": rate,
    }


def _split(
    dimension: str, bucket: str, share: float | None, views: int, clicks: int, rate: float | None
) -> dict:
    return {
        "source": "linktree",
        "account": "_",
        "captured_on": CAPTURED_ON,
        "dimension": dimension,
        "bucket": bucket,
        "share": share,
        "views": views,
        "clicks": clicks,
        "click_through_rate": rate,
    }


def test_parse_linktree_keeps_a_ctr_above_one_and_leaves_a_zero_view_day_unknown() -> None:
    parsed = parse_fixture("overview_ctr_above_one_and_missing_ctr.json")
    assert (parsed.kind, parsed.schema_id, parsed.account) == ("analytics", "linktree_graphql", "_")
    assert rows(parsed, "linktree_daily") == [
        _day("2025-05-21", 20, 8, 8, 6, 0.4),
        _day("2025-05-22", 8, 7, 12, 2, 1.5),
        _day("2025-05-23", 0, 0, 5, 1, None),
    ]
    assert (parsed.rows_in, parsed.rejections, parsed.warnings) == (3, [], [])


def test_parse_linktree_recomputes_a_missing_ctr_as_clicks_over_views() -> None:
    parsed = parse_fixture("overview_missing_ctr_recomputed.json", account="bedrot")
    assert rows(parsed, "linktree_daily") == [
        _day("2025-05-24", 8, 6, 7, 4, 0.875, account="bedrot"),
        _day("2025-05-25", 10, 9, 6, 5, 0.6, account="bedrot"),
    ]


def test_parse_overview_turns_the_benchmark_percent_into_a_fraction() -> None:
    overview = json.loads((FIXTURES / "overview_missing_ctr_recomputed.json").read_text())
    figures = parse_overview(overview["data"]["getAccountAnalytics"]["overview"])
    assert figures == LinktreeOverview(
        total_views=18,
        total_clicks=13,
        click_through_rate=0.7222,
        time_to_click=0.0,
        click_through_benchmark=80.6429 / 100,
    )


def test_parse_linktree_notes_an_overview_total_that_differs_from_its_days() -> None:
    parsed = parse_fixture("overview_total_differs_from_days.json")
    assert parsed.warnings == [
        "control_total_mismatch metric=total_views overview=30 timeseries=20"
    ]


def test_parse_linktree_capture_reads_links_with_titles_and_every_breakdown() -> None:
    parsed = parse_fixture("capture_with_personal_data_links_and_breakdowns.json")
    assert rows(parsed, "linktree_daily") == [
        _day("2025-05-26", 12, 7, 5, 2, 0.4167),
        _day("2025-05-27", 9, 7, 7, 3, 0.7778),
    ]
    assert rows(parsed, "linktree_links") == [
        {
            "link_id": "453835498",
            "captured_on": CAPTURED_ON,
            "title": "ZONE A0 - NOCTURNES EP",
            "active": True,
            "total_clicks": 9,
        },
        {
            "link_id": "472282266",
            "captured_on": CAPTURED_ON,
            "title": "PIG1987 - MUD SEASON",
            "active": False,
            "total_clicks": 6,
        },
        {
            "link_id": "445315682",
            "captured_on": CAPTURED_ON,
            "title": None,
            "active": None,
            "total_clicks": 5,
        },
    ]
    assert rows(parsed, "audience_breakdowns") == [
        _split("countries", "US", 26 / 30, 26, 20, 0.7692307692307693),
        _split("countries", "GE", 1 / 30, 1, 6, 6.0),
        _split("countries", "CA", 3 / 30, 3, 1, 1 / 3),
        _split("cities", "Tempe, US", 6 / 8, 6, 0, 0.0),
        _split("cities", "Unknown, US", 2 / 8, 2, 1, 0.5),
        _split("cities", "(unknown), US", 0.0, 0, 3, 0.0),
        _split("referrers", "Tiktok", 41 / 46, 41, 24, 0.5853658536585366),
        _split("referrers", "Direct", 5 / 46, 5, 7, 1.4),
        _split("devices", "mobile", 1.0, 65, 38, 0.5846153846153846),
        _split("devices", "desktop", 0.0, 0, 8, None),
    ]
    assert (parsed.rows_in, parsed.rows_out, parsed.rejections) == (15, 15, [])


def test_parse_linktree_never_copies_personal_data() -> None:
    parsed = parse_fixture("capture_with_personal_data_links_and_breakdowns.json")
    copied = (
        json.dumps([table.to_pylist() for table in parsed.tables.values()], default=str)
        + json.dumps(parsed.warnings)
        + json.dumps([error.raw_line for error in parsed.rejections])
    )
    for personal in ("owner@example.invalid", "Sample Owner", "sampleowner"):
        assert personal not in copied
    assert parsed.warnings == ["operations_ignored names=currentUser,walletExperience"]


def test_parse_linktree_capture_lets_the_later_response_replace_a_repeated_day() -> None:
    parsed = parse_fixture("capture_seven_days_then_longest_range.json")
    assert rows(parsed, "linktree_daily") == [
        _day("2025-05-26", 0, 0, 0, 0, 0.0),
        _day("2025-05-27", 15, 8, 6, 3, 0.4),
    ]
    assert (parsed.rows_in, parsed.rows_out) == (3, 2)
    assert [(e.row, e.column, e.code, e.message) for e in parsed.rejections] == [
        (
            1,
            "*",
            "superseded_in_capture",
            "key ('_', 2025-05-27) is given again on row 3, which replaces this one",
        )
    ]


def test_parse_linktree_rejects_a_bad_day_row_and_quarantines_past_five_percent(
    tmp_path: Path,
) -> None:
    days = [
        {
            "totalViews": 1,
            "totalClicks": 1,
            "uniqueViews": 1,
            "uniqueClicks": 1,
            "clickThroughRate": 1,
            "date": f"2025-05-{day:02d}",
        }
        for day in range(1, 21)
    ]
    days.append({"totalViews": -2, "totalClicks": 1, "date": "2025-05-21"})
    document = {"data": {"getAccountAnalytics": {"overview": {"timeseries": days}}}}
    path = tmp_path / "capture.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    parsed = parse_path(path)
    assert (parsed.rows_in, parsed.rows_out) == (21, 20)
    assert parsed.rejections == [
        RowError(
            row=21,
            column="totalViews",
            code="negative_count",
            message="totalViews -2 is negative",
            raw_line='{"totalViews": -2, "totalClicks": 1, "date": "2025-05-21"}',
        )
    ]
    document["data"]["getAccountAnalytics"]["overview"]["timeseries"] = days[-3:]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)
    assert rejected.value.message.startswith(
        "1 of 3 rows rejected (33.3%, more than the 5% allowed)"
    )


def test_parse_linktree_quarantines_a_file_without_analytics() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("only_current_user_and_wallet.json")
    assert rejected.value.message == (
        "no Linktree analytics in the file: expected data.getAccountAnalytics in a GraphQL "
        "response or in a JSON array of responses"
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("overview_ctr_above_one_and_missing_ctr.json", "analytics"),
        ("capture_with_personal_data_links_and_breakdowns.json", "analytics"),
        ("only_current_user_and_wallet.json", None),
    ],
)
def test_sniff_kind_recognises_analytics_by_content(name: str, kind: str | None) -> None:
    assert sniff_kind((FIXTURES / name).read_bytes()) == kind


def test_parse_linktree_names_breakdown_buckets_by_the_dimension_key_too(tmp_path: Path) -> None:
    # given breakdown entries naming their bucket `country`/`city`/`referrer` instead of `name`
    locations = {
        "countries": [{"country": "US", "views": {"total": 3}, "clicks": {"total": 1}}],
        "cities": [{"city": "Tempe", "countryCode": "US", "views": 1, "clicks": 0}],
    }
    referrers = {"referrers": [{"referrer": "Tiktok", "views": {"total": 4}, "clicks": 2}]}
    document = {"data": {"getAccountAnalytics": {"locations": locations, "referrers": referrers}}}
    path = tmp_path / "breakdowns.json"
    path.write_text(json.dumps(document))

    # when parsed
    parsed = parse_path(path)

    # then every entry loads under its own bucket, none is rejected
    assert parsed.rejections == []
    assert [
        (row["dimension"], row["bucket"], row["views"], row["clicks"])
        for row in rows(parsed, "audience_breakdowns")
    ] == [
        ("countries", "US", 3, 1),
        ("cities", "Tempe, US", 1, 0),
        ("referrers", "Tiktok", 4, 2),
    ]
