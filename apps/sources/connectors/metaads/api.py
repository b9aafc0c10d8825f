"""Marketing API pages saved as JSON: insights (`api_insights`) and objects (`api_entities`).

Insight metrics are strings (`"spend": "3.41"`), `ctr` is a percent and a row with
`date_start` = `date_stop` is one day; a longer window (a month or lifetime reach) goes to
`meta_ads_periods`. Objects carry budgets in minor units and timestamps like
`2025-05-23T06:57:56-0700`. `paging` is ignored: each page is its own file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.metaads import values
from apps.sources.connectors.metaads.rows import (
    KIND_API_ENTITIES,
    KIND_API_INSIGHTS,
    PERFORMANCE_SCHEMAS,
    USD,
    RowKeys,
    currency_missing_warning,
    empty_measures,
    fx_warning,
    id_lost_warning,
    name_key,
    usd_amount,
)
from apps.sources.connectors.metaads.values import Cell, NumberStyle
from apps.sources.connectors.rowbook import (
    INVALID_DATE,
    INVALID_ROW,
    INVALID_VALUE,
    MAX_REJECTED_FRACTION,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    json_text,
    read_json_file,
    shown,
)
from apps.sources.datasets_meta import (
    GRAIN_AD,
    GRAIN_ADSET,
    GRAIN_CAMPAIGN,
    META_ADS_DAILY,
    META_ADS_PERIODS,
    META_ENTITIES,
    META_ENTITIES_SCHEMA,
)

logger = logging.getLogger(__name__)

API_STYLE = NumberStyle(decimal_mark=".", is_day_first=False)

# Action types renamed to the names the warehouse uses; any other type keeps its raw name.
ACTION_NAMES: dict[str, str] = {
    "offsite_conversion.fb_pixel_purchase": "Purchase",
    "offsite_conversion.fb_pixel_add_to_cart": "AddToCart",
    "offsite_conversion.fb_pixel_initiate_checkout": "InitiateCheckout",
    "offsite_conversion.fb_pixel_view_content": "ViewContent",
    "offsite_conversion.fb_pixel_lead": "Lead",
    "offsite_conversion.fb_pixel_complete_registration": "CompleteRegistration",
    "link_click": "LinkClick",
    "landing_page_view": "LandingPageView",
    "video_view": "VideoView",
    "post_engagement": "PostEngagement",
    "page_engagement": "PageEngagement",
    "post_reaction": "PostReaction",
    "comment": "Comment",
    "like": "PageLike",
    "onsite_conversion.post_save": "PostSave",
}

# Meta's currency offsets: budgets are in 1/100 of a unit except in these currencies, whose
# minor unit is the unit itself (Marketing API "Currency codes" table).
OFFSET_ONE_CURRENCIES = frozenset(
    {"CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND"}
)
DEFAULT_OFFSET = 100

# Entity types share the grain names; the type comes from the parent ids an object carries
# (the list endpoints return no type).
ENTITY_CAMPAIGN = GRAIN_CAMPAIGN
ENTITY_ADSET = GRAIN_ADSET
ENTITY_AD = GRAIN_AD

_TIMESTAMP_FIELDS = ("start_time", "stop_time", "created_time", "updated_time")


def parse_api_page(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """One saved response page: insight rows when they carry `date_start`, else objects."""
    data = _data_rows(read_json_file(payload.path))
    has_dates = any(isinstance(item, dict) and "date_start" in item for item in data)
    if has_dates or (not data and payload.kind != KIND_API_ENTITIES):
        return _parse_insights(payload, data, max_rejected_fraction)
    return _parse_entities(payload, data, max_rejected_fraction)


def _data_rows(document: object) -> list[object]:
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        error = document["error"]
        raise FileRejected(
            f"API error payload, not data: code {shown(error.get('code'))} "
            f"{shown(error.get('message'))}"
        )
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise FileRejected("not a Marketing API page: expected an object with a data[] list")
    rows: list[object] = document["data"]
    return rows


def _parsed(
    payload: Payload, kind: str, book: RowBook, tables: dict[str, pa.Table], warnings: list[str]
) -> ParsedFile:
    logger.info(
        "metaads_api_parsed kind=%s rows_in=%s rejected=%s",
        kind,
        book.rows_in,
        len(book.rejections),
    )
    return ParsedFile(
        kind=kind,
        schema_id=f"meta_{kind}",
        tables=tables,
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding="utf-8",
        warnings=warnings,
        account=payload.account,
        captured_at=payload.captured_at,
    )


# Keeps one row of a page (book, row number, row, raw line, warnings) or raises RowInvalid.
RowReader = Callable[[RowBook, int, dict[str, object], str, list[str]], None]


def _each_row(book: RowBook, data: list[object], read: RowReader, warnings: list[str]) -> None:
    for number, item in enumerate(data, start=1):
        book.count()
        raw = json_text(item)
        if not isinstance(item, dict):
            message = f"data[{number - 1}] is not an object"
            book.reject(row=number, column="*", code=INVALID_ROW, message=message, raw_line=raw)
            continue
        try:
            read(book, number, item, raw, warnings)
        except RowInvalid as invalid:
            book.reject(
                row=number,
                column=invalid.column,
                code=invalid.code,
                message=invalid.message,
                raw_line=raw,
            )


def _parse_insights(
    payload: Payload, data: list[object], max_rejected_fraction: float
) -> ParsedFile:
    book = RowBook()
    warnings: list[str] = []
    _each_row(book, data, _keep_insight, warnings)
    book.check_share(max_rejected_fraction)
    return _parsed(payload, KIND_API_INSIGHTS, book, book.tables(PERFORMANCE_SCHEMAS), warnings)


def _keep_insight(
    book: RowBook, number: int, item: dict[str, object], raw: str, warnings: list[str]
) -> None:
    start = _date(item.get("date_start"), "date_start", is_required=True)
    stop = _date(item.get("date_stop"), "date_stop", is_required=False) or start
    if stop < start:
        raise RowInvalid("date_stop", INVALID_VALUE, f"date_stop {stop} is before {start}")
    measures = _insight_measures(item)
    currency = _string(item.get("account_currency"), "account_currency") or ""
    spend = measures["spend"]
    # Warnings are kept only once the row is, so a rejected row never leaves one behind.
    row_warnings: list[str] = []
    keys, grain, campaign_id = _insight_keys(number, item, row_warnings)
    # SPEC 2.5 never lists account_currency (only the extractor asks for it), so a hand-made
    # page without it loads: spend is read as USD, as the warehouse reads a null currency, and
    # a row warning says so (rejecting would drop the impressions, clicks and reach too).
    if spend is not None and not currency:
        row_warnings.append(currency_missing_warning(number))
    elif spend is not None and currency != USD:
        row_warnings.append(fx_warning(number, currency))
    row = {
        **measures,
        "grain": grain,
        "campaign_id": campaign_id,
        "campaign_name": _string(item.get("campaign_name"), "campaign_name"),
        "adset_name": _string(item.get("adset_name"), "adset_name"),
        "ad_name": _string(item.get("ad_name"), "ad_name"),
        "currency": currency or None,
        "spend_usd": usd_amount(spend if isinstance(spend, Decimal) else None, currency or USD),
        "source_kind": KIND_API_INSIGHTS,
        "campaign_key": keys.campaign_key,
        "adset_id": keys.adset_id,
        "ad_id": keys.ad_id,
    }
    parts = (keys.campaign_key, keys.adset_id, keys.ad_id)
    if start == stop:
        book.keep(META_ADS_DAILY, (start, *parts), {**row, "date": start}, row=number, raw_line=raw)
    else:
        window = {"period_start": start, "period_end": stop}
        key = (start, stop, grain, *parts)
        book.keep(META_ADS_PERIODS, key, {**row, **window}, row=number, raw_line=raw)
    warnings.extend(row_warnings)


@dataclass(frozen=True)
class _Level:
    """The campaign, ad set or ad named by an insight row."""

    identifier: str | None
    name: str
    is_present: bool

    @property
    def key(self) -> str:
        return self.identifier or name_key(self.name)


_LEVEL_FIELDS = (("campaign_id", "campaign_name"), ("adset_id", "adset_name"), ("ad_id", "ad_name"))


def _insight_keys(
    number: int, item: dict[str, object], warnings: list[str]
) -> tuple[RowKeys, str, str | None]:
    """Keys at the grain present: an ad id makes an ad row, an ad set id an ad set row."""
    levels = []
    for id_field, name_field in _LEVEL_FIELDS:
        identifier = values.meta_id(_cell(item.get(id_field), id_field), id_field)
        name = _string(item.get(name_field), name_field) or ""
        if identifier.is_lost:
            warnings.append(id_lost_warning(number, id_field, identifier.raw, None))
        is_present = identifier.value is not None or identifier.is_lost or bool(name)
        levels.append(_Level(identifier.value, name, is_present))
    campaign, adset, ad = levels
    if not campaign.key:
        raise RowInvalid("campaign_id", MISSING_VALUE, "campaign_id is missing")
    grain = GRAIN_AD if ad.is_present else GRAIN_ADSET if adset.is_present else GRAIN_CAMPAIGN
    keys = RowKeys(
        campaign.key,
        adset.key if grain != GRAIN_CAMPAIGN else "",
        ad.key if grain == GRAIN_AD else "",
    )
    return keys, grain, campaign.identifier


def _insight_measures(item: dict[str, object]) -> dict[str, object]:
    def cell(name: str) -> Cell:
        return _cell(item.get(name), name)

    actions = _actions(item.get("actions"))
    link_clicks = values.count(cell("inline_link_clicks"), "inline_link_clicks", API_STYLE)
    results, indicator = _results(item.get("results"))
    measures = empty_measures()
    measures.update(
        spend=values.money(cell("spend"), "spend", API_STYLE),
        impressions=values.count(cell("impressions"), "impressions", API_STYLE),
        reach=values.count(cell("reach"), "reach", API_STYLE),
        frequency=values.ratio(cell("frequency"), "frequency", API_STYLE),
        clicks_all=values.count(cell("clicks"), "clicks", API_STYLE),
        link_clicks=link_clicks if link_clicks is not None else _whole(actions.get("LinkClick")),
        results=results,
        result_indicator=indicator,
        actions=_json_object(actions) if actions else None,
        attribution_setting=values.text(cell("attribution_setting")),
        ctr=values.percent(cell("ctr"), "ctr", API_STYLE),
        link_ctr=values.percent(cell("inline_link_click_ctr"), "inline_link_click_ctr", API_STYLE),
        landing_page_views=_whole(actions.get("LandingPageView")),
    )
    return measures


def _whole(number: int | float | None) -> int | None:
    return number if isinstance(number, int) else None


def _actions(raw: object) -> dict[str, int | float]:
    """`[{action_type, value}]` -> {normalised name: number}; a repeated type is summed."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise RowInvalid("actions", INVALID_VALUE, f"actions {shown(raw)} is not a list")
    actions: dict[str, Decimal] = {}
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("action_type"), str):
            raise RowInvalid("actions", INVALID_VALUE, f"action {shown(entry)} has no action_type")
        action_type: str = entry["action_type"]
        amount = values.decimal(_cell(entry.get("value"), "actions"), "actions", API_STYLE)
        if amount is None:
            continue
        action = ACTION_NAMES.get(action_type, action_type)
        actions[action] = actions.get(action, Decimal(0)) + amount
    return {name: _json_number(amount) for name, amount in actions.items()}


def _json_number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _results(raw: object) -> tuple[int | None, str | None]:
    """Newer API versions send `results: [{indicator, values: [{value}]}]`; older ones none."""
    if not isinstance(raw, list) or not raw or not isinstance(raw[0], dict):
        return None, None
    first = raw[0]
    indicator = first.get("indicator")
    entries = first.get("values")
    total = 0
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            total += values.count(_cell(entry.get("value"), "results"), "results", API_STYLE) or 0
    return total, indicator if isinstance(indicator, str) else None


def _parse_entities(
    payload: Payload, data: list[object], max_rejected_fraction: float
) -> ParsedFile:
    book = RowBook()
    warnings: list[str] = []
    _each_row(book, data, _keep_entity, warnings)
    book.check_share(max_rejected_fraction)
    tables = book.tables({META_ENTITIES: META_ENTITIES_SCHEMA})
    return _parsed(payload, KIND_API_ENTITIES, book, tables, sorted(set(warnings)))


def _keep_entity(
    book: RowBook, number: int, item: dict[str, object], raw: str, warnings: list[str]
) -> None:
    entity_type = _entity_type(item)
    identifier = values.meta_id(_cell(item.get("id"), "id"), "id")
    if identifier.is_lost:
        raise RowInvalid("id", INVALID_VALUE, f"id {shown(identifier.raw)} lost its digits")
    if identifier.value is None:
        raise RowInvalid("id", MISSING_VALUE, "id is missing")
    currency = _string(item.get("currency") or item.get("account_currency"), "currency") or ""
    if not currency and (item.get("daily_budget") or item.get("lifetime_budget")):
        warnings.append("budgets read with offset 100: the objects name no currency")
    row: dict[str, object] = {
        "entity_type": entity_type,
        "entity_id": identifier.value,
        "name": _string(item.get("name"), "name"),
        "account_id": _optional_id(item, "account_id"),
        "campaign_id": _optional_id(item, "campaign_id"),
        "adset_id": _optional_id(item, "adset_id"),
        "status": _string(item.get("status"), "status"),
        "effective_status": _string(item.get("effective_status"), "effective_status"),
        "objective": _string(item.get("objective"), "objective"),
        "currency": currency or None,
        "daily_budget": _budget(item.get("daily_budget"), "daily_budget", currency),
        "lifetime_budget": _budget(item.get("lifetime_budget"), "lifetime_budget", currency),
        "targeting": _targeting(item.get("targeting")),
    }
    for name in _TIMESTAMP_FIELDS:
        row[name] = _timestamp(item.get(name), name)
    key = (entity_type, identifier.value)
    book.keep(META_ENTITIES, key, row, row=number, raw_line=raw)


def _entity_type(item: dict[str, object]) -> str:
    if "adset_id" in item:
        return ENTITY_AD
    if "campaign_id" in item:
        return ENTITY_ADSET
    return ENTITY_CAMPAIGN


def _optional_id(item: dict[str, object], name: str) -> str | None:
    identifier = values.meta_id(_cell(item.get(name), name), name)
    if identifier.is_lost:
        raise RowInvalid(name, INVALID_VALUE, f"{name} {shown(identifier.raw)} lost its digits")
    return identifier.value


def _budget(raw: object, name: str, currency: str) -> Decimal | None:
    """Minor units (`"500"`) to currency units (5.00); IDR, JPY and kin have no minor unit."""
    minor = values.count(_cell(raw, name), name, API_STYLE)
    if minor is None:
        return None
    offset = 1 if currency.upper() in OFFSET_ONE_CURRENCIES else DEFAULT_OFFSET
    amount = Decimal(minor) / offset
    return values.fitted_money(amount, name)


def _targeting(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RowInvalid("targeting", INVALID_VALUE, f"targeting {shown(raw)} is not an object")
    return _json_object(raw)


def _timestamp(raw: object, name: str) -> datetime | None:
    """`2025-05-23T06:57:56-0700` (offset without a colon) as a UTC instant."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(UTC)
    raise RowInvalid(name, INVALID_DATE, f"{name} {shown(raw)} is not a timestamp with an offset")


def _date(raw: object, name: str, *, is_required: bool) -> date | None:
    if raw is None or raw == "":
        if is_required:
            raise RowInvalid(name, MISSING_VALUE, f"{name} is missing")
        return None
    if isinstance(raw, str):
        day = values.calendar_date(raw, name, API_STYLE)
        if day is not None:
            return day
    raise RowInvalid(name, INVALID_DATE, f"{name} {shown(raw)} is not a date")


def _string(raw: object, name: str) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw.strip() or None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise RowInvalid(name, INVALID_VALUE, f"{name} {shown(raw)} is not text")


def _cell(raw: object, name: str) -> Cell:
    """A JSON value as a cell: strings and numbers pass, anything else rejects the row."""
    if raw is None or isinstance(raw, str | int | float):
        return raw
    raise RowInvalid(name, INVALID_VALUE, f"{name} {shown(raw)} is not a string or number")


def _json_object(value: dict[str, object] | dict[str, int | float]) -> str:
    """Compact JSON with sorted keys: the same object always gives the same text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
