"""Loaders for the audience datasets: Spotify for Artists, Linktree and audience breakdowns."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from apps.warehouse.models import (
    AudienceBreakdown,
    AudienceDaily,
    LinkAnalyticsDaily,
    LinkTotals,
    SongStreamDaily,
    SongWindowSnapshot,
)
from apps.warehouse.releases import release_dates_load
from apps.warehouse.resolve import (
    TrackCatalogue,
    account_artist_ids,
    distinct,
    joined,
    map_column,
    text,
    upsert_frame,
)

SPOTIFY = "spotify"


def _spotify_artist_ids(table: pa.Table) -> dict[str, int | None]:
    """S4A account slug -> artist, through the slug's aliases or the account's artist id."""
    external: dict[str, str] = {}
    if "artist_id" in table.column_names:
        for row in table.select(["account", "artist_id"]).to_pylist():
            if row["artist_id"]:
                external.setdefault(row["account"], row["artist_id"])
    return account_artist_ids(
        source=SPOTIFY, slugs=distinct(table.column("account")), external_ids=external
    )


def spotify_audience_daily_load(table: pa.Table) -> int:
    artists = _spotify_artist_ids(table)
    names = ["account", "date", "listeners", "streams", "followers", "playlist_adds", "saves"]
    return upsert_frame(
        model=AudienceDaily,
        columns={
            **{name: table.column(name) for name in names},
            "artist_id": map_column(table.column("account"), artists),
            "source_file_id": table.column("source_file_id"),
        },
        key=["account", "date"],
        captured_at=table.column("captured_at"),
    )


def _song_track_ids(table: pa.Table, artists: dict[str, int | None]) -> pa.Array:
    """S4A song -> track: its Spotify track id as a track alias, else its title in the
    account artist's catalogue."""
    track_ids = (
        text(table, "spotify_track_id")
        if "spotify_track_id" in table.column_names
        else pa.array([""] * table.num_rows, pa.string())
    )
    keyed = pa.table(
        {"account": table.column("account"), "tid": track_ids, "title": text(table, "song_title")}
    )
    keys = joined(keyed, ["account", "tid", "title"])
    catalogue = TrackCatalogue.load()
    mapping: dict[str, int | None] = {}
    for key in distinct(keys):
        account, spotify_id, title = key.split("\x1f")
        artist_id = artists.get(account)
        by_id = catalogue.by_alias.get((spotify_id.casefold(), SPOTIFY)) if spotify_id else None
        mapping[key] = (
            by_id
            or catalogue.match(title=title, artist_id=artist_id, source=SPOTIFY)
            or catalogue.only_track_titled(title, artist_id)
        )
    return map_column(keys, mapping)


def spotify_song_windows_load(table: pa.Table) -> int:
    artists = _spotify_artist_ids(table)
    names = [
        "account",
        "song_key",
        "window",
        "captured_on",
        "release_date",
        "streams",
        "listeners",
        "saves",
        "canvas_views",
        "is_disabled",
        "source_file_id",
    ]
    track_ids = _song_track_ids(table, artists)
    release_dates_load(track_ids, table.column("release_date"))
    return upsert_frame(
        model=SongWindowSnapshot,
        columns={
            **{name: table.column(name) for name in names},
            "spotify_track_id": text(table, "spotify_track_id"),
            "song_title": text(table, "song_title"),
            "track_id": track_ids,
        },
        key=["account", "song_key", "window", "captured_on"],
        captured_at=table.column("captured_at"),
    )


def spotify_song_daily_load(table: pa.Table) -> int:
    artists = _spotify_artist_ids(table)
    return upsert_frame(
        model=SongStreamDaily,
        columns={
            "account": table.column("account"),
            "song_key": table.column("song_key"),
            "date": table.column("date"),
            "song_title": text(table, "song_title"),
            "streams": table.column("streams"),
            "track_id": _song_track_ids(table, artists),
            "source_file_id": table.column("source_file_id"),
        },
        key=["account", "song_key", "date"],
        captured_at=table.column("captured_at"),
    )


def linktree_daily_load(table: pa.Table) -> int:
    return upsert_frame(
        model=LinkAnalyticsDaily,
        columns={
            "account": table.column("account"),
            "date": table.column("date"),
            "views": pc.fill_null(table.column("total_views"), 0),
            "unique_views": table.column("unique_views"),
            "clicks": pc.fill_null(table.column("total_clicks"), 0),
            "unique_clicks": table.column("unique_clicks"),
            "click_through_rate": table.column("click_through_rate"),
            "source_file_id": table.column("source_file_id"),
        },
        key=["account", "date"],
        captured_at=table.column("captured_at"),
    )


def linktree_links_load(table: pa.Table) -> int:
    return upsert_frame(
        model=LinkTotals,
        columns={
            "link_id": table.column("link_id"),
            "captured_on": table.column("captured_on"),
            "title": text(table, "title"),
            "is_active": table.column("active"),
            "total_clicks": table.column("total_clicks"),
            "source_file_id": table.column("source_file_id"),
        },
        key=["link_id", "captured_on"],
        captured_at=table.column("captured_at"),
    )


def audience_breakdowns_load(table: pa.Table) -> int:
    names = [
        "source",
        "captured_on",
        "dimension",
        "bucket",
        "share",
        "views",
        "clicks",
        "click_through_rate",
        "source_file_id",
    ]
    return upsert_frame(
        model=AudienceBreakdown,
        columns={**{name: table.column(name) for name in names}, "account": text(table, "account")},
        key=["source", "account", "captured_on", "dimension", "bucket"],
        captured_at=table.column("captured_at"),
    )
