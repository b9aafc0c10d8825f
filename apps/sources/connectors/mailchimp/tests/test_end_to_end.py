"""From `ingest_path` to curated: every Mailchimp kind, and the history rule for growth months."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile
from apps.sources.connectors.mailchimp.tests.helpers import FIXTURES
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db

LINEAGE = ("source_file_id", "captured_at")


def _ingest(name: str, *, at: datetime) -> IngestOutcome:
    with time_machine.travel(at, tick=False):
        return ingest_path(path=FIXTURES / name)


def _curated(dataset: str) -> list[dict[str, object]]:
    found = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    return [{k: v for k, v in row.items() if k not in LINEAGE} for row in found]


def _counts(outcome: IngestOutcome) -> tuple[object, ...]:
    return (
        outcome.result,
        outcome.source,
        outcome.rows_in,
        outcome.rows_out,
        outcome.rows_rejected,
    )


def _month(month: date, *counts: int | None) -> dict[str, object]:
    names = ("existing", "imports", "optins", "subscribed", "unsubscribed", "cleaned")
    return {"list_id": "a1b2c3d4e5", "month": month, **dict(zip(names, counts, strict=True))}


def test_ingest_reports_reach_curated() -> None:
    outcome = _ingest(
        "reports_two_campaigns_rates_as_fractions.json", at=datetime(2025, 3, 10, 8, 30, tzinfo=UTC)
    )
    assert _counts(outcome) == ("accepted", "mailchimp", 2, 2, 0)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.status, lake_file.account) == (
        "api_reports",
        FileStatus.LOADED,
        "_",
    )
    # partitions by send month: February before March
    assert [
        (row["campaign_id"], row["send_time"], row["open_rate"], row["click_rate"])
        for row in _curated("mailchimp_campaigns")
    ] == [
        ("3c9d0b7e21", datetime(2025, 2, 28, 16, 30, tzinfo=UTC), 0.3975, 0.0403),
        ("8f2e6a1c4b", datetime(2025, 3, 7, 17, 0, tzinfo=UTC), 0.4545, 0.0455),
    ]


def test_ingest_list_reaches_curated_as_a_snapshot_of_the_capture_day() -> None:
    outcome = _ingest(
        "list_stats_rates_as_percent.json", at=datetime(2025, 3, 10, 8, 30, tzinfo=UTC)
    )
    assert _counts(outcome) == ("accepted", "mailchimp", 1, 1, 0)
    assert _curated("mailchimp_list_snapshots") == [
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


def test_ingest_newer_growth_history_keeps_older_months_and_restates_overlaps() -> None:
    # given Dec 2018 - Feb 2019, then a newer capture of Feb (restated) and Mar 2019 only
    older = _ingest(
        "growth_history_dec2018_to_feb2019_older_month_without_counts.json",
        at=datetime(2019, 2, 20, tzinfo=UTC),
    )
    newer = _ingest(
        "growth_history_feb2019_restated_and_mar2019.json", at=datetime(2019, 3, 20, tzinfo=UTC)
    )
    assert (_counts(older), _counts(newer)) == (
        ("accepted", "mailchimp", 3, 3, 0),
        ("accepted", "mailchimp", 2, 2, 0),
    )
    # then Dec and Jan survive, Feb takes the newer counts, Mar is added
    assert _curated("mailchimp_list_monthly") == [
        _month(date(2018, 12, 1), 900, 0, 50, None, None, None),
        _month(date(2019, 1, 1), 950, 25, 35, 1010, 5, 1),
        _month(date(2019, 2, 1), 1010, 0, 33, 1043, 3, 2),
        _month(date(2019, 3, 1), 1041, 0, 18, 1059, 1, 0),
    ]


def test_ingest_the_same_response_twice_is_a_duplicate(tmp_path: Path) -> None:
    at = datetime(2025, 3, 10, tzinfo=UTC)
    first = _ingest("list_stats_rates_as_percent.json", at=at)
    copy = tmp_path / "renamed.json"
    copy.write_bytes((FIXTURES / "list_stats_rates_as_percent.json").read_bytes())
    with time_machine.travel(at, tick=False):
        second = ingest_path(path=copy)
    assert (second.result, second.reason) == (
        "duplicate",
        f"same bytes as file {first.lake_file_id}",
    )
    assert len(_curated("mailchimp_list_snapshots")) == 1
