"""Curated channel datasets (SPEC.md 3.5): YouTube, Mailchimp and SubmitHub (provisional).

Names and schemas are plain module constants, so parsers import them without touching
`datasets.py`. The `DatasetSpec`s are built by `channel_datasets()`, which imports `DatasetSpec`
only when called: `datasets.py` imports this module to register them, and a module-level import
back would make the two modules depend on each other's import order (as `datasets_audience`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from apps.sources.datasets import DatasetSpec

YOUTUBE_DAILY = "youtube_daily"
YOUTUBE_VIDEO_SNAPSHOTS = "youtube_video_snapshots"
MAILCHIMP_CAMPAIGNS = "mailchimp_campaigns"
MAILCHIMP_LIST_MONTHLY = "mailchimp_list_monthly"
MAILCHIMP_LIST_SNAPSHOTS = "mailchimp_list_snapshots"
SUBMITHUB_SUBMISSIONS = "submithub_submissions"

# `video_id` of a channel-level row in `youtube_daily` (SPEC 3.5).
CHANNEL_VIDEO_ID = "*"

# Exact money, the same type as `statement_lines` amounts (datasets.MONEY).
MONEY = pa.decimal128(24, 12)
# SubmitHub credits are a count of a currency of its own; exact, and fractional credits fit.
CREDITS = pa.decimal128(18, 4)

# One row per channel (account slug), day and video; `*` is the whole channel. `engaged_views`
# sits next to `views` because Shorts views count every replay since 2025-04-24 (SPEC 2.7).
YOUTUBE_DAILY_SCHEMA = pa.schema(
    [
        ("channel", pa.string()),
        ("date", pa.date32()),
        ("video_id", pa.string()),
        ("views", pa.int64()),
        ("engaged_views", pa.int64()),
        ("minutes_watched", pa.int64()),
        ("subscribers_gained", pa.int64()),
        ("subscribers_lost", pa.int64()),
        ("likes", pa.int64()),
        ("shares", pa.int64()),
        ("comments", pa.int64()),
    ]
)

# Studio `Table data.csv` rows: per-video totals over the export's period. `subscribers` is the
# net change (it can be negative); `impressions_ctr` is a fraction (the vendor's percent / 100).
YOUTUBE_VIDEO_SNAPSHOTS_SCHEMA = pa.schema(
    [
        ("channel", pa.string()),
        ("video_id", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("title", pa.string()),
        ("published_on", pa.date32()),
        ("duration_s", pa.int64()),
        ("views", pa.int64()),
        ("watch_time_hours", pa.float64()),
        ("subscribers", pa.int64()),
        ("impressions", pa.int64()),
        ("impressions_ctr", pa.float64()),
        ("estimated_revenue_usd", MONEY),
    ]
)

# Campaign reports; rates are fractions as the reports endpoint gives them.
MAILCHIMP_CAMPAIGNS_SCHEMA = pa.schema(
    [
        ("campaign_id", pa.string()),
        ("title", pa.string()),
        ("subject_line", pa.string()),
        ("list_id", pa.string()),
        ("send_time", pa.timestamp("us", tz="UTC")),
        ("emails_sent", pa.int64()),
        ("unique_opens", pa.int64()),
        ("open_rate", pa.float64()),
        ("unique_clicks", pa.int64()),
        ("click_rate", pa.float64()),
        ("unsubscribed", pa.int64()),
        ("hard_bounces", pa.int64()),
        ("soft_bounces", pa.int64()),
        ("abuse_reports", pa.int64()),
    ]
)

# Growth history per list and month (the month's first day); older months lack most counts.
MAILCHIMP_LIST_MONTHLY_SCHEMA = pa.schema(
    [
        ("list_id", pa.string()),
        ("month", pa.date32()),
        ("existing", pa.int64()),
        ("imports", pa.int64()),
        ("optins", pa.int64()),
        ("subscribed", pa.int64()),
        ("unsubscribed", pa.int64()),
        ("cleaned", pa.int64()),
    ]
)

# `lists/{id}.stats` as seen on the capture day; its 0-100 rates are stored as fractions.
MAILCHIMP_LIST_SNAPSHOTS_SCHEMA = pa.schema(
    [
        ("list_id", pa.string()),
        ("captured_on", pa.date32()),
        ("member_count", pa.int64()),
        ("unsubscribe_count", pa.int64()),
        ("cleaned_count", pa.int64()),
        ("open_rate", pa.float64()),
        ("click_rate", pa.float64()),
    ]
)

# Provisional (SPEC 2.10): the export's id when it has one, else a hash of the row's identity.
SUBMITHUB_SUBMISSIONS_SCHEMA = pa.schema(
    [
        ("submission_key", pa.string()),
        ("submitted_on", pa.date32()),
        ("artist_name", pa.string()),
        ("track_title", pa.string()),
        ("outlet", pa.string()),
        ("curator", pa.string()),
        ("outlet_type", pa.string()),
        ("status", pa.string()),
        ("feedback", pa.string()),
        ("listens", pa.int64()),
        ("shares", pa.int64()),
        ("clicks", pa.int64()),
        ("cost_credits", CREDITS),
        ("cost_usd", MONEY),
    ]
)


def channel_datasets() -> tuple[DatasetSpec, ...]:
    """The six channel datasets, natural keys exactly as SPEC 3.5, each partitioned by a date."""
    # Imported here, not at module level: datasets.py imports this module (see the docstring).
    from apps.sources.datasets import DatasetSpec

    return (
        DatasetSpec(
            name=YOUTUBE_DAILY,
            schema=YOUTUBE_DAILY_SCHEMA,
            natural_key=("channel", "date", "video_id"),
            partition_column="date",
        ),
        DatasetSpec(
            name=YOUTUBE_VIDEO_SNAPSHOTS,
            schema=YOUTUBE_VIDEO_SNAPSHOTS_SCHEMA,
            natural_key=("channel", "video_id", "period_start", "period_end"),
            # The month the snapshot's period ends in: a later export lands in a later partition.
            partition_column="period_end",
        ),
        DatasetSpec(
            name=MAILCHIMP_CAMPAIGNS,
            schema=MAILCHIMP_CAMPAIGNS_SCHEMA,
            natural_key=("campaign_id",),
            # The send month; a report re-read later restates its campaign in the same partition.
            partition_column="send_time",
        ),
        DatasetSpec(
            name=MAILCHIMP_LIST_MONTHLY,
            schema=MAILCHIMP_LIST_MONTHLY_SCHEMA,
            natural_key=("list_id", "month"),
            partition_column="month",
        ),
        DatasetSpec(
            name=MAILCHIMP_LIST_SNAPSHOTS,
            schema=MAILCHIMP_LIST_SNAPSHOTS_SCHEMA,
            natural_key=("list_id", "captured_on"),
            partition_column="captured_on",
        ),
        DatasetSpec(
            name=SUBMITHUB_SUBMISSIONS,
            schema=SUBMITHUB_SUBMISSIONS_SCHEMA,
            natural_key=("submission_key",),
            partition_column="submitted_on",
        ),
    )
