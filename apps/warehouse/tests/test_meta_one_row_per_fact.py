"""An Ads Manager export without ids and the API (or an export with ids) covering the same ad set
or ad on the same day count once (SPEC 3.5), whichever file arrives first; reloading either
file, or rebuilding, creates and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from django.core.cache import cache

from apps.lake.curated import curated_merge, curated_remove_file_rows, partition_labels
from apps.sources.datasets import DATASETS
from apps.warehouse.loaders import LOADERS
from apps.warehouse.models import Ad, AdPerformanceDaily, AdPerformancePeriod, AdSet, Campaign
from apps.warehouse.retract import warehouse_file_retract
from apps.warehouse.services import warehouse_partitions_load
from apps.warehouse.tests.curated_tables import curated_table

pytestmark = pytest.mark.django_db

CAMPAIGN_ID = "120200000000000001"
CAMPAIGN_NAME = "PIG1987 - RENEGADE PIPELINE - BROAD"
ADSET_ID = "120210000000000011"
ADSET_BY_NAME = "name:us broad 18-34"
AD_ID = "120220000000000111"
AD_BY_NAME = "name:video a"
API_FILE, EXPORT_FILE = 301, 302
BOTH_ORDERS = pytest.mark.parametrize("api_first", [True, False], ids=["api_first", "export_first"])


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def _row(day: int, spend: str, impressions: int, *, by_name: bool, **extra: Any) -> dict[str, Any]:
    """An ad-set day, keyed by ids (the API, an export with ids) or by names (an export without
    ids, which still carries the campaign id here unless `extra` says otherwise)."""
    return {
        "date": date(2025, 5, day),
        "campaign_key": CAMPAIGN_ID,
        "adset_id": ADSET_BY_NAME if by_name else ADSET_ID,
        "ad_id": "",
        "grain": "adset",
        "campaign_id": CAMPAIGN_ID,
        "campaign_name": CAMPAIGN_NAME,
        "adset_name": "US Broad 18-34",
        "currency": "USD",
        "spend": Decimal(spend),
        "spend_usd": Decimal(spend),
        "impressions": impressions,
        "clicks_all": impressions // 100,
        "link_clicks": impressions // 200,
        "source_kind": "ads_manager_csv" if by_name else "api_insights",
        **extra,
    }


def _ad_row(day: int, spend: str, *, by_name: bool) -> dict[str, Any]:
    return _row(
        day,
        spend,
        500,
        by_name=by_name,
        grain="ad",
        ad_id=AD_BY_NAME if by_name else AD_ID,
        ad_name="Video A",
    )


# The API has May 1-2; the export without ids, captured a day later, has May 2 (restated) and 3.
API_DAYS = [_row(1, "6.00", 1000, by_name=False), _row(2, "7.00", 1100, by_name=False)]
EXPORT_DAYS = [_row(2, "7.50", 1200, by_name=True), _row(3, "4.00", 900, by_name=True)]


def _arrive(dataset: str, file_id: int, rows: list[dict[str, Any]]) -> None:
    """One file through curated into the warehouse, as ingest does (whole partitions)."""
    merge = curated_merge(
        dataset_name=dataset,
        table=pa.Table.from_pylist(rows, schema=DATASETS[dataset].schema),
        source_file_id=file_id,
        captured_at=datetime(2025, 6, file_id - 300, tzinfo=UTC),
    )
    warehouse_partitions_load(dataset=dataset, partitions=merge.partitions)


def _both_arrive(api_first: bool, api: list[dict[str, Any]], export: list[dict[str, Any]]) -> None:
    files = [(API_FILE, api), (EXPORT_FILE, export)]
    for file_id, rows in files if api_first else reversed(files):
        _arrive("meta_ads_daily", file_id, rows)


def _campaign_totals(client: Any) -> list[tuple[str, str, int, int]]:
    cache.clear()
    body = client.get("/api/marketing/campaigns").json()
    return [
        (r["external_id"], r["spend_usd"], r["impressions"], r["clicks"]) for r in body["results"]
    ]


def _ad_spend(client: Any) -> str:
    cache.clear()
    return client.get("/api/kpis/summary").json()["ad_spend_usd"]


def _facts() -> list[tuple[int, date, str, str, str, Decimal]]:
    return list(
        AdPerformanceDaily.objects.order_by("date", "grain").values_list(
            "pk", "date", "grain", "adset_id", "ad_id", "spend_usd"
        )
    )


def _fact_keys() -> list[tuple[date, str, str, Decimal]]:
    return [(day, adset, ad, spend) for _, day, _, adset, ad, spend in _facts()]


@BOTH_ORDERS
def test_an_ad_set_day_in_the_api_and_in_an_export_without_ids_counts_once(
    api_first: bool, alice_client: Any
) -> None:
    # given the API and an export without ids, both with May 2, in either order
    _both_arrive(api_first, API_DAYS, EXPORT_DAYS)
    # then May 2 is the API's 7.00 (not 7.00 + 7.50): 6 + 7 + 4 = 17, 1000 + 1100 + 900 shown
    assert _campaign_totals(alice_client) == [(CAMPAIGN_ID, "17.00", 3000, 30)]
    assert _ad_spend(alice_client) == "17.00"
    assert _fact_keys() == [
        (date(2025, 5, 1), ADSET_ID, "", Decimal("6")),
        (date(2025, 5, 2), ADSET_ID, "", Decimal("7")),
        (date(2025, 5, 3), ADSET_BY_NAME, "", Decimal("4")),
    ]
    assert list(AdSet.objects.values_list("external_id", flat=True)) == [ADSET_ID]
    assert set(AdPerformanceDaily.objects.values_list("adset_entity__external_id", flat=True)) == {
        ADSET_ID
    }


@BOTH_ORDERS
def test_reloading_either_file_or_rebuilding_changes_and_creates_nothing(
    api_first: bool, alice_client: Any
) -> None:
    _both_arrive(api_first, API_DAYS, EXPORT_DAYS)
    facts, adset_pk = _facts(), AdSet.objects.get().pk
    # when both files are loaded again, in the other order, then rebuilt from curated
    _both_arrive(not api_first, API_DAYS, EXPORT_DAYS)
    warehouse_partitions_load(dataset="meta_ads_daily", partitions=None)
    # then the same rows with the same ids, and no ad set was created and merged away again
    assert _facts() == facts
    assert _campaign_totals(alice_client) == [(CAMPAIGN_ID, "17.00", 3000, 30)]
    assert _next_pks()[0] == adset_pk + 1


def _next_pks() -> tuple[int, int]:
    """The pks the next new ad set and ad get: one more than the last ever created, even when
    that one was deleted again (a merge), so churn shows as a gap."""
    fresh = {**_ad_row(9, "1.00", by_name=False), "adset_id": "999", "ad_id": "9999"}
    _arrive("meta_ads_daily", 303, [fresh])
    return AdSet.objects.get(external_id="999").pk, Ad.objects.get(external_id="9999").pk


def test_an_export_without_ids_after_the_api_creates_no_ad_set() -> None:
    _arrive("meta_ads_daily", API_FILE, API_DAYS)
    adset_pk = AdSet.objects.get().pk
    for _ in range(2):
        _arrive("meta_ads_daily", EXPORT_FILE, EXPORT_DAYS)
        assert list(AdSet.objects.values_list("pk", flat=True)) == [adset_pk]
    # no name-only ad set was created and merged away meanwhile: ids did not climb
    assert _next_pks()[0] == adset_pk + 1


def test_a_rebuild_of_a_warehouse_holding_both_rows_keeps_one() -> None:
    # given the double row a load before this fix left (each file loaded on its own)
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", API_DAYS, file_id=API_FILE))
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", EXPORT_DAYS, file_id=EXPORT_FILE))
    assert AdPerformanceDaily.objects.filter(date=date(2025, 5, 2)).count() == 2
    # when the whole partition is loaded, as a rebuild does
    both = curated_table("meta_ads_daily", [*API_DAYS, *EXPORT_DAYS], file_id=API_FILE)
    LOADERS["meta_ads_daily"](both)
    # then only the row with ids remains for May 2
    assert list(
        AdPerformanceDaily.objects.filter(date=date(2025, 5, 2)).values_list(
            "adset_id", "spend_usd"
        )
    ) == [(ADSET_ID, Decimal("7"))]


@BOTH_ORDERS
def test_a_campaign_day_by_name_loses_to_the_same_day_by_id_even_when_captured_later(
    api_first: bool, alice_client: Any
) -> None:
    # the export lost the campaign id as well; both rows land on one warehouse key
    by_id = {**_row(5, "8.00", 800, by_name=False), "grain": "campaign", "adset_id": ""}
    by_name = {
        **by_id,
        "campaign_key": "name:pig1987 - renegade pipeline - broad",
        "campaign_id": None,
        "spend": Decimal("9.00"),
        "spend_usd": Decimal("9.00"),
    }
    _both_arrive(api_first, [by_id], [by_name])
    assert _campaign_totals(alice_client) == [(CAMPAIGN_ID, "8.00", 800, 8)]
    assert Campaign.objects.count() == 1


# --- ads known by name, then by id (or the other way round) --------------------------------------


@BOTH_ORDERS
def test_an_ad_known_by_name_and_by_id_is_one_ad_and_its_day_counts_once(
    api_first: bool, alice_client: Any
) -> None:
    # given an export with ids (May 2 restated to 3.25, and May 4) and one without (May 2)
    with_ids = [_ad_row(2, "3.25", by_name=False), _ad_row(4, "2.00", by_name=False)]
    _both_arrive(api_first, with_ids, [_ad_row(2, "3.00", by_name=True)])
    # then one ad, one ad set, and 3.25 + 2.00 (not + 3.00)
    assert list(Ad.objects.values_list("external_id", "adset__external_id")) == [(AD_ID, ADSET_ID)]
    assert AdSet.objects.count() == 1
    assert _fact_keys() == [
        (date(2025, 5, 2), ADSET_ID, AD_ID, Decimal("3.25")),
        (date(2025, 5, 4), ADSET_ID, AD_ID, Decimal("2")),
    ]
    assert _campaign_totals(alice_client) == [(CAMPAIGN_ID, "5.25", 1000, 10)]
    # and reloading both creates no ad set and no ad
    adset_pk, ad_pk = AdSet.objects.get().pk, Ad.objects.get().pk
    _both_arrive(not api_first, with_ids, [_ad_row(2, "3.00", by_name=True)])
    assert (AdSet.objects.get().pk, Ad.objects.get().pk) == (adset_pk, ad_pk)
    assert _next_pks() == (adset_pk + 1, ad_pk + 1)


def test_ad_objects_from_the_api_merge_the_name_only_ad() -> None:
    _arrive("meta_ads_daily", EXPORT_FILE, [_ad_row(3, "1.50", by_name=True)])
    assert list(Ad.objects.values_list("external_id", flat=True)) == [AD_BY_NAME]
    captured = datetime(2025, 6, 4, tzinfo=UTC)
    objects = [
        {"entity_type": "campaign", "entity_id": CAMPAIGN_ID, "name": CAMPAIGN_NAME,
         "captured_at": captured},
        {"entity_type": "adset", "entity_id": ADSET_ID, "campaign_id": CAMPAIGN_ID,
         "name": "US Broad 18-34", "captured_at": captured},
        {"entity_type": "ad", "entity_id": AD_ID, "campaign_id": CAMPAIGN_ID,
         "adset_id": ADSET_ID, "name": "Video A", "status": "ACTIVE", "captured_at": captured},
    ]  # fmt: skip
    for _ in range(2):
        LOADERS["meta_entities"](curated_table("meta_entities", objects))
        assert list(Ad.objects.values_list("external_id", "adset__external_id", "status")) == [
            (AD_ID, ADSET_ID, "ACTIVE")
        ]
        fact = AdPerformanceDaily.objects.get()
        assert (fact.ad_id, fact.ad_entity.external_id) == (AD_BY_NAME, AD_ID)


def test_same_named_ads_of_two_ad_sets_stay_two_ads() -> None:
    other = {"adset_id": "120210000000000012", "adset_name": "EU Broad"}
    _arrive(
        "meta_ads_daily",
        API_FILE,
        [_ad_row(2, "1.00", by_name=False), {**_ad_row(2, "2.00", by_name=False), **other,
                                              "ad_id": "120220000000000112"}],
    )  # fmt: skip
    _arrive("meta_ads_daily", EXPORT_FILE, [_ad_row(2, "1.00", by_name=True)])
    assert sorted(Ad.objects.values_list("external_id", "adset__external_id")) == [
        (AD_ID, ADSET_ID),
        ("120220000000000112", "120210000000000012"),
    ]
    assert AdPerformanceDaily.objects.count() == 2


# --- a replay retracting the winning row, whole-window rows --------------------------------------


def test_retracting_the_api_day_brings_back_the_export_day(alice_client: Any) -> None:
    _both_arrive(True, API_DAYS, EXPORT_DAYS)
    # when a replay of the API file no longer yields May 2
    before = pa.Table.from_pylist(API_DAYS, schema=DATASETS["meta_ads_daily"].schema)
    removed = pa.Table.from_pylist(API_DAYS[1:], schema=DATASETS["meta_ads_daily"].schema)
    curated_remove_file_rows(dataset_name="meta_ads_daily", table=removed, source_file_id=API_FILE)
    warehouse_file_retract(
        file_id=API_FILE,
        datasets={"meta_ads_daily"},
        partitions={"meta_ads_daily": partition_labels("meta_ads_daily", before)},
    )
    # then the export's 7.50 is May 2's spend: 6 + 7.50 + 4
    assert _fact_keys()[1] == (date(2025, 5, 2), ADSET_BY_NAME, "", Decimal("7.5"))
    assert _campaign_totals(alice_client) == [(CAMPAIGN_ID, "17.50", 3100, 31)]


@BOTH_ORDERS
def test_a_whole_window_row_by_name_and_by_id_is_one_row(api_first: bool) -> None:
    def window(spend: str, by_name: bool) -> dict[str, Any]:
        row = {**_row(1, spend, 5000, by_name=by_name), "period_end": date(2025, 5, 31)}
        row["period_start"] = row.pop("date")
        return row

    files = [(API_FILE, [window("40.00", False)]), (EXPORT_FILE, [window("41.00", True)])]
    for file_id, rows in (files if api_first else files[::-1]) * 2:
        _arrive("meta_ads_periods", file_id, rows)
    assert list(AdPerformancePeriod.objects.values_list("adset_id", "spend_usd")) == [
        (ADSET_ID, Decimal("40"))
    ]
