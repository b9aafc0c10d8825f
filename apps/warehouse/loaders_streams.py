"""Loaders for the stream datasets: daily streams, distributor track totals, Discovery Mode fees."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from apps.warehouse.models import DailyStream, DistributorTrackTotal, Expense
from apps.warehouse.releases import titled_releases_load
from apps.warehouse.resolve import (
    TrackCatalogue,
    distinct,
    distributor_ids,
    joined,
    map_column,
    platform_ids_for_names,
    text,
    upsert_frame,
)

DISCOVERY_ORIGIN = "discovery_fees"
DISCOVERY_DESCRIPTION = "Spotify Discovery Mode fees"


def _distributor_ids(table: pa.Table) -> pa.Array:
    return distributor_ids(table.column("distributor"))


def streams_daily_load(table: pa.Table) -> int:
    """Distributor daily streams per platform: the contract's "Streams"."""
    platforms = platform_ids_for_names(distinct(table.column("platform")))
    return upsert_frame(
        model=DailyStream,
        columns={
            "date": table.column("date"),
            "platform_id": map_column(table.column("platform"), platforms),
            "distributor_id": _distributor_ids(table),
            "streams": pc.fill_null(table.column("streams"), 0),
            "source_file_id": table.column("source_file_id"),
        },
        key=["date", "platform_id", "distributor_id"],
        captured_at=table.column("captured_at"),
    )


def _track_total_track_ids(table: pa.Table) -> pa.Array:
    """ISRC first, else the one catalogue track with that title."""
    catalogue = TrackCatalogue.load()
    keys = joined(table, ["isrc", "track_title"])
    mapping: dict[str, int | None] = {}
    for key in distinct(keys):
        isrc, _, title = key.partition("\x1f")
        mapping[key] = catalogue.match(title=title, isrc=isrc) or catalogue.only_track_titled(title)
    return map_column(keys, mapping)


def distributor_track_totals_load(table: pa.Table) -> int:
    platforms = platform_ids_for_names(distinct(table.column("platform")))
    track_ids = _track_total_track_ids(table)
    titled_releases_load(track_ids, table.column("release_title"))
    return upsert_frame(
        model=DistributorTrackTotal,
        columns={
            "captured_on": table.column("captured_on"),
            "distributor_id": _distributor_ids(table),
            "platform_id": map_column(table.column("platform"), platforms),
            "window": table.column("window"),
            "track_key": table.column("track_key"),
            "isrc": text(table, "isrc"),
            "track_id": track_ids,
            "track_title": text(table, "track_title"),
            "release_title": text(table, "release_title"),
            "streams": pc.fill_null(table.column("streams"), 0),
            "source_file_id": table.column("source_file_id"),
        },
        key=["captured_on", "distributor_id", "platform_id", "window", "track_key"],
        captured_at=table.column("captured_at"),
    )


def discovery_fees_monthly_load(table: pa.Table) -> int:
    """Discovery Mode fees are a promotion expense of their month (SPEC 4.1)."""
    table = table.filter(pc.is_valid(table.column("fees_usd")))
    rows = table.num_rows
    fingerprints = joined(table, ["distributor", "month"])
    return upsert_frame(
        model=Expense,
        columns={
            "origin": pa.array([DISCOVERY_ORIGIN] * rows, pa.string()),
            "line_fingerprint": fingerprints,
            "date": table.column("month"),
            "category": pa.array([Expense.Category.PROMOTION.value] * rows, pa.string()),
            "description": pa.array([DISCOVERY_DESCRIPTION] * rows, pa.string()),
            "amount_usd": table.column("fees_usd"),
            "distributor_id": _distributor_ids(table),
            "streams": table.column("streams"),
            "source_file_id": table.column("source_file_id"),
        },
        key=["origin", "line_fingerprint"],
        captured_at=table.column("captured_at"),
    )
