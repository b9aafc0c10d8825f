"""Meta ad sets and ads (SPEC 2.5, 4.1): created from the performance rows that name them and
completed from the `meta_entities` objects (status, budgets, targeting), so every ad-set or ad
grain fact points at its own object.

An export without ids keys an ad set or ad by its name (`name:<normalised name>`). Such an
object and the same one known by its id are one object: a name that an id object of the same
scope (campaign; for an ad also its ad set) already carries resolves to it, and a name-only
object created before its id twin arrived is merged into it (`name_only_objects_merge`)."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction

from apps.sources.connectors.metaads.rows import name_key
from apps.sources.datasets_meta import NAME_KEY_PREFIX
from apps.warehouse.models import Ad, AdPerformanceDaily, AdPerformancePeriod, AdSet, Campaign
from apps.warehouse.resolve import joined, map_column, text

logger = logging.getLogger(__name__)

SEPARATOR = "\x1f"

MetaObject = AdSet | Ad
# (campaign pk, ad set pk for an ad else None, name key): where a name identifies one object.
Scope = tuple[int, int | None, str]


def _objects(
    model: type[AdSet] | type[Ad], keys: set[tuple[int, str]]
) -> dict[tuple[int, str], Any]:
    campaign_ids = {campaign_id for campaign_id, _ in keys}
    return {
        (obj.campaign_id, obj.external_id): obj
        for obj in model.objects.filter(campaign_id__in=campaign_ids)
    }


def _is_name_only(external_id: str) -> bool:
    return external_id.startswith(NAME_KEY_PREFIX)


def _id_objects_by_scope(objects: Iterable[MetaObject]) -> dict[Scope, list[MetaObject]]:
    """The objects known by id, under the name key of their name."""
    by_scope: dict[Scope, list[MetaObject]] = defaultdict(list)
    for obj in objects:
        if not _is_name_only(obj.external_id) and (key := name_key(obj.name)):
            adset = obj.adset_id if isinstance(obj, Ad) else None
            by_scope[(obj.campaign_id, adset, key)].append(obj)
    return by_scope


def _only(candidates: list[MetaObject], scope: Scope) -> MetaObject | None:
    """The single id object of a scope; a name two id objects share stays unresolved."""
    if len(candidates) > 1:
        pks = ",".join(str(obj.pk) for obj in candidates)
        logger.warning("meta_name_ambiguous campaign=%s id_objects=%s", scope[0], pks)
    return candidates[0] if len(candidates) == 1 else None


def _id_twins(
    known: dict[tuple[int, str], Any], unknown: dict[tuple[int, str], dict[str, Any]]
) -> dict[tuple[int, str], Any]:
    """(campaign pk, name key) -> the id object of that name, for the name keys not yet known:
    reloading an export after the API then creates no name-only object to merge away again."""
    by_scope = _id_objects_by_scope(known.values())
    twins: dict[tuple[int, str], Any] = {}
    for (campaign_id, external_id), fields in unknown.items():
        if not _is_name_only(external_id):
            continue
        adset = fields.get("adset")
        scope = (campaign_id, adset.pk if adset is not None else None, external_id)
        if (twin := _only(by_scope.get(scope, []), scope)) is not None:
            twins[(campaign_id, external_id)] = twin
    return twins


def _ensure(
    model: type[AdSet] | type[Ad], wanted: dict[tuple[int, str], dict[str, Any]]
) -> dict[tuple[int, str], Any]:
    """(campaign pk, external id) -> object, creating the missing ones with the given fields and
    giving a nameless existing one its name; a name key resolves to its id twin when there is
    one."""
    known = _objects(model, set(wanted))
    twins = _id_twins(known, {key: f for key, f in wanted.items() if key not in known})
    missing = [
        model(campaign_id=campaign_id, external_id=external_id, **fields)
        for (campaign_id, external_id), fields in sorted(wanted.items())
        if (campaign_id, external_id) not in known and (campaign_id, external_id) not in twins
    ]
    model.objects.bulk_create(missing, ignore_conflicts=True)
    for key, obj in known.items():
        name = wanted.get(key, {}).get("name") or ""  # other objects of the campaign: untouched
        if name and not obj.name:
            model.objects.filter(pk=obj.pk).update(name=name)
    return {**_objects(model, set(wanted)), **twins}


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


# --- name-only objects merged into their id twins ----------------------------------------------


@dataclass(frozen=True)
class Merged:
    """Name-only pk -> id pk, per model, for the objects one merge folded away."""

    adsets: dict[int, int]
    ads: dict[int, int]


def _merge_pairs(objects: list[MetaObject]) -> dict[int, int]:
    """Name-only pk -> the pk of its id twin (same scope, same name key)."""
    by_scope = _id_objects_by_scope(objects)
    pairs: dict[int, int] = {}
    for obj in objects:
        if not _is_name_only(obj.external_id):
            continue
        adset = obj.adset_id if isinstance(obj, Ad) else None
        scope = (obj.campaign_id, adset, obj.external_id)
        if (twin := _only(by_scope.get(scope, []), scope)) is not None:
            pairs[obj.pk] = twin.pk
    return pairs


def _adsets_merge(campaign_ids: list[int]) -> dict[int, int]:
    pairs = _merge_pairs(list(AdSet.objects.filter(campaign_id__in=campaign_ids).order_by("pk")))
    for loser, winner in pairs.items():
        for model in (AdPerformanceDaily, AdPerformancePeriod):
            model.objects.filter(adset_entity_id=loser).update(adset_entity_id=winner)
        Ad.objects.filter(adset_id=loser).update(adset_id=winner)
    AdSet.objects.filter(pk__in=pairs).delete()
    return pairs


def _ads_merge(campaign_ids: list[int]) -> dict[int, int]:
    # After the ad sets: a name-only ad of a name-only ad set now sits in the id ad set.
    pairs = _merge_pairs(list(Ad.objects.filter(campaign_id__in=campaign_ids).order_by("pk")))
    for loser, winner in pairs.items():
        for model in (AdPerformanceDaily, AdPerformancePeriod):
            model.objects.filter(ad_entity_id=loser).update(ad_entity_id=winner)
    Ad.objects.filter(pk__in=pairs).delete()
    return pairs


def name_only_objects_merge(campaign_ids: list[int]) -> Merged:
    """An ad set or ad first known by name only (an export without ids) and the same object known
    by its id become one: facts (and ads) are re-pointed at the id object, then the name-only one
    goes. Facts keep their natural-key text (`adset_id`, `ad_id`), so reloading either file
    upserts the same rows. A name two id objects of one scope share is ambiguous: left alone."""
    with transaction.atomic():
        merged = Merged(adsets=_adsets_merge(campaign_ids), ads=_ads_merge(campaign_ids))
    if merged.adsets or merged.ads:
        logger.info("meta_objects_merged adsets=%s ads=%s", len(merged.adsets), len(merged.ads))
    return merged


def remapped(ids: pa.Array, merged: dict[int, int]) -> pa.Array:
    """Object pks with the merged-away ones replaced by their id twins."""
    if not merged:
        return ids
    mapping = {str(pk): merged.get(pk, pk) for pk in pc.unique(pc.drop_null(ids)).to_pylist()}
    return map_column(pc.cast(ids, pa.string()), mapping)


# --- objects from meta_entities -----------------------------------------------------------------


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
