"""Meta ad sets and ads (SPEC 2.5, 4.1): created from the performance rows that name them and
completed from the `meta_entities` objects (status, budgets, targeting), so every ad-set or ad
grain fact points at its own object."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from apps.warehouse.models import Ad, AdSet, Campaign
from apps.warehouse.resolve import joined, map_column, text

logger = logging.getLogger(__name__)

SEPARATOR = "\x1f"


def _objects(
    model: type[AdSet] | type[Ad], keys: set[tuple[int, str]]
) -> dict[tuple[int, str], Any]:
    campaign_ids = {campaign_id for campaign_id, _ in keys}
    return {
        (obj.campaign_id, obj.external_id): obj
        for obj in model.objects.filter(campaign_id__in=campaign_ids)
    }


def _ensure(
    model: type[AdSet] | type[Ad], wanted: dict[tuple[int, str], dict[str, Any]]
) -> dict[tuple[int, str], Any]:
    """(campaign pk, external id) -> object, creating the missing ones with the given fields and
    giving a nameless existing one its name."""
    known = _objects(model, set(wanted))
    missing = [
        model(campaign_id=campaign_id, external_id=external_id, **fields)
        for (campaign_id, external_id), fields in sorted(wanted.items())
        if (campaign_id, external_id) not in known
    ]
    model.objects.bulk_create(missing, ignore_conflicts=True)
    for key, obj in known.items():
        name = wanted[key].get("name") or ""
        if name and not obj.name:
            model.objects.filter(pk=obj.pk).update(name=name)
    return _objects(model, set(wanted))


def _distinct_rows(table: pa.Table, names: list[str]) -> list[dict[str, Any]]:
    return table.select(names).group_by(names, use_threads=False).aggregate([]).to_pylist()


def adset_and_ad_ids(table: pa.Table, campaign_ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Per performance row: the AdSet and Ad pks (null at a coarser grain), creating the objects
    a row names for the first time."""
    frame = pa.table(
        {
            "campaign": pc.cast(campaign_ids, pa.int64()),
            "adset_id": text(table, "adset_id"),
            "adset_name": text(table, "adset_name"),
            "ad_id": text(table, "ad_id"),
            "ad_name": text(table, "ad_name"),
        }
    ).filter(pc.is_valid(campaign_ids))
    rows = _distinct_rows(frame, ["campaign", "adset_id", "adset_name", "ad_id", "ad_name"])
    adsets = _ensure(
        AdSet,
        {(r["campaign"], r["adset_id"]): {"name": r["adset_name"]} for r in rows if r["adset_id"]},
    )
    ads = _ensure(
        Ad,
        {
            (r["campaign"], r["ad_id"]): {
                "name": r["ad_name"],
                "adset": adsets.get((r["campaign"], r["adset_id"])),
            }
            for r in rows
            if r["ad_id"]
        },
    )
    keyed = pa.table(
        {
            "campaign": pc.cast(campaign_ids, pa.string()),
            "adset_id": text(table, "adset_id"),
            "ad_id": text(table, "ad_id"),
        }
    )
    adset_keys = joined(keyed, ["campaign", "adset_id"])
    ad_keys = joined(keyed, ["campaign", "ad_id"])
    adset_map = {f"{c}{SEPARATOR}{e}": obj.pk for (c, e), obj in adsets.items()}
    ad_map = {f"{c}{SEPARATOR}{e}": obj.pk for (c, e), obj in ads.items()}
    return map_column(adset_keys, adset_map), map_column(ad_keys, ad_map)


def _budget(value: Decimal | None) -> Decimal | None:
    return value.quantize(Decimal("0.01")) if value is not None else None


def _targeting(value: str | None) -> Any:
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None


def _campaigns_by_external_id(ids: set[str]) -> dict[str, int]:
    return dict(
        Campaign.objects.filter(external_id__in=ids).order_by("pk").values_list("external_id", "pk")
    )


def adset_and_ad_entities_load(table: pa.Table) -> int:
    """Ad set and ad objects from `meta_entities` (newest capture last, so it wins); an object
    whose campaign is unknown is skipped and logged. Returns the objects written."""
    rows = sorted(
        table.filter(pc.is_in(table.column("entity_type"), pa.array(["adset", "ad"]))).to_pylist(),
        key=lambda row: (row["entity_type"] != "adset", row["captured_at"]),
    )
    campaigns = _campaigns_by_external_id({row["campaign_id"] or "" for row in rows})
    written = 0
    for row in rows:
        campaign_id = campaigns.get(row["campaign_id"] or "")
        if campaign_id is None:
            logger.warning(
                "meta_entity_skipped type=%s id=%s reason=unknown_campaign",
                row["entity_type"],
                row["entity_id"],
            )
            continue
        fields: dict[str, Any] = {
            "name": row["name"] or "",
            "status": row["status"] or "",
            "effective_status": row["effective_status"] or "",
        }
        if row["entity_type"] == "adset":
            fields.update(
                daily_budget_usd=_budget(row["daily_budget"]),
                lifetime_budget_usd=_budget(row["lifetime_budget"]),
                targeting=_targeting(row["targeting"]),
            )
            AdSet.objects.update_or_create(
                campaign_id=campaign_id, external_id=row["entity_id"], defaults=fields
            )
        else:
            fields["adset"] = AdSet.objects.filter(
                campaign_id=campaign_id, external_id=row["adset_id"] or ""
            ).first()
            Ad.objects.update_or_create(
                campaign_id=campaign_id, external_id=row["entity_id"], defaults=fields
            )
        written += 1
    return written
