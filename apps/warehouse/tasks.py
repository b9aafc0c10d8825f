"""Thin Celery entry points for the warehouse flows."""

from __future__ import annotations

from apps.health.tasks import bedrot_task
from apps.warehouse.services import lake_file_process, lake_files_sweep, warehouse_validate_run


@bedrot_task(soft_time_limit=1800, time_limit=2100)
def lake_file_process_task(file_id: int) -> str:
    """Run one registered file through every remaining zone into the warehouse."""
    return lake_file_process(file_id=file_id).result


@bedrot_task()
def landing_sweep_task() -> int:
    """Re-enqueue files left unfinished (worker lost, broker down at upload time)."""
    return lake_files_sweep()


@bedrot_task(soft_time_limit=600, time_limit=660)
def warehouse_validate_task(trigger: str, load_id: int | None = None) -> None:
    """The SPEC 4.5 validation report after a load."""
    warehouse_validate_run(trigger=trigger, load_id=load_id)
