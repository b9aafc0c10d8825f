"""One warehouse row per Meta Ads fact (SPEC 3.5): the same campaign, ad set or ad on the same
day (or window), at the same grain, counts once.

An Ads Manager export without ids keys an ad set by its name, the API by its id: two curated
keys, two warehouse keys, yet one fact once both point at the same ad set. Before the upsert the
loader keeps the preferred row of each fact and deletes the warehouse rows the others wrote
earlier. Preference: API data beats an export (`file_ranks`), then a row keyed by ids beats one
keyed by names, then the newer capture.

The batch alone decides, which makes the result independent of the order files arrive in and
equal to `rebuild_warehouse`: a loader always receives whole curated partitions, and the rows of
one fact share their date (or window start), hence their partition. A replay that retracts the
winning row reloads the partition, and the name-keyed row it had displaced comes back.
"""

from __future__ import annotations

import logging
import operator
from functools import reduce
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Model, Q

from apps.lake.curated import file_ranks
from apps.sources.datasets_meta import GRAIN_AD, GRAIN_ADSET, NAME_KEY_PREFIX
from apps.warehouse.resolve import joined

logger = logging.getLogger(__name__)

# The natural-key columns naming the ad set and ad: the fact is about their objects instead.
OBJECT_KEY_COLUMNS = ("adset_id", "ad_id")
DELETE_CHUNK = 200


def _row_numbers(rows: int) -> pa.Array:
    return pa.array(range(rows), pa.int64())


def _fact_object(columns: dict[str, pa.Array]) -> pa.Array:
    """The AdSet or Ad pk the row is about at its grain (0 at campaign grain). A row whose object
    is unresolved gets an identity of its own, so it is never folded into another row."""
    grain = columns["grain"]
    zero = pa.scalar(0, pa.int64())
    adset_or_zero = pc.if_else(pc.equal(grain, GRAIN_ADSET), columns["adset_entity_id"], zero)
    target = pc.if_else(pc.equal(grain, GRAIN_AD), columns["ad_entity_id"], adset_or_zero)
    own = pc.subtract(pa.scalar(-1, pa.int64()), _row_numbers(len(grain)))
    return pc.if_else(pc.is_valid(target), target, own)


def _keyed_by_ids(campaign_keys: pa.Array, columns: dict[str, pa.Array]) -> pa.Array:
    """1 when no part of the row's key was built from a name (the export had no ids), else 0."""
    parts = [campaign_keys, *(columns[name] for name in OBJECT_KEY_COLUMNS)]
    named = [pc.fill_null(pc.starts_with(part, NAME_KEY_PREFIX), False) for part in parts]
    return pc.cast(pc.invert(reduce(pc.or_, named)), pa.int8())


def _api_ranks(source_file_ids: pa.Array) -> pa.Array:
    """1 for a row from API data (SPEC 3.5 precedence), else 0."""
    ids = pc.unique(pc.drop_null(source_file_ids)).to_pylist()
    api_ids = [pk for pk, rank in file_ranks(ids).items() if rank]
    return pc.cast(pc.is_in(source_file_ids, pa.array(api_ids, pa.int64())), pa.int8())


def _winners(
    identity: dict[str, pa.Array], preference: dict[str, pa.Array], rows: int
) -> pa.Array | None:
    """Mask of the preferred row of each identity; None when every row is its own fact."""
    frame = pa.table({**identity, **preference, "__row": _row_numbers(rows)})
    # sort_by is stable: full ties keep their curated order, and the last one wins.
    ordered = frame.sort_by([(name, "ascending") for name in preference])
    ordered = ordered.append_column("__order", _row_numbers(rows))
    best = ordered.group_by(list(identity), use_threads=False).aggregate([("__order", "max")])
    if best.num_rows == rows:
        return None
    winning = pc.take(ordered.column("__row"), best.column("__order_max")).combine_chunks()
    return pc.is_in(_row_numbers(rows), value_set=winning)


def _displaced_delete(model: type[Model], keys: pa.Table, winners: pa.Array) -> int:
    """Delete the warehouse rows written under the losing rows' keys (unless a winner holds the
    same key: the campaign-grain row of a campaign known by id and by name)."""
    names = keys.column_names
    losing = keys.filter(pc.invert(winners))
    held = joined(keys.filter(winners), names)
    displaced = losing.filter(pc.invert(pc.is_in(joined(losing, names), held))).to_pylist()
    deleted = 0
    for start in range(0, len(displaced), DELETE_CHUNK):
        chunk = displaced[start : start + DELETE_CHUNK]
        match = reduce(operator.or_, (Q(**key) for key in chunk))
        deleted += model._default_manager.filter(match).delete()[0]
    return deleted


def one_row_per_fact(
    *,
    model: type[Model],
    columns: dict[str, pa.Array],
    key: list[str],
    campaign_keys: pa.Array,
    captured_at: pa.Array,
) -> tuple[dict[str, Any], pa.Array]:
    """The columns (and capture times) of the preferred row of each fact; the warehouse rows the
    other rows wrote before are deleted. Call inside the load's transaction."""
    rows = len(captured_at)
    identity = {name: columns[name] for name in key if name not in OBJECT_KEY_COLUMNS}
    identity.update(grain=columns["grain"], object=_fact_object(columns))
    preference = {
        "api": _api_ranks(columns["source_file_id"]),
        "ids": _keyed_by_ids(campaign_keys, columns),
        "captured_at": captured_at,
    }
    winners = _winners(identity, preference, rows)
    if winners is None:
        return columns, captured_at
    deleted = _displaced_delete(model, pa.table({name: columns[name] for name in key}), winners)
    logger.info(
        "meta_duplicate_facts model=%s dropped=%s deleted=%s",
        model.__name__,
        rows - pc.sum(pc.cast(winners, pa.int64())).as_py(),
        deleted,
    )
    kept = {name: pc.filter(values, winners) for name, values in columns.items()}
    return kept, pc.filter(captured_at, winners)
