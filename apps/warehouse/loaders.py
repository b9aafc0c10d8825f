"""Loaders: curated partitions -> warehouse facts, resolving artists, tracks, platforms and
territories through the editable mappings. Resolution works on distinct values, so a
million-line partition costs a few dictionary look-ups, not a million."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from apps.warehouse.models import (
    Artist,
    ArtistAlias,
    Distributor,
    Platform,
    StatementLine,
    StoreMapping,
    Territory,
    Track,
    normalise_name,
)
from apps.warehouse.upsert import bulk_upsert

STATEMENT_KEY = ["distributor_id", "line_fingerprint", "occurrence"]


def _map_column(values: pa.Array, mapping: dict[str, int | None]) -> pa.Array:
    """Vectorised dictionary look-up: each value -> its id (null when unmapped)."""
    keys = list(mapping)
    ids = pa.array([mapping[key] for key in keys], type=pa.int64())
    positions = pc.index_in(values, value_set=pa.array(keys, type=pa.string()))
    return pc.take(ids, positions) if keys else pa.nulls(len(values), pa.int64())


def _distinct(values: pa.Array) -> list[str]:
    return [value for value in pc.unique(values).to_pylist() if value is not None]


def platform_ids_for_stores(stores: list[str]) -> dict[str, int | None]:
    """Store name -> platform id. An unknown store becomes an unreviewed platform of its own
    name: it is never booked as another platform (CONTRACT section 5)."""
    mappings = {m.store: m.platform_id for m in StoreMapping.objects.all()}
    result: dict[str, int | None] = {}
    for store in stores:
        key = normalise_name(store)
        if key not in mappings:
            name = " ".join(store.split())
            platform, _ = Platform.objects.get_or_create(name=name, defaults={"is_reviewed": False})
            mapping, _ = StoreMapping.objects.get_or_create(
                store=key, defaults={"platform": platform, "is_reviewed": False}
            )
            mappings[key] = mapping.platform_id
        result[store] = mappings[key]
    return result


def artist_ids_for_names(names: list[str], source: str) -> dict[str, int | None]:
    """Reported artist -> artist id through aliases (source-scoped first); unknown -> None."""
    aliases: dict[tuple[str, str], int] = {
        (a.alias, a.source): a.artist_id for a in ArtistAlias.objects.all()
    }
    canonical = {normalise_name(a.name): a.pk for a in Artist.objects.all()}
    result: dict[str, int | None] = {}
    for name in names:
        key = normalise_name(name)
        result[name] = aliases.get((key, source)) or aliases.get((key, "")) or canonical.get(key)
    return result


def territory_ids_for_codes(codes: list[str]) -> dict[str, int | None]:
    known = {t.code: t.pk for t in Territory.objects.all()}
    for code in codes:
        if code.upper() not in known:
            known[code.upper()] = Territory.objects.get_or_create(code=code.upper())[0].pk
    return {code: known[code.upper()] for code in codes}


def track_ids_for_isrcs(
    table: pa.Table, artist_ids: dict[str, int | None]
) -> dict[str, int | None]:
    """ISRC -> track id; a new ISRC creates its track (auto_created, listed for review)."""
    isrcs = _distinct(table.column("isrc"))
    known = dict(Track.objects.filter(isrc__in=isrcs).values_list("isrc", "pk"))
    missing = [isrc for isrc in isrcs if isrc and isrc not in known]
    if missing:
        first_rows = _first_row_per_isrc(table, set(missing))
        Track.objects.bulk_create(
            [
                Track(
                    isrc=isrc,
                    title=row["title"] or "",
                    upc=row["upc"] or "",
                    artist_id=artist_ids.get(row["artist_name"] or ""),
                    auto_created=True,
                )
                for isrc, row in first_rows.items()
            ],
            ignore_conflicts=True,
        )
        known.update(Track.objects.filter(isrc__in=missing).values_list("isrc", "pk"))
    return {isrc: known.get(isrc) for isrc in isrcs}


def _first_row_per_isrc(table: pa.Table, wanted: set[str]) -> dict[str, dict[str, str | None]]:
    subset = table.select(["isrc", "title", "upc", "artist_name"]).filter(
        pc.is_in(table.column("isrc"), pa.array(sorted(wanted), type=pa.string()))
    )
    first: dict[str, dict[str, str | None]] = {}
    for row in subset.to_pylist():
        first.setdefault(row["isrc"], row)
    return first


def _empty_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def statement_lines_frame(table: pa.Table) -> pa.Table:
    """Curated statement_lines rows -> StatementLine columns with resolved foreign keys."""
    distributors = dict(Distributor.objects.values_list("code", "pk"))
    artist_ids = artist_ids_for_names(_distinct(table.column("artist_name")), source="distrokid")
    store_ids = platform_ids_for_stores(_distinct(table.column("store")))
    territory_ids = territory_ids_for_codes(_distinct(_empty_to_null(table.column("country_code"))))
    track_ids = track_ids_for_isrcs(table, artist_ids)
    text = lambda name: pc.fill_null(table.column(name), "")  # noqa: E731
    return pa.table(
        {
            "distributor_id": _map_column(table.column("distributor"), distributors),
            "line_fingerprint": table.column("line_fingerprint"),
            "occurrence": table.column("occurrence"),
            "schema_id": text("schema_id"),
            "reporting_date": table.column("reporting_date"),
            "sale_month": table.column("sale_month"),
            "date_inserted": table.column("date_inserted"),
            "store": text("store"),
            "platform_id": _map_column(table.column("store"), store_ids),
            "territory_id": _map_column(table.column("country_code"), territory_ids),
            "artist_name": text("artist_name"),
            "artist_id": _map_column(table.column("artist_name"), artist_ids),
            "title": text("title"),
            "isrc": text("isrc"),
            "upc": text("upc"),
            "track_id": _map_column(table.column("isrc"), track_ids),
            "quantity": table.column("quantity"),
            "team_percentage": table.column("team_percentage"),
            "source_type": text("source_type"),
            "earnings_usd": table.column("earnings_usd"),
            "songwriter_withheld_usd": table.column("songwriter_withheld_usd"),
            "recoup_usd": table.column("recoup_usd"),
            "source_file_id": table.column("source_file_id"),
        }
    )


def statement_lines_load(table: pa.Table) -> int:
    """Upsert one curated partition of statement lines; returns the rows handed to the upsert."""
    frame = statement_lines_frame(table)
    update_fields = [name for name in frame.column_names if name not in STATEMENT_KEY]
    return bulk_upsert(
        model=StatementLine, table=frame, unique_fields=STATEMENT_KEY, update_fields=update_fields
    )


# Curated dataset -> loader of one partition. A dataset without a loader yet is kept in curated.
LOADERS: dict[str, Callable[[pa.Table], int]] = {"statement_lines": statement_lines_load}
