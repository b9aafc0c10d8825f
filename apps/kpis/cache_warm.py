"""Fill the KPI cache right after a warehouse load, so the first visitor does not pay the scans.

A finished load changes the warehouse version, which makes every cached KPI unreachable; the
overview page and the unfiltered CONTRACT endpoints would then each run a full scan of the
statement lines on the next request. This computes those entries once, on a worker, with the
same keys the requests build (default filters, today's date). It only reads and caches: a
failure is logged per KPI and the others still warm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from apps.kpis import selectors
from apps.kpis.calculations import Period
from apps.kpis.filters import RevenueFilters

# The overview's own windows and filter builders, so the warmed keys are exactly the page's.
from apps.kpis.pages import OVERVIEW_STREAM_DAYS, OVERVIEW_WINDOW_DAYS, _month, _window
from apps.warehouse.models import WarehouseLoad

logger = logging.getLogger(__name__)

ALL = RevenueFilters()
# The overview compares the latest reported sale month with the one before.
OVERVIEW_REPORTED_MONTHS = 2


def _warm_jobs(today: date, snapshot: selectors.WarehouseSnapshot) -> dict[str, Callable[[], Any]]:
    """Each KPI to warm by name; the arguments mirror the API's and the pages' defaults."""
    jobs: dict[str, Callable[[], Any]] = {
        "summary": lambda: selectors.kpi_summary_get(filters=ALL, snapshot=snapshot),
        "platform": lambda: selectors.revenue_by_platform_list(filters=ALL, snapshot=snapshot),
        "artist": lambda: selectors.revenue_by_artist_list(filters=ALL, snapshot=snapshot),
        "track": lambda: selectors.revenue_by_track_list(filters=ALL, snapshot=snapshot),
        "distributor": lambda: selectors.revenue_by_distributor_list(
            filters=ALL, snapshot=snapshot
        ),
        "monthly": lambda: selectors.revenue_monthly_list(
            filters=ALL, today=today, snapshot=snapshot
        ),
        "delays": lambda: selectors.revenue_delays_get(filters=ALL, snapshot=snapshot),
        "streaming_summary": lambda: selectors.streaming_summary_get(
            filters=ALL, snapshot=snapshot
        ),
        "overview_streams": lambda: selectors.streaming_daily_list(
            filters=replace(
                ALL, start_date=today - timedelta(days=OVERVIEW_STREAM_DAYS - 1), end_date=today
            ),
            snapshot=snapshot,
        ),
        "overview_cards": lambda: _overview_cards(today, snapshot),
        "goals": lambda: selectors.kpi_goal_list(today=today, snapshot=snapshot),
    }
    for period in Period:  # the API defaults to day; the streaming page shows all three
        jobs[f"streaming_growth_{period.value}"] = lambda period=period: (
            selectors.streaming_growth_list(
                filters=ALL, period=period, today=today, snapshot=snapshot
            )
        )
    return jobs


def _overview_cards(today: date, snapshot: selectors.WarehouseSnapshot) -> None:
    """The overview's cards beyond the summary: the latest reported sale months, the last two
    windows of days, and Spotify followers now and a window earlier (see `OverviewPage`)."""
    for month, _ in selectors.latest_reported_months(today=today, count=OVERVIEW_REPORTED_MONTHS):
        selectors.kpi_summary_get(filters=_month(ALL, month), snapshot=snapshot)
    window = timedelta(days=OVERVIEW_WINDOW_DAYS)
    for last in (today, today - window):
        first = last - window + timedelta(days=1)
        selectors.kpi_summary_get(filters=_window(ALL, first, last), snapshot=snapshot)
        selectors.audience_spotify_list(
            filters=replace(ALL, start_date=None, end_date=last), snapshot=snapshot
        )


def kpi_cache_warm(*, after_load_id: int | None = None, today: date | None = None) -> list[str]:
    """Compute and cache the default-filter KPIs for the current warehouse version; returns the
    names warmed (a failed one is logged and left out)."""
    # A run of loads (a demo, a backfill) queues one warm-up each; only the newest load's is
    # worth its scans, the older ones would fill keys its version already made unreachable.
    if after_load_id is not None and WarehouseLoad.objects.filter(pk__gt=after_load_id).exists():
        logger.info("kpi_cache_warm_skipped load_id=%s reason=newer_load", after_load_id)
        return []
    today = today or timezone.now().date()
    snapshot = selectors.warehouse_snapshot_get()
    warmed = []
    for name, job in _warm_jobs(today, snapshot).items():
        try:
            job()
        except Exception as error:  # a cold KPI is computed on its first request instead
            logger.exception("kpi_cache_warm_failed kpi=%s error=%s", name, type(error).__name__)
        else:
            warmed.append(name)
    logger.info("kpi_cache_warmed version=%s count=%d", snapshot.version, len(warmed))
    return warmed
