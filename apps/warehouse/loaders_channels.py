"""Loaders for the channel datasets: Mailchimp reports and SubmitHub submissions."""

from __future__ import annotations

import pyarrow as pa

from apps.warehouse.models import EmailCampaign, ListMonthly, ListSnapshot, Submission
from apps.warehouse.resolve import (
    AliasBook,
    TrackCatalogue,
    distinct,
    joined,
    map_column,
    text,
    upsert_frame,
)

SUBMITHUB = "submithub"


def mailchimp_campaigns_load(table: pa.Table) -> int:
    """Campaign reports; the artist/release link is staff's to set and is never overwritten."""
    counts = [
        "emails_sent",
        "unique_opens",
        "open_rate",
        "unique_clicks",
        "click_rate",
        "unsubscribed",
        "hard_bounces",
        "soft_bounces",
        "abuse_reports",
    ]
    return upsert_frame(
        model=EmailCampaign,
        columns={
            "campaign_id": table.column("campaign_id"),
            "title": text(table, "title"),
            "subject_line": text(table, "subject_line"),
            "list_id": text(table, "list_id"),
            "send_time": table.column("send_time"),
            **{name: table.column(name) for name in counts},
            "source_file_id": table.column("source_file_id"),
        },
        key=["campaign_id"],
        captured_at=table.column("captured_at"),
    )


def mailchimp_list_monthly_load(table: pa.Table) -> int:
    names = ["list_id", "month", "existing", "imports", "optins", "subscribed", "unsubscribed"]
    return upsert_frame(
        model=ListMonthly,
        columns={
            **{name: table.column(name) for name in names},
            "cleaned": table.column("cleaned"),
            "source_file_id": table.column("source_file_id"),
        },
        key=["list_id", "month"],
        captured_at=table.column("captured_at"),
    )


def mailchimp_list_snapshots_load(table: pa.Table) -> int:
    names = [
        "list_id",
        "captured_on",
        "member_count",
        "unsubscribe_count",
        "cleaned_count",
        "open_rate",
        "click_rate",
        "source_file_id",
    ]
    return upsert_frame(
        model=ListSnapshot,
        columns={name: table.column(name) for name in names},
        key=["list_id", "captured_on"],
        captured_at=table.column("captured_at"),
    )


def _submission_ids(table: pa.Table) -> tuple[pa.Array, pa.Array]:
    """Artist and track of each submission, through the same aliases as statements."""
    book = AliasBook()
    catalogue = TrackCatalogue.load()
    keys = joined(table, ["artist_name", "track_title"])
    artists: dict[str, int | None] = {}
    tracks: dict[str, int | None] = {}
    for key in distinct(keys):
        artist_name, _, title = key.partition("\x1f")
        artist_id = book.artist_id(artist_name, SUBMITHUB)
        artists[key] = artist_id
        tracks[key] = (
            catalogue.match(title=title, artist_id=artist_id, source=SUBMITHUB) if title else None
        )
    return map_column(keys, artists), map_column(keys, tracks)


def submithub_submissions_load(table: pa.Table) -> int:
    artist_ids, track_ids = _submission_ids(table)
    texts = ["artist_name", "track_title", "outlet", "curator", "outlet_type", "status", "feedback"]
    numbers = ["listens", "shares", "clicks", "cost_credits", "cost_usd", "source_file_id"]
    return upsert_frame(
        model=Submission,
        columns={
            "submission_key": table.column("submission_key"),
            "submitted_on": table.column("submitted_on"),
            **{name: text(table, name) for name in texts},
            **{name: table.column(name) for name in numbers},
            "artist_id": artist_ids,
            "track_id": track_ids,
        },
        key=["submission_key"],
        captured_at=table.column("captured_at"),
    )
