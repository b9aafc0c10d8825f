"""Retraction: remove the warehouse facts a replayed file no longer yields (SPEC 3.4).

Loads only upsert, so a key that a fixed parser stops producing would stay in the warehouse for
ever. Replay removes such keys from curated and then calls `warehouse_file_retract` in the same
transaction. A fact is retracted only when the replayed file is its newest provenance (its
`source_file_id`) and the file no longer yields it: facts a newer file took over keep theirs,
so a newer export covering fewer days never deletes older days (CONTRACT 5).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet

from apps.warehouse.loaders_meta import campaign_spend_dates_update, campaigns_with_facts_from
from apps.warehouse.models import (
    AdPerformanceDaily,
    AdPerformancePeriod,
    AudienceBreakdown,
    AudienceDaily,
    DailyStream,
    DistributorTrackTotal,
    EmailCampaign,
    Expense,
    FollowerSnapshot,
    LinkAnalyticsDaily,
    LinkTotals,
    ListMonthly,
    ListSnapshot,
    SocialDaily,
    SocialVideo,
    SongStreamDaily,
    SongWindowSnapshot,
    StatementLine,
    Submission,
    VideoDaily,
    VideoSnapshot,
)
from apps.warehouse.rollup import revenue_rollup_refresh
from apps.warehouse.services import warehouse_partitions_load

logger = logging.getLogger(__name__)

# Curated dataset -> the fact models its loader writes, each row stamped with `source_file_id`.
# Datasets that only update dimensions (meta_entities) have no facts to retract.
FACT_MODELS: dict[str, tuple[type[Model], ...]] = {
    "statement_lines": (StatementLine,),
    "streams_daily": (DailyStream,),
    "distributor_track_totals": (DistributorTrackTotal,),
    "discovery_fees_monthly": (Expense,),
    "spotify_audience_daily": (AudienceDaily,),
    "spotify_song_windows": (SongWindowSnapshot,),
    "spotify_song_daily": (SongStreamDaily,),
    "linktree_daily": (LinkAnalyticsDaily,),
    "linktree_links": (LinkTotals,),
    "audience_breakdowns": (AudienceBreakdown,),
    "tiktok_daily": (SocialDaily,),
    "tiktok_follower_snapshots": (FollowerSnapshot,),
    "tiktok_videos": (SocialVideo,),
    "instagram_daily": (SocialDaily,),
    "instagram_profile_snapshots": (FollowerSnapshot,),
    "youtube_daily": (SocialDaily, VideoDaily),
    "youtube_video_snapshots": (VideoSnapshot,),
    "meta_ads_daily": (AdPerformanceDaily,),
    "meta_ads_periods": (AdPerformancePeriod,),
    "mailchimp_campaigns": (EmailCampaign,),
    "mailchimp_list_monthly": (ListMonthly,),
    "mailchimp_list_snapshots": (ListSnapshot,),
    "submithub_submissions": (Submission,),
}


def _retracted_models(datasets: set[str]) -> list[type[Model]]:
    models = {model for name in datasets for model in FACT_MODELS.get(name, ())}
    return sorted(models, key=lambda model: model._meta.label)


def _reloads(models: list[type[Model]], partitions: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every partition of the file's datasets that writes one of the marked models: a fact the
    file still yields anywhere in them gets its stamp back."""
    return {
        name: labels
        for name, labels in partitions.items()
        if set(FACT_MODELS.get(name, ())) & set(models)
    }


def warehouse_file_retract(
    *, file_id: int, datasets: set[str], partitions: dict[str, list[str]]
) -> dict[str, int]:
    """Delete the facts of `datasets` whose newest provenance is `file_id` and that curated no
    longer holds. Call it after curated lost the file's removed keys; `partitions` are all the
    partitions the file contributed to before the replay. Returns rows deleted per model."""
    models = _retracted_models(datasets)
    if not models:
        return {}
    # Mark-and-sweep, driven by the loaders themselves so no key mapping is duplicated here:
    # stamp the file's facts with -file_id, reload its partitions (every fact it still yields is
    # upserted back to file_id; a fact another file won keeps that file), then delete the facts
    # still carrying the mark. Ids are positive, so -file_id never names a real file.
    marker = -file_id
    removed: dict[str, int] = {}
    with transaction.atomic():
        for model in models:
            model._default_manager.filter(source_file_id=file_id).update(source_file_id=marker)
        for name, labels in _reloads(models, partitions).items():
            warehouse_partitions_load(dataset=name, partitions=labels)
        spent_campaigns = campaigns_with_facts_from(marker)
        for model in models:
            marked = model._default_manager.filter(source_file_id=marker)
            deleted, _ = _delete_marked(marked)
            if deleted:
                removed[model._meta.label] = deleted
        # Retracted spend days may have been a campaign's first or last.
        campaign_spend_dates_update(spent_campaigns)
    logger.info("warehouse_file_retracted file_id=%s rows=%s", file_id, sum(removed.values(), 0))
    return removed


def _delete_marked(marked: QuerySet[Any]) -> tuple[int, dict[str, int]]:
    """Delete the marked facts; for statement lines, rewrite the rollups of their sale months,
    since the reload before summed the marked lines in too."""
    if marked.model is not StatementLine:
        return marked.delete()
    sale_days = list(marked.order_by().values_list("sale_month", flat=True).distinct())
    outcome = marked.delete()
    revenue_rollup_refresh(sale_days=sale_days)
    return outcome
