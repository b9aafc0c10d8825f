"""Curated social datasets (SPEC.md 3.5): TikTok and Instagram.

Schemas are plain module constants, so parsers import them without touching `datasets.py`.
The `DatasetSpec`s are built by `social_datasets()`, which imports `DatasetSpec` only when
called: `datasets.py` imports this module to register them, and a module-level import back
would make the two modules depend on each other's import order (as in `datasets_audience`).

`audience_breakdowns` is shared with Linktree and lives in `datasets_audience`; TikTok writes
its gender and territory splits there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from apps.sources.datasets import DatasetSpec

TIKTOK_DAILY = "tiktok_daily"
TIKTOK_FOLLOWER_SNAPSHOTS = "tiktok_follower_snapshots"
TIKTOK_VIDEOS = "tiktok_videos"
INSTAGRAM_DAILY = "instagram_daily"
INSTAGRAM_PROFILE_SNAPSHOTS = "instagram_profile_snapshots"

# One row per persona and day. Counts are daily values except `followers_total` (a running
# total). `net_followers` is signed. `extras` is JSON text holding the columns whose meaning is
# unconfirmed (Studio's middle columns, the legacy viewers split), or null when there are none.
TIKTOK_DAILY_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("date", pa.date32()),
        ("video_views", pa.int64()),
        ("profile_views", pa.int64()),
        ("likes", pa.int64()),
        ("comments", pa.int64()),
        ("shares", pa.int64()),
        ("reached_audience", pa.int64()),
        ("website_clicks", pa.int64()),
        ("new_followers", pa.int64()),
        ("lost_followers", pa.int64()),
        ("net_followers", pa.int64()),
        ("followers_total", pa.int64()),
        ("export_kind", pa.string()),
        ("extras", pa.string()),
    ]
)

# The follower count as seen on one day: recorded on that day only, never stamped onto others.
TIKTOK_FOLLOWER_SNAPSHOTS_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("captured_on", pa.date32()),
        ("followers", pa.int64()),
    ]
)

# Per-video totals as seen on the capture day. `posted_at` is the wall-clock time Studio shows,
# without a zone (the export names none), so it is stored as a naive timestamp.
TIKTOK_VIDEOS_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("video_link", pa.string()),
        ("captured_on", pa.date32()),
        ("title", pa.string()),
        ("posted_at", pa.timestamp("us")),
        ("views", pa.int64()),
        ("likes", pa.int64()),
        ("comments", pa.int64()),
        ("shares", pa.int64()),
        ("favorites", pa.int64()),
    ]
)

# Long format: one row per account, day and metric (`reach`, `views`, `impressions`,
# `follower_count`...). `impressions` keeps its own name; it is never renamed to `views`.
INSTAGRAM_DAILY_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("date", pa.date32()),
        ("metric", pa.string()),
        ("value", pa.int64()),
    ]
)

INSTAGRAM_PROFILE_SNAPSHOTS_SCHEMA = pa.schema(
    [
        ("account", pa.string()),
        ("captured_on", pa.date32()),
        ("followers_count", pa.int64()),
        ("follows_count", pa.int64()),
        ("media_count", pa.int64()),
    ]
)


def social_datasets() -> tuple[DatasetSpec, ...]:
    """The five social datasets, natural keys and partition columns exactly as SPEC 3.5."""
    # Imported here, not at module level: datasets.py imports this module (see the docstring).
    from apps.sources.datasets import DatasetSpec

    return (
        DatasetSpec(
            name=TIKTOK_DAILY,
            schema=TIKTOK_DAILY_SCHEMA,
            natural_key=("account", "date"),
            partition_column="date",
        ),
        DatasetSpec(
            name=TIKTOK_FOLLOWER_SNAPSHOTS,
            schema=TIKTOK_FOLLOWER_SNAPSHOTS_SCHEMA,
            natural_key=("account", "captured_on"),
            partition_column="captured_on",
        ),
        DatasetSpec(
            name=TIKTOK_VIDEOS,
            schema=TIKTOK_VIDEOS_SCHEMA,
            natural_key=("account", "video_link", "captured_on"),
            partition_column="captured_on",
        ),
        DatasetSpec(
            name=INSTAGRAM_DAILY,
            schema=INSTAGRAM_DAILY_SCHEMA,
            natural_key=("account", "date", "metric"),
            partition_column="date",
        ),
        DatasetSpec(
            name=INSTAGRAM_PROFILE_SNAPSHOTS,
            schema=INSTAGRAM_PROFILE_SNAPSHOTS_SCHEMA,
            natural_key=("account", "captured_on"),
            partition_column="captured_on",
        ),
    )
