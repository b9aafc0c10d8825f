"""The channel dataset specs (YouTube, Mailchimp, SubmitHub): keys and partitions per SPEC 3.5."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa

from apps.sources.datasets import DATASETS
from apps.sources.datasets_channels import channel_datasets


def test_channel_datasets_are_registered_with_the_spec_keys() -> None:
    keys = {spec.name: (spec.natural_key, spec.partition_column) for spec in channel_datasets()}
    assert keys == {
        "youtube_daily": (("channel", "date", "video_id"), "date"),
        "youtube_video_snapshots": (
            ("channel", "video_id", "period_start", "period_end"),
            "period_end",
        ),
        "mailchimp_campaigns": (("campaign_id",), "send_time"),
        "mailchimp_list_monthly": (("list_id", "month"), "month"),
        "mailchimp_list_snapshots": (("list_id", "captured_on"), "captured_on"),
        "submithub_submissions": (("submission_key",), "submitted_on"),
    }
    assert all(DATASETS[name].natural_key == key for name, (key, _) in keys.items())


def test_channel_datasets_have_the_spec_columns_in_order() -> None:
    columns = {spec.name: spec.schema.names for spec in channel_datasets()}
    assert columns["youtube_daily"] == [
        "channel", "date", "video_id", "views", "engaged_views", "minutes_watched",
        "subscribers_gained", "subscribers_lost", "likes", "shares", "comments",
    ]  # fmt: skip
    assert columns["youtube_video_snapshots"] == [
        "channel", "video_id", "period_start", "period_end", "title", "published_on",
        "duration_s", "views", "watch_time_hours", "subscribers", "impressions",
        "impressions_ctr", "estimated_revenue_usd",
    ]  # fmt: skip
    assert columns["mailchimp_campaigns"] == [
        "campaign_id", "title", "subject_line", "list_id", "send_time", "emails_sent",
        "unique_opens", "open_rate", "unique_clicks", "click_rate", "unsubscribed",
        "hard_bounces", "soft_bounces", "abuse_reports",
    ]  # fmt: skip
    assert columns["mailchimp_list_monthly"] == [
        "list_id", "month", "existing", "imports", "optins", "subscribed", "unsubscribed",
        "cleaned",
    ]  # fmt: skip
    assert columns["mailchimp_list_snapshots"] == [
        "list_id", "captured_on", "member_count", "unsubscribe_count", "cleaned_count",
        "open_rate", "click_rate",
    ]  # fmt: skip
    assert columns["submithub_submissions"] == [
        "submission_key", "submitted_on", "artist_name", "track_title", "outlet", "curator",
        "outlet_type", "status", "feedback", "listens", "shares", "clicks", "cost_credits",
        "cost_usd",
    ]  # fmt: skip


def test_channel_ids_and_money_have_exact_types() -> None:
    specs = {spec.name: spec.schema for spec in channel_datasets()}
    assert specs["youtube_daily"].field("video_id").type == pa.string()
    assert specs["youtube_video_snapshots"].field("estimated_revenue_usd").type == pa.decimal128(
        24, 12
    )
    assert specs["submithub_submissions"].field("cost_usd").type == pa.decimal128(24, 12)


def test_channel_datasets_import_in_either_order() -> None:
    code = (
        "import apps.sources.datasets_channels as c, apps.sources.datasets as d; "
        "assert 'youtube_daily' in d.DATASETS"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
