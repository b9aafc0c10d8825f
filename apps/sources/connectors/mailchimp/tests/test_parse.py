"""Mailchimp responses (SPEC 2.8): report rates are fractions, list rates are percents, growth
months may lack counts, send times carry an offset."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.mailchimp.tests.helpers import parse_fixture, parse_path, rows


def test_parse_reports_keeps_fraction_rates_and_converts_send_time_to_utc() -> None:
    parsed = parse_fixture("reports_two_campaigns_rates_as_fractions.json")
    assert rows(parsed, "mailchimp_campaigns") == [
        {
            "campaign_id": "8f2e6a1c4b",
            "title": "ZONE A0 - NOCTURNES EP out now",
            "subject_line": "NOCTURNES is out everywhere",
            "list_id": "a1b2c3d4e5",
            "send_time": datetime(2025, 3, 7, 17, 0, tzinfo=UTC),
            "emails_sent": 1000,
            "unique_opens": 450,
            "open_rate": 0.4545,
            "unique_clicks": 45,
            "click_rate": 0.0455,
            "unsubscribed": 4,
            "hard_bounces": 3,
            "soft_bounces": 7,
            "abuse_reports": 1,
        },
        {
            "campaign_id": "3c9d0b7e21",
            "title": "PIG1987 - MUD SEASON pre-save",
            "subject_line": "Pre-save MUD SEASON",
            "list_id": "a1b2c3d4e5",
            # 09:30 at -07:00 is 16:30 UTC
            "send_time": datetime(2025, 2, 28, 16, 30, tzinfo=UTC),
            "emails_sent": 800,
            "unique_opens": 316,
            "open_rate": 0.3975,
            "unique_clicks": 32,
            "click_rate": 0.0403,
            "unsubscribed": 2,
            "hard_bounces": 1,
            "soft_bounces": 4,
            "abuse_reports": 0,
        },
    ]
    assert (parsed.kind, parsed.schema_id, parsed.account) == (
        "api_reports",
        "mailchimp_v3_api_reports",
        "_",
    )
    assert (parsed.rows_in, parsed.rows_out, parsed.rejections, parsed.warnings) == (2, 2, [], [])


def test_parse_reports_page_without_reports_is_an_empty_file() -> None:
    parsed = parse_fixture("reports_page_without_reports.json", account="Bedrot")
    assert (parsed.kind, parsed.tables, parsed.rows_in, parsed.account) == (
        "api_reports",
        {},
        0,
        "bedrot",
    )


def test_parse_list_divides_percent_rates_by_100_on_the_capture_day() -> None:
    parsed = parse_fixture("list_stats_rates_as_percent.json")
    assert rows(parsed, "mailchimp_list_snapshots") == [
        {
            "list_id": "a1b2c3d4e5",
            "captured_on": date(2025, 3, 10),
            "member_count": 1874,
            "unsubscribe_count": 131,
            "cleaned_count": 57,
            "open_rate": 0.425,
            "click_rate": 0.0435,
        }
    ]
    assert (parsed.kind, parsed.rows_in) == ("api_list", 1)
    # the list's contact address never reaches a table
    assert "Example Street" not in str(parsed.tables["mailchimp_list_snapshots"].to_pylist())


def test_parse_growth_history_leaves_counts_an_older_month_lacks_unknown() -> None:
    parsed = parse_fixture("growth_history_dec2018_to_feb2019_older_month_without_counts.json")
    assert rows(parsed, "mailchimp_list_monthly") == [
        {
            "list_id": "a1b2c3d4e5",
            "month": date(2018, 12, 1),
            "existing": 900,
            "imports": 0,
            "optins": 50,
            "subscribed": None,
            "unsubscribed": None,
            "cleaned": None,
        },
        {
            "list_id": "a1b2c3d4e5",
            "month": date(2019, 1, 1),
            "existing": 950,
            "imports": 25,
            "optins": 35,
            "subscribed": 1010,
            "unsubscribed": 5,
            "cleaned": 1,
        },
        {
            "list_id": "a1b2c3d4e5",
            "month": date(2019, 2, 1),
            "existing": 1010,
            "imports": 0,
            "optins": 31,
            "subscribed": 1041,
            "unsubscribed": 3,
            "cleaned": 2,
        },
    ]
    assert (parsed.kind, parsed.rows_in) == ("api_growth", 3)


def test_parse_reports_rejects_a_file_whose_send_time_lacks_an_offset_in_1_of_2() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("reports_send_time_without_offset_in_1_of_2.json")
    assert rejected.value.message == (
        "1 of 2 rows rejected (50.0%, more than the 5% allowed); first: row 2 column "
        "'send_time' invalid_date: send_time '2025-03-01 17:00:00' has no UTC offset"
    )


def test_parse_rejects_a_response_that_is_not_mailchimp_naming_its_keys() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("not_mailchimp_graph_insights.json")
    assert rejected.value.message == (
        "not a Mailchimp reports, list or growth-history response: expected a top-level "
        "'reports' list, 'history' list or 'stats' object; top-level keys found: 'data', 'paging'"
    )


@pytest.mark.parametrize(
    ("document", "column", "code"),
    [
        ('{"id": "", "emails_sent": 1}', "id", "missing_value"),
        ('{"id": "x", "emails_sent": -1}', "emails_sent", "negative_count"),
        ('{"id": "x", "opens": [1]}', "opens", "invalid_value"),
        ('{"id": "x", "opens": {"open_rate": "high"}}', "opens.open_rate", "invalid_number"),
        ('{"id": "x", "send_time": "yesterday"}', "send_time", "invalid_date"),
        ('"a report"', "*", "invalid_row"),
    ],
)
def test_parse_reports_rejects_one_bad_report_in_21(
    tmp_path: Path, document: str, column: str, code: str
) -> None:
    # given 20 good reports and one bad one (below the 5% threshold)
    good = ",".join(f'{{"id": "c{number}", "emails_sent": 10}}' for number in range(20))
    path = tmp_path / "reports.json"
    path.write_text(f'{{"reports": [{good}, {document}], "total_items": 21}}')
    parsed = parse_path(path)
    assert (parsed.rows_in, parsed.rows_out) == (21, 20)
    assert [(error.row, error.column, error.code) for error in parsed.rejections] == [
        (21, column, code)
    ]


def test_parse_reports_notes_a_rate_above_one(tmp_path: Path) -> None:
    path = tmp_path / "reports.json"
    path.write_text('{"reports": [{"id": "c1", "opens": {"open_rate": 45.5}}]}')
    parsed = parse_path(path)
    assert rows(parsed, "mailchimp_campaigns")[0]["open_rate"] == 45.5
    assert parsed.warnings == ["rate_above_one campaign_id='c1' open_rate=45.5"]


def test_parse_growth_takes_the_responses_list_id_when_a_month_has_none(tmp_path: Path) -> None:
    path = tmp_path / "growth.json"
    path.write_text('{"history": [{"month": "2025-01", "existing": 5}], "list_id": "abc"}')
    parsed = parse_path(path)
    assert [(row["list_id"], row["month"]) for row in rows(parsed, "mailchimp_list_monthly")] == [
        ("abc", date(2025, 1, 1))
    ]
