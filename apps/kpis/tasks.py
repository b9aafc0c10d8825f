"""Thin Celery entry points for the KPI flows."""

from __future__ import annotations

from apps.health.tasks import bedrot_task
from apps.kpis.cache_warm import kpi_cache_warm
from apps.kpis.services import alerts_refresh


@bedrot_task(soft_time_limit=300, time_limit=360)
def kpi_alerts_refresh_task() -> int:
    """Store the alerts the data calls for (SPEC 5.4): after each load and hourly, so alerts
    that depend on the date alone (a statement turning late, a login expiring) still appear."""
    return len(alerts_refresh())


@bedrot_task(soft_time_limit=600, time_limit=660)
def kpi_cache_warm_task(load_id: int | None = None) -> int:
    """Precompute the default-filter KPIs after load `load_id`, so the first visitor hits the
    cache; returns how many were warmed."""
    return len(kpi_cache_warm(after_load_id=load_id))
