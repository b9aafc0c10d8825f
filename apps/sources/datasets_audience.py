"""Curated audience datasets (SPEC.md 3.5): Spotify for Artists and Linktree.

Schemas are plain module constants, so parsers import them without touching `datasets.py`.
The `DatasetSpec`s are built by `audience_datasets()`, which imports `DatasetSpec` only when
called: `datasets.py` imports this module to register them, and a module-level import back
would make the two modules depend on each other's import order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from apps.sources.datasets import DatasetSpec

SPOTIFY_AUDIENCE_DAILY = "spotify_audience_daily"
SPOTIFY_SONG_WINDOWS = "spotify_song_windows"
SPOTIFY_SONG_DAILY = "spotify_song_daily"
LINKTREE_DAILY = "linktree_daily"
LINKTREE_LINKS = "linktree_links"
AUDIENCE_BREAKDOWNS = "audience_breakdowns"

# Artist-level S4A figures per day; `followers` is a running total, the others daily values.
SPOTIFY_AUDIENCE_DAILY_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("date", pa.date32()),
        ("artist_id", pa.string()),
        ("listeners", pa.int64()),
        ("streams", pa.int64()),
        ("followers", pa.int64()),
        ("playlist_adds", pa.int64()),
        ("saves", pa.int64()),
    ]
)

# Per-song totals over a window (`1day`, `7day`, `28day`, `1year`, `all`) as seen on one day.
SPOTIFY_SONG_WINDOWS_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("song_key", pa.string()),
        ("window", pa.string()),
        ("captured_on", pa.date32()),
        ("spotify_track_id", pa.string()),
        ("song_title", pa.string()),
        ("release_date", pa.date32()),
        ("streams", pa.int64()),
        ("listeners", pa.int64()),
        ("saves", pa.int64()),
        ("canvas_views", pa.int64()),
        ("is_disabled", pa.bool_()),
    ]
)

SPOTIFY_SONG_DAILY_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("song_key", pa.string()),
        ("date", pa.date32()),
        ("song_title", pa.string()),
        ("streams", pa.int64()),
    ]
)

# Rates are fractions (SPEC conventions); a Linktree CTR can exceed 1 and is never capped.
LINKTREE_DAILY_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("date", pa.date32()),
        ("total_views", pa.int64()),
        ("unique_views", pa.int64()),
        ("total_clicks", pa.int64()),
        ("unique_clicks", pa.int64()),
        ("click_through_rate", pa.float64()),
    ]
)

# Link ids are text at every stage, like every vendor id.
LINKTREE_LINKS_SCHEMA = pa.schema(
    [
        ("link_id", pa.string()),
        ("captured_on", pa.date32()),
        ("title", pa.string()),
        ("active", pa.bool_()),
        ("total_clicks", pa.int64()),
    ]
)

# Shared by every source with audience splits (Linktree locations/referrers/devices, TikTok...).
AUDIENCE_BREAKDOWNS_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("account", pa.string()),
        ("captured_on", pa.date32()),
        ("dimension", pa.string()),
        ("bucket", pa.string()),
        ("share", pa.float64()),
        ("views", pa.int64()),
        ("clicks", pa.int64()),
        ("click_through_rate", pa.float64()),
    ]
)


def audience_datasets() -> tuple[DatasetSpec, ...]:
    """The six audience datasets, natural keys and partition columns exactly as SPEC 3.5."""
    # Imported here, not at module level: datasets.py imports this module (see the docstring).
    from apps.sources.datasets import DatasetSpec

    return (
        DatasetSpec(
            name=SPOTIFY_AUDIENCE_DAILY,
            schema=SPOTIFY_AUDIENCE_DAILY_SCHEMA,
            natural_key=("account", "date"),
            partition_column="date",
        ),
        DatasetSpec(
            name=SPOTIFY_SONG_WINDOWS,
            schema=SPOTIFY_SONG_WINDOWS_SCHEMA,
            natural_key=("account", "song_key", "window", "captured_on"),
            partition_column="captured_on",
        ),
        DatasetSpec(
            name=SPOTIFY_SONG_DAILY,
            schema=SPOTIFY_SONG_DAILY_SCHEMA,
            natural_key=("account", "song_key", "date"),
            partition_column="date",
        ),
        DatasetSpec(
            name=LINKTREE_DAILY,
            schema=LINKTREE_DAILY_SCHEMA,
            natural_key=("account", "date"),
            partition_column="date",
        ),
        DatasetSpec(
            name=LINKTREE_LINKS,
            schema=LINKTREE_LINKS_SCHEMA,
            natural_key=("link_id", "captured_on"),
            partition_column="captured_on",
        ),
        DatasetSpec(
            name=AUDIENCE_BREAKDOWNS,
            schema=AUDIENCE_BREAKDOWNS_SCHEMA,
            natural_key=("source", "account", "captured_on", "dimension", "bucket"),
            partition_column="captured_on",
        ),
    )
