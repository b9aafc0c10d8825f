"""What the export and API parsers share: keys, the measure columns, USD and row warnings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.sources.connectors.metaads.values import ID_PRECISION_LOST
from apps.sources.connectors.rowbook import shown, text_key
from apps.sources.datasets_meta import (
    MEASURE_FIELDS,
    META_ADS_DAILY,
    META_ADS_DAILY_SCHEMA,
    META_ADS_PERIODS,
    META_ADS_PERIODS_SCHEMA,
    NAME_KEY_PREFIX,
)

KIND_ADS_MANAGER_CSV = "ads_manager_csv"
KIND_ADS_MANAGER_XLSX = "ads_manager_xlsx"
KIND_API_INSIGHTS = "api_insights"
KIND_API_ENTITIES = "api_entities"

USD = "USD"
MEASURE_NAMES: tuple[str, ...] = tuple(field.name for field in MEASURE_FIELDS)

# The tables a performance parser can fill, in the order the lake reads a file's period from.
PERFORMANCE_SCHEMAS = {
    META_ADS_DAILY: META_ADS_DAILY_SCHEMA,
    META_ADS_PERIODS: META_ADS_PERIODS_SCHEMA,
}


@dataclass(frozen=True)
class RowKeys:
    """The key parts below the date or window: campaign, ad set and ad."""

    campaign_key: str
    adset_id: str
    ad_id: str


def name_key(name: str) -> str:
    """`name:<normalised name>` for a row whose id is unknown; "" without a name either."""
    return NAME_KEY_PREFIX + text_key(name) if name.strip() else ""


def empty_measures() -> dict[str, object]:
    return dict.fromkeys(MEASURE_NAMES)


def usd_amount(spend: Decimal | None, currency: str) -> Decimal | None:
    """Spend in USD when the account bills in USD; otherwise the warehouse converts it later."""
    return spend if currency == USD else None


def fx_warning(row: int, currency: str) -> str:
    return f"row {row}: no FX rate for {shown(currency)}; spend_usd left null for review"


def currency_missing_warning(row: int) -> str:
    return f"row {row}: account_currency missing; spend read as USD"


def id_lost_warning(row: int, column: str, raw: str, matched: str | None) -> str:
    """SPEC conventions: the row keeps loading, its id is discarded and resolution uses names."""
    fallback = f"matched by name to {matched}" if matched else "matched by name"
    return f"row {row}: {ID_PRECISION_LOST} in {shown(column)} ({shown(raw)} discarded; {fallback})"
