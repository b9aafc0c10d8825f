"""Loaders for the social datasets: TikTok, Instagram and YouTube into SocialDaily and the
per-video and follower-snapshot models."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from apps.sources.datasets_channels import CHANNEL_VIDEO_ID
from apps.warehouse.models import (
    FollowerSnapshot,
    SocialDaily,
    SocialVideo,
    VideoDaily,
    VideoSnapshot,
)
from apps.warehouse.resolve import constant, ensure_accounts, text, upsert_frame

SOCIAL_KEY = ["platform", "account", "date"]
# Instagram metrics -> SocialDaily columns. `follower_count` is the day's new followers in the
# Graph API; `views` and `impressions` are handled apart (continuity, SPEC 2.9).
INSTAGRAM_COLUMNS = {
    "reach": "reach",
    "follower_count": "new_followers",
    "profile_views": "profile_views",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "website_clicks": "website_clicks",
}
INSTAGRAM_VIEW_METRICS = ("views", "impressions")


def tiktok_daily_load(table: pa.Table) -> int:
    ensure_accounts(table, source="tiktok")
    rows = table.num_rows
    return upsert_frame(
        model=SocialDaily,
        columns={
            "platform": constant("tiktok", rows),
            "account": table.column("account"),
            "date": table.column("date"),
            "views": table.column("video_views"),
            "profile_views": table.column("profile_views"),
            "likes": table.column("likes"),
            "comments": table.column("comments"),
            "shares": table.column("shares"),
            "reach": table.column("reached_audience"),
            "website_clicks": table.column("website_clicks"),
            "new_followers": table.column("new_followers"),
            "lost_followers": table.column("lost_followers"),
            "followers_total": table.column("followers_total"),
            "views_metric": constant("video_views", rows),
            "source_file_id": table.column("source_file_id"),
        },
        key=SOCIAL_KEY,
        captured_at=table.column("captured_at"),
    )


def _snapshot_columns(table: pa.Table, platform: str) -> dict[str, pa.Array]:
    return {
        "platform": constant(platform, table.num_rows),
        "account": table.column("account"),
        "captured_on": table.column("captured_on"),
        "source_file_id": table.column("source_file_id"),
    }


def tiktok_follower_snapshots_load(table: pa.Table) -> int:
    ensure_accounts(table, source="tiktok")
    return upsert_frame(
        model=FollowerSnapshot,
        columns={**_snapshot_columns(table, "tiktok"), "followers": table.column("followers")},
        key=["platform", "account", "captured_on"],
        captured_at=table.column("captured_at"),
    )


def instagram_profile_snapshots_load(table: pa.Table) -> int:
    ensure_accounts(table, source="instagram")
    return upsert_frame(
        model=FollowerSnapshot,
        columns={
            **_snapshot_columns(table, "instagram"),
            "followers": table.column("followers_count"),
            "follows": table.column("follows_count"),
            "media_count": table.column("media_count"),
        },
        key=["platform", "account", "captured_on"],
        captured_at=table.column("captured_at"),
    )


def tiktok_videos_load(table: pa.Table) -> int:
    ensure_accounts(table, source="tiktok")
    rows = table.num_rows
    return upsert_frame(
        model=SocialVideo,
        columns={
            "platform": constant("tiktok", rows),
            "account": table.column("account"),
            "video_link": table.column("video_link"),
            "captured_on": table.column("captured_on"),
            "title": text(table, "title"),
            "posted_at": pc.assume_timezone(table.column("posted_at"), "UTC"),
            "views": table.column("views"),
            "likes": table.column("likes"),
            "comments": table.column("comments"),
            "shares": table.column("shares"),
            "favorites": table.column("favorites"),
            "source_file_id": table.column("source_file_id"),
        },
        key=["platform", "account", "video_link", "captured_on"],
        captured_at=table.column("captured_at"),
    )


def _instagram_days(table: pa.Table) -> list[dict[str, Any]]:
    """Long metric rows -> one row per (account, date) with the metrics as columns."""
    days: dict[tuple[str, date], dict[str, Any]] = defaultdict(dict)
    for row in table.select(
        ["account", "date", "metric", "value", "source_file_id", "captured_at"]
    ).to_pylist():
        day = days[(row["account"], row["date"])]
        day[row["metric"]] = row["value"]
        if day.get("captured_at") is None or row["captured_at"] > day["captured_at"]:
            day["captured_at"], day["source_file_id"] = row["captured_at"], row["source_file_id"]
    return [{"account": key[0], "date": key[1], **values} for key, values in days.items()]


def _views_and_metric(day: dict[str, Any]) -> tuple[int | None, str]:
    """`views` where Instagram reports it, `impressions` before the switch, labelled."""
    for metric in INSTAGRAM_VIEW_METRICS:
        if day.get(metric) is not None:
            return day[metric], metric
    return None, ""


def instagram_daily_load(table: pa.Table) -> int:
    ensure_accounts(table, source="instagram")
    days = _instagram_days(table)
    views = [_views_and_metric(day) for day in days]
    columns: dict[str, pa.Array] = {
        "platform": constant("instagram", len(days)),
        "account": pa.array([d["account"] for d in days], pa.string()),
        "date": pa.array([d["date"] for d in days], pa.date32()),
        "views": pa.array([v[0] for v in views], pa.int64()),
        "views_metric": pa.array([v[1] for v in views], pa.string()),
        "impressions": pa.array([d.get("impressions") for d in days], pa.int64()),
    }
    for metric, column in INSTAGRAM_COLUMNS.items():
        columns[column] = pa.array([d.get(metric) for d in days], pa.int64())
    columns["source_file_id"] = pa.array([d["source_file_id"] for d in days], pa.int64())
    captured: list[datetime] = [d["captured_at"] for d in days]
    return upsert_frame(
        model=SocialDaily,
        columns=columns,
        key=SOCIAL_KEY,
        captured_at=pa.array(captured, table.schema.field("captured_at").type),
    )


def _youtube_measures(table: pa.Table) -> dict[str, pa.Array]:
    return {
        "views": table.column("views"),
        "engaged_views": table.column("engaged_views"),
        "watch_minutes": table.column("minutes_watched"),
        "subscribers_gained": table.column("subscribers_gained"),
        "subscribers_lost": table.column("subscribers_lost"),
        "likes": table.column("likes"),
        "shares": table.column("shares"),
        "comments": table.column("comments"),
        "source_file_id": table.column("source_file_id"),
    }


def youtube_daily_load(table: pa.Table) -> int:
    """Channel rows (`*`) -> SocialDaily(platform='youtube'); video rows -> VideoDaily."""
    ensure_accounts(table, source="youtube", column="channel")
    is_channel = pc.equal(table.column("video_id"), CHANNEL_VIDEO_ID)
    channel = table.filter(is_channel)
    videos = table.filter(pc.invert(is_channel))
    loaded = upsert_frame(
        model=SocialDaily,
        columns={
            "platform": constant("youtube", channel.num_rows),
            "account": channel.column("channel"),
            "date": channel.column("date"),
            "views_metric": constant("views", channel.num_rows),
            **_youtube_measures(channel),
        },
        key=SOCIAL_KEY,
        captured_at=channel.column("captured_at"),
    )
    return loaded + upsert_frame(
        model=VideoDaily,
        columns={
            "channel": videos.column("channel"),
            "video_id": videos.column("video_id"),
            "date": videos.column("date"),
            **_youtube_measures(videos),
        },
        key=["channel", "video_id", "date"],
        captured_at=videos.column("captured_at"),
    )


def youtube_video_snapshots_load(table: pa.Table) -> int:
    ensure_accounts(table, source="youtube", column="channel")
    names = [
        "channel",
        "video_id",
        "period_start",
        "period_end",
        "published_on",
        "duration_s",
        "views",
        "watch_time_hours",
        "subscribers",
        "impressions",
        "impressions_ctr",
        "estimated_revenue_usd",
        "source_file_id",
    ]
    return upsert_frame(
        model=VideoSnapshot,
        columns={**{name: table.column(name) for name in names}, "title": text(table, "title")},
        key=["channel", "video_id", "period_start", "period_end"],
        captured_at=table.column("captured_at"),
    )
