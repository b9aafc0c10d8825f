"""Loaders: curated partitions -> warehouse facts, resolving artists, tracks, platforms and
territories through the editable mappings. Resolution works on distinct values, so a
million-line partition costs a few dictionary look-ups, not a million."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.db.models import Q

from apps.warehouse import loaders_audience as audience
from apps.warehouse import loaders_channels as channels
from apps.warehouse import loaders_meta as meta
from apps.warehouse import loaders_social as social
from apps.warehouse import loaders_streams as streams
from apps.warehouse.models import StatementLine, Track
from apps.warehouse.releases import statement_releases_load
from apps.warehouse.resolve import (
    AliasBook,
    TrackCatalogue,
    distinct,
    distributor_ids,
    joined,
    map_column,
    platform_ids_for_stores,
    territory_ids_for_codes,
)
from apps.warehouse.rollup import revenue_rollup_add, revenue_rollup_refresh
from apps.warehouse.upsert import bulk_insert_if_all_new, bulk_upsert_all_new

STATEMENT_KEY = ["distributor_id", "line_fingerprint", "occurrence"]


def _empty_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def statement_artist_ids(table: pa.Table) -> tuple[pa.Array, dict[str, int | None]]:
    """Per row: the artist id, resolved with the line's distributor as alias scope (a TooLost
    alias applies to TooLost lines only). Also returns (distributor, name) key -> id."""
    keys = joined(table, ["distributor", "artist_name"])
    book = AliasBook()
    mapping: dict[str, int | None] = {}
    for key in distinct(keys):
        distributor, _, name = key.partition("\x1f")
        mapping[key] = book.artist_id(name, distributor)
    return map_column(keys, mapping), mapping


def track_ids_for_isrcs(
    table: pa.Table, artist_ids: dict[str, int | None]
) -> dict[str, int | None]:
    """ISRC -> track id; a new ISRC creates its track (auto_created, listed for review)."""
    isrcs = distinct(table.column("isrc"))
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
                    artist_id=artist_ids.get(f"{row['distributor']}\x1f{row['artist_name'] or ''}"),
                    auto_created=True,
                )
                for isrc, row in first_rows.items()
            ],
            ignore_conflicts=True,
        )
        known.update(Track.objects.filter(isrc__in=missing).values_list("isrc", "pk"))
    return {isrc: known.get(isrc) for isrc in isrcs}


def _first_row_per_isrc(table: pa.Table, wanted: set[str]) -> dict[str, dict[str, str | None]]:
    """The first row (in table order) of each wanted ISRC. Found in Arrow, so only one row per
    ISRC becomes Python objects: a first load of a whole statement wants nearly every ISRC, and
    turning all its rows into dicts took 2 s and 600 MB for 1M lines."""
    isrcs = table.column("isrc")
    rows = pa.table({"isrc": isrcs, "row": np.arange(table.num_rows, dtype=np.int64)}).filter(
        pc.is_in(isrcs, pa.array(sorted(wanted), type=pa.string()))
    )
    firsts = rows.group_by("isrc", use_threads=False).aggregate([("row", "min")])
    positions = firsts.column("row_min")
    # In table order, as before: new tracks are created (and numbered) in first-seen order.
    positions = pc.take(positions, pc.sort_indices(positions))
    subset = table.select(["isrc", "title", "upc", "artist_name", "distributor"]).take(positions)
    return {row["isrc"]: row for row in subset.to_pylist()}


def statement_track_ids(
    table: pa.Table, artist_ids: pa.Array, by_name: dict[str, int | None]
) -> pa.Array:
    """Per row: the track by ISRC (new ISRCs create tracks); a line without an ISRC matches by
    UPC + title, then (artist, title), then a track alias, else stays null for review."""
    isrc_ids = track_ids_for_isrcs(table, by_name)
    by_isrc = map_column(table.column("isrc"), isrc_ids)
    without_isrc = pc.equal(pc.fill_null(table.column("isrc"), ""), "")
    if not pc.any(without_isrc).as_py():
        return by_isrc
    keyed = pa.table(
        {
            "upc": pc.fill_null(table.column("upc"), ""),
            "title": pc.fill_null(table.column("title"), ""),
            "distributor": table.column("distributor"),
            "artist": pc.cast(artist_ids, pa.string()),
        }
    )
    keys = joined(keyed, ["upc", "title", "distributor", "artist"])
    catalogue = TrackCatalogue.load()
    mapping: dict[str, int | None] = {}
    for key in distinct(pc.filter(keys, without_isrc)):
        upc, title, distributor, artist = key.split("\x1f")
        mapping[key] = catalogue.match(
            title=title, artist_id=int(artist) if artist else None, upc=upc, source=distributor
        )
    by_title = map_column(keys, mapping)
    return pc.if_else(without_isrc, by_title, by_isrc)


def statement_lines_frame(table: pa.Table) -> pa.Table:
    """Curated statement_lines rows -> StatementLine columns with resolved foreign keys."""
    artist_ids, artists_by_name = statement_artist_ids(table)
    store_ids = platform_ids_for_stores(distinct(table.column("store")))
    territory_ids = territory_ids_for_codes(distinct(_empty_to_null(table.column("country_code"))))
    track_ids = statement_track_ids(table, artist_ids, artists_by_name)
    text = lambda name: pc.fill_null(table.column(name), "")  # noqa: E731
    return pa.table(
        {
            "distributor_id": distributor_ids(table.column("distributor")),
            "line_fingerprint": table.column("line_fingerprint"),
            "occurrence": table.column("occurrence"),
            "schema_id": text("schema_id"),
            "reporting_date": table.column("reporting_date"),
            "sale_month": table.column("sale_month"),
            "date_inserted": table.column("date_inserted"),
            "accounting_date": table.column("accounting_date"),
            "store": text("store"),
            "platform_id": map_column(table.column("store"), store_ids),
            "territory_id": map_column(table.column("country_code"), territory_ids),
            "artist_name": text("artist_name"),
            "artist_id": artist_ids,
            "title": text("title"),
            "isrc": text("isrc"),
            "upc": text("upc"),
            "track_id": track_ids,
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
    """Upsert one curated partition of statement lines and bring the revenue rollups of its
    sale months up to date in the same transaction (or at the end of an enclosing
    `revenue_rollup_batched` load); returns the rows handed to the upsert. Lines that were all
    new add their sums to the rollups; otherwise their sale months are rewritten from the lines."""
    frame = statement_lines_frame(table)
    statement_releases_load(table, frame.column("artist_id"), frame.column("track_id"))
    update_fields = [name for name in frame.column_names if name not in STATEMENT_KEY]
    with transaction.atomic():
        all_new = bulk_upsert_all_new(
            model=StatementLine,
            table=frame,
            unique_fields=STATEMENT_KEY,
            update_fields=update_fields,
        )
        if all_new:
            revenue_rollup_add(lines=frame)
        else:
            revenue_rollup_refresh(sale_days=pc.unique(frame.column("sale_month")).to_pylist())
    return frame.num_rows


def statement_lines_load_if_all_new(tables: Sequence[pa.Table]) -> int | None:
    """Load several curated partitions of statement lines (a whole statement) as one: keys
    resolved once, one COPY in natural-key order, their sums added to the rollups. Only when
    every line is new (a first load, new months); otherwise nothing is loaded and None returned,
    for the caller to load the partitions one by one with `statement_lines_load`."""
    if connection.vendor != "postgresql":
        return None  # no COPY to take them in at once
    if len({table.schema for table in tables}) > 1:
        return None  # partitions written under different schemas: loaded one by one
    if _first_lines_loaded(tables):
        return None
    table = pa.concat_tables(tables)
    frame = statement_lines_frame(table)
    _releases_by_partition(tables, frame)
    if not bulk_insert_if_all_new(model=StatementLine, table=frame, unique_fields=STATEMENT_KEY):
        return None
    revenue_rollup_add(lines=frame)
    return frame.num_rows


def _releases_by_partition(tables: Sequence[pa.Table], frame: pa.Table) -> None:
    """Releases as the per-partition load makes them: a release takes its title and artist
    from the first partition that shows its UPC and is never renamed, so fed the whole group
    at once it could be named from other lines. `frame` holds the partitions' rows in order.
    Releases and tracks are upserts: a per-partition load after a refusal creates nothing
    twice."""
    start = 0
    for table in tables:
        rows = frame.slice(start, table.num_rows)
        statement_releases_load(table, rows.column("artist_id"), rows.column("track_id"))
        start += table.num_rows


def _first_lines_loaded(tables: Sequence[pa.Table]) -> bool:
    """Whether the first line of some partition is in the warehouse already. A merged curated
    partition lists the rows it held before the file's new ones, so a partition that is being
    reloaded (a later statement's late sales, a replay, a retraction) shows it at its first
    row: one indexed look-up spares resolving and sorting rows the COPY would refuse."""
    firsts = pa.concat_tables([table.slice(0, 1) for table in tables])
    if firsts.num_rows == 0:
        return False
    keys = zip(
        distributor_ids(firsts.column("distributor")).to_pylist(),
        firsts.column("line_fingerprint").to_pylist(),
        firsts.column("occurrence").to_pylist(),
        strict=True,
    )
    loaded = Q()
    for distributor_id, fingerprint, occurrence in keys:
        loaded |= Q(
            distributor_id=distributor_id, line_fingerprint=fingerprint, occurrence=occurrence
        )
    return StatementLine.objects.filter(loaded).exists()


def _registry() -> dict[str, Callable[[pa.Table], int]]:
    return {
        "statement_lines": statement_lines_load,
        "streams_daily": streams.streams_daily_load,
        "distributor_track_totals": streams.distributor_track_totals_load,
        "discovery_fees_monthly": streams.discovery_fees_monthly_load,
        "spotify_audience_daily": audience.spotify_audience_daily_load,
        "spotify_song_windows": audience.spotify_song_windows_load,
        "spotify_song_daily": audience.spotify_song_daily_load,
        "linktree_daily": audience.linktree_daily_load,
        "linktree_links": audience.linktree_links_load,
        "audience_breakdowns": audience.audience_breakdowns_load,
        "tiktok_daily": social.tiktok_daily_load,
        "tiktok_follower_snapshots": social.tiktok_follower_snapshots_load,
        "tiktok_videos": social.tiktok_videos_load,
        "instagram_daily": social.instagram_daily_load,
        "instagram_profile_snapshots": social.instagram_profile_snapshots_load,
        "youtube_daily": social.youtube_daily_load,
        "youtube_video_snapshots": social.youtube_video_snapshots_load,
        # Entities before facts in a rebuild, so campaigns get their objects' names first.
        "meta_entities": meta.meta_entities_load,
        "meta_ads_daily": meta.meta_ads_daily_load,
        "meta_ads_periods": meta.meta_ads_periods_load,
        "mailchimp_campaigns": channels.mailchimp_campaigns_load,
        "mailchimp_list_monthly": channels.mailchimp_list_monthly_load,
        "mailchimp_list_snapshots": channels.mailchimp_list_snapshots_load,
        "submithub_submissions": channels.submithub_submissions_load,
    }


# Curated dataset -> loader of one partition; ingest and rebuild_warehouse load exactly these.
LOADERS: dict[str, Callable[[pa.Table], int]] = _registry()

# Curated dataset -> loader of several partitions at once when all their rows are new (None
# otherwise); `warehouse_partitions_load` tries it before the per-partition loader.
ALL_NEW_LOADERS: dict[str, Callable[[Sequence[pa.Table]], int | None]] = {
    "statement_lines": statement_lines_load_if_all_new,
}
