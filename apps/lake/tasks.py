"""Thin Celery entry points for the lake's scheduled work and the lake page's buttons."""

from __future__ import annotations

from apps.health.tasks import bedrot_task
from apps.lake.replay import lake_replay
from apps.lake.retention import lake_retention_apply
from apps.lake.sweep import lake_drop_folder_sweep, lake_reconcile


@bedrot_task()
def lake_drop_folder_task() -> int:
    """Register the files dropped into the landing drop folder and queue them."""
    return len(lake_drop_folder_sweep().registered)


@bedrot_task()
def lake_reconcile_task() -> dict[str, int]:
    """Delete stale temp files, adopt orphan landing objects, report rows missing objects."""
    result = lake_reconcile()
    return {
        "temp_deleted": len(result.temp_deleted),
        "landing_adopted": len(result.landing_adopted),
        "rows_missing_file": len(result.rows_missing_file),
    }


@bedrot_task(soft_time_limit=1800, time_limit=2100)
def lake_retention_task() -> dict[str, object]:
    """Apply the retention policy; the run's result lists what was archived and deleted."""
    return lake_retention_apply().summary()


@bedrot_task(soft_time_limit=1800, time_limit=2100)
def lake_replay_task(source_id: str = "", file_id: int | None = None) -> dict[str, int]:
    """Replay one file or a whole source (the lake page's buttons)."""
    outcomes = lake_replay(source=source_id or None, file_id=file_id, run_async=True)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    return counts
