"""Meta ad sets known first by name only (an export without ids) and later by id, or the other
way round, end as one ad set; campaign spend dates follow a replay that retracts spend days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from apps.lake.curated import curated_merge, curated_remove_file_rows, partition_labels
from apps.sources.datasets import DATASETS
from apps.warehouse.loaders import LOADERS
from apps.warehouse.models import Ad, AdPerformanceDaily, AdSet, Campaign
from apps.warehouse.retract import warehouse_file_retract
from apps.warehouse.services import warehouse_partitions_load
from apps.warehouse.tests.curated_tables import curated_table

pytestmark = pytest.mark.django_db

CAMPAIGN_ID = "120200000000000001"
ADSET_ID = "120210000000000011"
CAMPAIGN_NAME = "PIG1987 - RENEGADE PIPELINE - BROAD"


def _adset_day(day: int, adset_id: str, spend: str, **extra: object) -> dict[str, Any]:
    return {
        "date": date(2025, 5, day),
        "campaign_key": CAMPAIGN_ID,
        "adset_id": adset_id,
        "ad_id": "",
        "grain": "adset",
        "campaign_id": CAMPAIGN_ID,
        "campaign_name": CAMPAIGN_NAME,
        "adset_name": "US Broad 18-34",
        "currency": "USD",
        "spend": Decimal(spend),
        "spend_usd": Decimal(spend),
        "impressions": 1000,
        "clicks_all": 10,
        "link_clicks": 5,
        **extra,
    }


# An Ads Manager export without ids keys the ad set by its name; the API sends its id.
EXPORT_DAY = _adset_day(1, "name:us broad 18-34", "4.00", source_kind="ads_manager_csv")
API_DAY = _adset_day(2, ADSET_ID, "6.00", source_kind="api_insights")
EXPORT_AD_DAY = {
    **EXPORT_DAY,
    "date": date(2025, 5, 3),
    "grain": "ad",
    "ad_id": "name:video a",
    "ad_name": "Video A",
    "spend": Decimal("1.50"),
    "spend_usd": Decimal("1.50"),
}


def _load(*rows: dict[str, Any]) -> None:
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", list(rows)))


def _state() -> tuple[list[tuple[str, str]], list[tuple[str, str | None, Decimal]], list[Any]]:
    """(ad sets, facts as (adset_id text, ad set object's id, spend), ads with their ad set)."""
    adsets = list(AdSet.objects.order_by("external_id").values_list("external_id", "name"))
    facts = list(
        AdPerformanceDaily.objects.order_by("date").values_list(
            "adset_id", "adset_entity__external_id", "spend_usd"
        )
    )
    ads = list(Ad.objects.values_list("external_id", "adset__external_id"))
    return adsets, facts, ads


MERGED = (
    [(ADSET_ID, "US Broad 18-34")],
    [
        # the facts keep their natural-key text, and all point at the id ad set
        ("name:us broad 18-34", ADSET_ID, Decimal("4")),
        (ADSET_ID, ADSET_ID, Decimal("6")),
        ("name:us broad 18-34", ADSET_ID, Decimal("1.5")),
    ],
    [("name:video a", ADSET_ID)],
)


def test_a_name_only_ad_set_merges_into_the_id_ad_set_that_arrives_later() -> None:
    # given an export without ids: a name-only ad set with a day and an ad
    _load(EXPORT_DAY, EXPORT_AD_DAY)
    assert AdSet.objects.get().external_id == "name:us broad 18-34"
    # when the API brings the same ad set with its id
    _load(API_DAY)
    # then one ad set remains, and the export's facts and ad point at it
    assert _state() == MERGED
    # and loading everything again changes nothing
    ids = list(AdSet.objects.values_list("pk", flat=True))
    _load(EXPORT_DAY, EXPORT_AD_DAY)
    _load(API_DAY)
    assert _state() == MERGED
    assert list(AdSet.objects.values_list("pk", flat=True)) == ids


def test_an_export_without_ids_after_the_api_lands_on_the_id_ad_set() -> None:
    # given the ad set known by id first
    _load(API_DAY)
    # when an export without ids names it
    _load(EXPORT_DAY, EXPORT_AD_DAY)
    # then no second ad set appears
    assert _state() == MERGED
    _load(EXPORT_DAY, EXPORT_AD_DAY)
    assert _state() == MERGED
    assert AdPerformanceDaily.objects.count() == 3


def test_ad_set_objects_from_the_api_merge_the_name_only_ad_set() -> None:
    _load(EXPORT_DAY)
    captured = datetime(2025, 5, 4, tzinfo=UTC)
    objects = [
        {"entity_type": "campaign", "entity_id": CAMPAIGN_ID, "name": CAMPAIGN_NAME,
         "captured_at": captured},
        {"entity_type": "adset", "entity_id": ADSET_ID, "campaign_id": CAMPAIGN_ID,
         "name": "US Broad 18-34", "status": "ACTIVE", "captured_at": captured},
    ]  # fmt: skip
    for _ in range(2):
        LOADERS["meta_entities"](curated_table("meta_entities", objects))
        assert list(AdSet.objects.values_list("external_id", "status")) == [(ADSET_ID, "ACTIVE")]
        assert AdPerformanceDaily.objects.get().adset_entity.external_id == ADSET_ID


def test_two_id_ad_sets_sharing_the_name_leave_the_name_only_one_alone() -> None:
    twin = _adset_day(2, "120210000000000012", "2.00")
    _load(EXPORT_DAY, API_DAY, twin)
    assert list(AdSet.objects.order_by("external_id").values_list("external_id", flat=True)) == [
        ADSET_ID,
        "120210000000000012",
        "name:us broad 18-34",
    ]


# --- campaign spend dates after a replay retracts spend days ---------------------------------

OLDER, NEWER = 201, 202


def _campaign_days(*days: int) -> pa.Table:
    rows = [
        {k: v for k, v in _adset_day(day, ADSET_ID, "5.00").items() if k != "source_kind"}
        for day in days
    ]
    return pa.Table.from_pylist(rows, schema=DATASETS["meta_ads_daily"].schema)


def _merge(file_id: int, table: pa.Table) -> None:
    curated_merge(
        dataset_name="meta_ads_daily",
        table=table,
        source_file_id=file_id,
        captured_at=datetime(2025, 6, file_id - 200, tzinfo=UTC),
    )


def _retract(file_id: int, before: pa.Table, removed: pa.Table) -> None:
    curated_remove_file_rows(dataset_name="meta_ads_daily", table=removed, source_file_id=file_id)
    warehouse_file_retract(
        file_id=file_id,
        datasets={"meta_ads_daily"},
        partitions={"meta_ads_daily": partition_labels("meta_ads_daily", before)},
    )


def _spend_dates() -> tuple[date | None, date | None]:
    campaign = Campaign.objects.get()
    return campaign.first_spend_on, campaign.last_spend_on


def test_retracting_the_first_and_last_spend_days_moves_the_campaign_dates() -> None:
    # given spend on May 1-5 from one export
    before = _campaign_days(1, 2, 3, 4, 5)
    _merge(OLDER, before)
    warehouse_partitions_load(dataset="meta_ads_daily", partitions=None)
    assert _spend_dates() == (date(2025, 5, 1), date(2025, 5, 5))
    # when its replay no longer yields May 1 and May 5
    _retract(OLDER, before, _campaign_days(1, 5))
    # then the campaign spent from May 2 to May 4
    assert AdPerformanceDaily.objects.count() == 3
    assert _spend_dates() == (date(2025, 5, 2), date(2025, 5, 4))


def test_retracting_every_spend_day_clears_the_campaign_dates() -> None:
    before = _campaign_days(7, 8)
    _merge(NEWER, before)
    warehouse_partitions_load(dataset="meta_ads_daily", partitions=None)
    assert _spend_dates() == (date(2025, 5, 7), date(2025, 5, 8))
    _retract(NEWER, before, before)
    assert AdPerformanceDaily.objects.count() == 0
    assert _spend_dates() == (None, None)
