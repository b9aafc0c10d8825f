"""Loaders for the Meta Ads datasets: campaigns (with the name parse), daily and whole-window
performance, and the campaign objects (objective, status, budgets)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.db.models import Max, Min

from apps.sources.datasets_meta import NAME_KEY_PREFIX
from apps.warehouse.campaigns import campaigns_reparse
from apps.warehouse.meta_facts import one_row_per_fact
from apps.warehouse.meta_objects import (
    adset_and_ad_entities_load,
    adset_and_ad_ids,
    name_only_objects_merge,
    remapped,
)
from apps.warehouse.models import (
    AdPerformanceDaily,
    AdPerformancePeriod,
    Campaign,
    FxRate,
    normalise_name,
)
from apps.warehouse.resolve import joined, map_column, text, upsert_frame

USD = "USD"
MONEY_TYPE = pa.decimal128(24, 12)
TWELVE_PLACES = Decimal("0.000000000001")
DAILY_KEY = ["date", "campaign_id", "adset_id", "ad_id"]
PERIOD_KEY = ["campaign_id", "period_start", "period_end", "grain", "adset_id", "ad_id"]


def _campaign_for_key(
    key: str, name: str, by_id: dict[str, Campaign], by_name: dict[str, Campaign]
) -> Campaign:
    """An id key finds its campaign by id, else adopts the name-only campaign of the same name;
    a name key (an id lost to scientific notation) finds any campaign of that name."""
    normalised = normalise_name(name)
    if not key.startswith(NAME_KEY_PREFIX):
        campaign = by_id.get(key)
        if campaign is None:
            campaign = by_name.get(normalised)
            if campaign is not None and campaign.external_id:
                campaign = None  # that name belongs to another campaign id
        if campaign is None:
            campaign = Campaign.objects.create(external_id=key, name=name)
        elif campaign.external_id != key or (name and campaign.name != name):
            campaign.external_id = key
            campaign.name = name or campaign.name
            campaign.save(update_fields=["external_id", "name"])
    else:
        campaign = by_name.get(normalised) or Campaign.objects.create(name=name)
    by_id[campaign.external_id] = campaign
    by_name.setdefault(normalised, campaign)
    return campaign


def campaign_ids_for_rows(table: pa.Table) -> pa.Array:
    """Per row: the Campaign id for its campaign_key, creating new campaigns and parsing them."""
    campaigns = list(Campaign.objects.all())
    by_id = {c.external_id: c for c in campaigns if c.external_id}
    by_name: dict[str, Campaign] = {}
    # A campaign with an id wins the name look-up over a name-only one.
    for campaign in sorted(campaigns, key=lambda c: c.external_id == ""):
        by_name.setdefault(normalise_name(campaign.name), campaign)
    keys = joined(table, ["campaign_key", "campaign_name"])
    mapping: dict[str, int | None] = {}
    for key in pc.unique(keys).to_pylist():
        campaign_key, _, name = key.partition("\x1f")
        if not campaign_key:
            mapping[key] = None
            continue
        mapping[key] = _campaign_for_key(campaign_key, name, by_id, by_name).pk
    ids = map_column(keys, mapping)
    campaigns_reparse([i for i in mapping.values() if i is not None])
    return ids


def _fx_rates() -> dict[tuple[str, date], Decimal]:
    return {(r.currency, r.month): r.usd_per_unit for r in FxRate.objects.all()}


def _spend_usd(
    rows: list[dict[str, Any]], rates: dict[tuple[str, date], Decimal]
) -> tuple[list[Decimal], list[bool]]:
    """USD spend per row: as given, or converted with the month's FX rate; with no rate it is 0
    and the row is flagged for review (the original amount stays in `spend`)."""
    amounts: list[Decimal] = []
    missing: list[bool] = []
    for row in rows:
        currency = (row["currency"] or USD).upper()
        if row["spend_usd"] is not None or currency == USD:
            amounts.append(
                row["spend_usd"] if row["spend_usd"] is not None else row["spend"] or Decimal(0)
            )
            missing.append(False)
            continue
        rate = rates.get((currency, row["day"].replace(day=1)))
        if rate is None or row["spend"] is None:
            amounts.append(Decimal(0))
            missing.append(row["spend"] is not None)
        else:
            amounts.append((row["spend"] * rate).quantize(TWELVE_PLACES))
            missing.append(False)
    return amounts, missing


def _measure_columns(table: pa.Table, day_column: str) -> dict[str, pa.Array]:
    rows = (
        table.select(["currency", "spend", "spend_usd"])
        .append_column("day", table.column(day_column))
        .to_pylist()
    )
    amounts, missing = _spend_usd(rows, _fx_rates())
    campaign_ids = campaign_ids_for_rows(table)
    adset_ids, ad_ids = adset_and_ad_ids(table, campaign_ids)
    merged = name_only_objects_merge(sorted(set(pc.drop_null(campaign_ids).to_pylist())))
    adset_ids, ad_ids = remapped(adset_ids, merged.adsets), remapped(ad_ids, merged.ads)
    return {
        "campaign_id": campaign_ids,
        "adset_id": text(table, "adset_id"),
        "ad_id": text(table, "ad_id"),
        "adset_entity_id": adset_ids,
        "ad_entity_id": ad_ids,
        "grain": text(table, "grain"),
        "spend_usd": pa.array(amounts, MONEY_TYPE),
        "impressions": pc.fill_null(table.column("impressions"), 0),
        "reach": table.column("reach"),
        "clicks": pc.fill_null(table.column("clicks_all"), 0),
        "link_clicks": pc.fill_null(table.column("link_clicks"), 0),
        "results": table.column("results"),
        "currency": pc.fill_null(pc.utf8_upper(table.column("currency")), USD),
        "spend": table.column("spend"),
        "lacks_fx_rate": pa.array(missing, pa.bool_()),
        "actions": table.column("actions"),
        "source_file_id": table.column("source_file_id"),
    }


def _without_campaign(table: pa.Table) -> pa.Table:
    """Rows with no campaign (an account summary that slipped through) cannot be loaded."""
    return table.filter(pc.not_equal(pc.fill_null(table.column("campaign_key"), ""), ""))


def _facts_upsert(
    model: type[AdPerformanceDaily] | type[AdPerformancePeriod],
    table: pa.Table,
    columns: dict[str, pa.Array],
    key: list[str],
) -> int:
    """Upsert one row per fact: a name-keyed duplicate of an id-keyed row is dropped, and the
    row it wrote before the id row arrived is deleted, in the same transaction."""
    with transaction.atomic():
        columns, captured_at = one_row_per_fact(
            model=model,
            columns=columns,
            key=key,
            campaign_keys=table.column("campaign_key"),
            captured_at=table.column("captured_at"),
        )
        return upsert_frame(model=model, columns=columns, key=key, captured_at=captured_at)


def meta_ads_daily_load(table: pa.Table) -> int:
    table = _without_campaign(table)
    columns = {"date": table.column("date"), **_measure_columns(table, "date")}
    loaded = _facts_upsert(AdPerformanceDaily, table, columns, DAILY_KEY)
    campaign_spend_dates_update(sorted(set(pc.drop_null(columns["campaign_id"]).to_pylist())))
    return loaded


def meta_ads_periods_load(table: pa.Table) -> int:
    """Whole-window rows stay windows: they are never spread over, or stamped on, a day."""
    table = _without_campaign(table)
    columns = {
        "period_start": table.column("period_start"),
        "period_end": table.column("period_end"),
        **_measure_columns(table, "period_start"),
    }
    return _facts_upsert(AdPerformancePeriod, table, columns, PERIOD_KEY)


def campaign_spend_dates_update(campaign_ids: list[int]) -> None:
    """First and last day with spend, from the daily facts; a campaign left with no spend day
    (its rows retracted by a replay) has neither."""
    spans = {
        span["campaign_id"]: (span["first"], span["last"])
        for span in AdPerformanceDaily.objects.filter(campaign_id__in=campaign_ids, spend_usd__gt=0)
        .values("campaign_id")
        .annotate(first=Min("date"), last=Max("date"))
        .order_by()
    }
    for campaign_id in campaign_ids:
        first, last = spans.get(campaign_id, (None, None))
        Campaign.objects.filter(pk=campaign_id).exclude(
            first_spend_on=first, last_spend_on=last
        ).update(first_spend_on=first, last_spend_on=last)


def campaigns_with_facts_from(source_file_id: int) -> list[int]:
    """Campaigns with daily facts stamped with `source_file_id`: a retraction collects them
    before deleting, then hands them to `campaign_spend_dates_update`."""
    return list(
        AdPerformanceDaily.objects.filter(source_file_id=source_file_id)
        .values_list("campaign_id", flat=True)
        .distinct()
        .order_by()
    )


def meta_entities_load(table: pa.Table) -> int:
    """Campaign objects set objective, status and budgets (in currency units) on the campaign;
    ad set and ad objects then fill their own tables."""
    campaigns = table.filter(pc.equal(table.column("entity_type"), "campaign"))
    rows = campaigns.to_pylist()
    for row in sorted(rows, key=lambda r: r["captured_at"]):
        campaign = Campaign.objects.filter(external_id=row["entity_id"]).first()
        if campaign is None:
            campaign = Campaign.objects.create(external_id=row["entity_id"], name=row["name"] or "")
        campaign.name = row["name"] or campaign.name
        campaign.objective = row["objective"] or ""
        campaign.status = row["status"] or ""
        campaign.effective_status = row["effective_status"] or ""
        campaign.daily_budget_usd = _budget(row["daily_budget"])
        campaign.lifetime_budget_usd = _budget(row["lifetime_budget"])
        campaign.save()
    campaigns_reparse(
        list(
            Campaign.objects.filter(external_id__in=[r["entity_id"] for r in rows]).values_list(
                "pk", flat=True
            )
        )
    )
    written = adset_and_ad_entities_load(table)
    named_campaigns = set(pc.drop_null(table.column("campaign_id")).to_pylist())
    name_only_objects_merge(
        list(Campaign.objects.filter(external_id__in=named_campaigns).values_list("pk", flat=True))
    )
    return len(rows) + written


def _budget(value: Decimal | None) -> Decimal | None:
    return value.quantize(Decimal("0.01")) if value is not None else None
