"""Curated Meta Ads datasets (SPEC.md 3.5): daily rows, whole-window rows and ad objects.

Names and schemas are plain module constants, so the parser imports them without touching
`datasets.py`. The `DatasetSpec`s are built by `meta_datasets()`, which imports `DatasetSpec` only
when called: `datasets.py` imports this module to register them, and a module-level import back
would make the two modules depend on each other's import order (as `datasets_audience`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from apps.sources.datasets import DatasetSpec

META_ADS_DAILY = "meta_ads_daily"
META_ADS_PERIODS = "meta_ads_periods"
META_ENTITIES = "meta_entities"

# Exact money, the same type as `statement_lines` amounts (datasets.MONEY); a large IDR spend
# still has 12 integer digits of room.
MONEY = pa.decimal128(24, 12)
UTC_TIME = pa.timestamp("us", tz="UTC")

GRAIN_CAMPAIGN = "campaign"
GRAIN_ADSET = "adset"
GRAIN_AD = "ad"

# Prefix of a campaign_key (or adset_id/ad_id) built from a name because no exact id is known.
NAME_KEY_PREFIX = "name:"

# The measures a daily row and a whole-window row share. The first block is SPEC 3.5's list;
# the second (additive) holds the other typed columns of an Ads Manager export, so no column the
# vendor gave is silently dropped (rates are fractions, rankings null when Meta wrote `-`).
MEASURE_FIELDS: tuple[pa.Field, ...] = (
    pa.field("grain", pa.string()),
    pa.field("campaign_id", pa.string()),
    pa.field("campaign_name", pa.string()),
    pa.field("adset_name", pa.string()),
    pa.field("ad_name", pa.string()),
    pa.field("currency", pa.string()),
    pa.field("spend", MONEY),
    pa.field("spend_usd", MONEY),
    pa.field("impressions", pa.int64()),
    pa.field("reach", pa.int64()),
    pa.field("frequency", pa.float64()),
    pa.field("clicks_all", pa.int64()),
    pa.field("link_clicks", pa.int64()),
    pa.field("results", pa.int64()),
    pa.field("result_indicator", pa.string()),
    # JSON object text: normalised action name (`Purchase`, `LinkClick`, raw name otherwise)
    # -> count. Text rather than an Arrow map so the curated CSV download can write it.
    pa.field("actions", pa.string()),
    pa.field("attribution_setting", pa.string()),
    pa.field("source_kind", pa.string()),
    # Additive columns (not in SPEC 3.5's list).
    pa.field("ctr", pa.float64()),
    pa.field("link_ctr", pa.float64()),
    pa.field("landing_page_views", pa.int64()),
    pa.field("delivery", pa.string()),
    pa.field("quality_ranking", pa.string()),
    pa.field("engagement_rate_ranking", pa.string()),
    pa.field("conversion_rate_ranking", pa.string()),
    pa.field("adset_budget", MONEY),
    # daily | lifetime | campaign (the ad set uses its campaign's budget); other text as given.
    pa.field("adset_budget_type", pa.string()),
    pa.field("ends_on", pa.date32()),
    pa.field("is_ongoing", pa.bool_()),
)

META_ADS_DAILY_SCHEMA = pa.schema(
    [
        pa.field("date", pa.date32()),
        pa.field("campaign_key", pa.string()),
        pa.field("adset_id", pa.string()),
        pa.field("ad_id", pa.string()),
        *MEASURE_FIELDS,
    ]
)

# Rows that cover a window with no day breakdown (an export without `Day`, a month or lifetime
# reach read from the API): never spread over days.
META_ADS_PERIODS_SCHEMA = pa.schema(
    [
        pa.field("period_start", pa.date32()),
        pa.field("period_end", pa.date32()),
        pa.field("campaign_key", pa.string()),
        pa.field("adset_id", pa.string()),
        pa.field("ad_id", pa.string()),
        *MEASURE_FIELDS,
    ]
)

# Campaign, ad set and ad objects; budgets in currency units (the API sends minor units).
META_ENTITIES_SCHEMA = pa.schema(
    [
        pa.field("entity_type", pa.string()),
        pa.field("entity_id", pa.string()),
        pa.field("name", pa.string()),
        pa.field("account_id", pa.string()),
        pa.field("campaign_id", pa.string()),
        pa.field("adset_id", pa.string()),
        pa.field("status", pa.string()),
        pa.field("effective_status", pa.string()),
        pa.field("objective", pa.string()),
        pa.field("currency", pa.string()),
        pa.field("daily_budget", MONEY),
        pa.field("lifetime_budget", MONEY),
        pa.field("start_time", UTC_TIME),
        pa.field("stop_time", UTC_TIME),
        pa.field("created_time", UTC_TIME),
        pa.field("updated_time", UTC_TIME),
        # The nested targeting object as compact JSON text with sorted keys.
        pa.field("targeting", pa.string()),
    ]
)


def meta_datasets() -> tuple[DatasetSpec, ...]:
    """The three Meta Ads datasets, natural keys exactly as SPEC 3.5."""
    # Imported here, not at module level: datasets.py imports this module (see the docstring).
    from apps.sources.datasets import DatasetSpec

    return (
        DatasetSpec(
            name=META_ADS_DAILY,
            schema=META_ADS_DAILY_SCHEMA,
            natural_key=("date", "campaign_key", "adset_id", "ad_id"),
            partition_column="date",
        ),
        DatasetSpec(
            name=META_ADS_PERIODS,
            schema=META_ADS_PERIODS_SCHEMA,
            natural_key=(
                "period_start",
                "period_end",
                "grain",
                "campaign_key",
                "adset_id",
                "ad_id",
            ),
            partition_column="period_start",
        ),
        DatasetSpec(
            name=META_ENTITIES,
            schema=META_ENTITIES_SCHEMA,
            natural_key=("entity_type", "entity_id"),
            # An object's creation time never changes, so its key always lands in one partition.
            partition_column="created_time",
        ),
    )
