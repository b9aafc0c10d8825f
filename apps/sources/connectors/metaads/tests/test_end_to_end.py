"""End to end per kind: `ingest_path` detects Meta from content and fills the curated datasets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile, RejectedRow
from apps.sources.connectors.metaads.samples import SheetCell, report_xlsx_bytes
from apps.sources.connectors.metaads.tests.helpers import FIXTURES
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db

CAMPAIGN = "120215551234567001"
ADSET_US = "120215551234567101"
ADSET_BR = "120215551234567102"


def _curated(dataset: str, *names: str) -> list[tuple[object, ...]]:
    """The named columns of every curated row, sorted by their text."""
    tables = list(curated_partitions(dataset))
    if not tables:
        return []
    rows = pa.concat_tables(tables).select(list(names)).to_pylist()
    picked = [tuple(row[name] for name in names) for row in rows]
    return sorted(picked, key=lambda row: tuple(str(value) for value in row))


def _accepted(outcome: IngestOutcome, rows_in: int, rows_rejected: int) -> None:
    assert (outcome.result, outcome.reason, outcome.source) == ("accepted", "", "metaads")
    assert (outcome.rows_in, outcome.rows_rejected) == (rows_in, rows_rejected)
    assert outcome.rows_in == (outcome.rows_out or 0) + rows_rejected


def test_ingest_ads_manager_csv_reaches_curated_periods() -> None:
    # given the EN campaign export (summary first, 18-digit ids)
    # when it is ingested with no --source
    outcome = ingest_path(path=FIXTURES / "campaigns_summary_first_18_digit_ids.csv")

    # then the content says Meta, the summary row is recorded as set aside, and the three
    # campaigns are curated with exact ids and exact spend
    _accepted(outcome, rows_in=4, rows_rejected=1)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.schema_id, lake_file.status) == (
        "ads_manager_csv",
        "meta_ads_manager_en_campaign_window",
        FileStatus.LOADED,
    )
    assert list(RejectedRow.objects.values_list("row_number", "code")) == [(2, "summary_row")]
    assert _curated(
        "meta_ads_periods", "period_start", "period_end", "campaign_key", "spend", "spend_usd"
    ) == [
        (date(2022, 12, 10), date(2023, 1, 8), "120212345678901234", Decimal("50.40"),
         Decimal("50.40")),
        (date(2022, 12, 10), date(2023, 1, 8), "120212345678901235", Decimal("33.33"),
         Decimal("33.33")),
        (date(2022, 12, 10), date(2023, 1, 8), "120212345678901236", Decimal("13.00"),
         Decimal("13.00")),
    ]  # fmt: skip
    assert _curated("meta_ads_daily", "date") == []


def test_ingest_ads_manager_csv_with_a_bad_control_total_is_quarantined() -> None:
    # given an export whose rows miss two cents of the summary
    outcome = ingest_path(path=FIXTURES / "campaigns_control_total_mismatch.csv")

    # then the whole file is rejected with both totals and nothing is curated
    assert (outcome.result, outcome.source) == ("rejected", "metaads")
    assert outcome.reason == (
        "control total mismatch: summary row spend 100.00 USD, loaded rows sum to 99.98 USD "
        "(difference 0.02, tolerance 0.01)"
    )
    assert _curated("meta_ads_periods", "campaign_key") == []


def test_ingest_ads_manager_xlsx_reaches_curated_daily(tmp_path: Path) -> None:
    # given a Raw Data Report workbook: title row, header on row 2 from column B, an `All` row
    # above the days, floats, an IDR account
    rows: list[list[SheetCell]] = [
        ["Campaign name", "Campaign ID", "Day", "Reporting starts", "Reporting ends",
         "Amount spent (IDR)", "Impressions"],
        [None, None, None, "2025-05-20", "2025-05-21", 300000.0, 5963.0],
        ["MUD SEASON", "120219990000000001", "All", "2025-05-20", "2025-05-21", 300000.0, 5963.0],
        ["MUD SEASON", "120219990000000001", "2025-05-20", "2025-05-20", "2025-05-20", 125000.5,
         2963.0],
        ["MUD SEASON", "120219990000000001", "2025-05-21", "2025-05-21", "2025-05-21", 174999.5,
         3000.0],
    ]  # fmt: skip
    path = tmp_path / "BEDROT-ADS-Campaigns-May-20-2025-May-21-2025.xlsx"
    path.write_bytes(report_xlsx_bytes(rows))

    # when it is ingested with no --source
    outcome = ingest_path(path=path)

    # then both day rows are curated in IDR, spend_usd waiting for an FX rate
    _accepted(outcome, rows_in=4, rows_rejected=2)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert lake_file.kind == "ads_manager_xlsx"
    assert lake_file.warnings == [
        "row 5: no FX rate for 'IDR'; spend_usd left null for review",
        "row 6: no FX rate for 'IDR'; spend_usd left null for review",
    ]
    assert _curated(
        "meta_ads_daily", "date", "campaign_key", "currency", "spend", "spend_usd", "impressions"
    ) == [
        (date(2025, 5, 20), "120219990000000001", "IDR", Decimal("125000.5"), None, 2963),
        (date(2025, 5, 21), "120219990000000001", "IDR", Decimal("174999.5"), None, 3000),
    ]


def test_ingest_api_insights_reaches_curated_daily() -> None:
    # given a saved insights page
    outcome = ingest_path(path=FIXTURES / "insights_adset_daily_usd_page1.json")

    # then each ad-set day is curated with exact 18-digit ids and exact spend
    _accepted(outcome, rows_in=3, rows_rejected=0)
    assert LakeFile.objects.get(pk=outcome.lake_file_id).kind == "api_insights"
    assert _curated(
        "meta_ads_daily", "date", "campaign_key", "adset_id", "ad_id", "spend", "ctr"
    ) == [
        (date(2025, 5, 20), CAMPAIGN, ADSET_US, "", Decimal("3.41"), 0.0461165),
        (date(2025, 5, 20), CAMPAIGN, ADSET_BR, "", Decimal("1.07"), 0.0173913),
        (date(2025, 5, 21), CAMPAIGN, ADSET_US, "", Decimal("2.50"), 0.03333333),
    ]


def test_ingest_28_day_reread_replaces_a_restated_day() -> None:
    # given the first read (May 20 and 21), then the next run's re-read restating May 21 and
    # adding May 22
    first = ingest_path(path=FIXTURES / "insights_adset_daily_usd_page1.json")
    second = ingest_path(path=FIXTURES / "insights_adset_daily_reread_restates_may21.json")

    # then May 21 holds the restated spend from the newer file, once; May 20 stays as read
    assert (first.result, second.result) == ("accepted", "accepted")
    assert _curated("meta_ads_daily", "date", "adset_id", "spend", "source_file_id") == [
        (date(2025, 5, 20), ADSET_US, Decimal("3.41"), first.lake_file_id),
        (date(2025, 5, 20), ADSET_BR, Decimal("1.07"), first.lake_file_id),
        (date(2025, 5, 21), ADSET_US, Decimal("2.75"), second.lake_file_id),
        (date(2025, 5, 22), ADSET_US, Decimal("4.00"), second.lake_file_id),
    ]


def test_ingest_api_entities_reaches_curated_entities() -> None:
    # given the campaigns, ad sets and ads pages
    outcomes = [
        ingest_path(path=FIXTURES / name)
        for name in ("entities_campaigns.json", "entities_adsets_minor_units_targeting.json",
                     "entities_ads.json")
    ]  # fmt: skip

    # then every object is curated once, typed, with budgets in currency units
    assert [(o.result, o.rows_in, o.rows_rejected) for o in outcomes] == [
        ("accepted", 2, 0),
        ("accepted", 1, 0),
        ("accepted", 1, 0),
    ]
    assert _curated(
        "meta_entities",
        "entity_type",
        "entity_id",
        "campaign_id",
        "daily_budget",
        "lifetime_budget",
        "updated_time",
    ) == [
        ("ad", "120215551234567201", CAMPAIGN, None, None,
         datetime(2025, 5, 22, 18, 0, tzinfo=UTC)),
        ("adset", ADSET_US, CAMPAIGN, Decimal("5.00"), Decimal(0),
         datetime(2025, 5, 23, 13, 57, 56, tzinfo=UTC)),
        ("campaign", CAMPAIGN, None, Decimal(25), None,
         datetime(2025, 5, 23, 13, 57, 56, tzinfo=UTC)),
        ("campaign", "120215551234567002", None, None, Decimal(1000),
         datetime(2025, 5, 1, 0, 0, 1, tzinfo=UTC)),
    ]  # fmt: skip
