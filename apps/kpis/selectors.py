"""Revenue KPI reads shared by the API and the dashboard, cached per warehouse load.

Every aggregate runs in the database (the warehouse holds a million statement lines); monthly
status and delays aggregate in SQL to a small grouped frame first and finish in
`calculations`. Results are cached under a key built from the warehouse's load version and the
normalised filters, so a finished load makes every older entry unreachable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet, Sum
from django.db.models.functions import TruncMonth

from apps.kpis import calculations
from apps.kpis.calculations import DelayDistribution, MonthlyRevenueRow
from apps.kpis.filters import UNASSIGNED_ARTIST, RevenueFilters
from apps.warehouse.models import Artist, Distributor, Platform, StatementLine, WarehouseLoad

KPI_CACHE_TIMEOUT_S = 24 * 3600
_T = TypeVar("_T")
_Row = TypeVar("_Row")


@dataclass(frozen=True)
class WarehouseSnapshot:
    """Which warehouse state a KPI reflects: a cache-key version and the `as_of` time."""

    version: str
    as_of: datetime | None


@dataclass(frozen=True)
class KpiSummary:
    total_revenue_usd: Decimal
    total_units: int
    revenue_per_unit_usd: Decimal
    total_streams: int
    artist_count: int
    track_count: int
    top_artist: str | None
    ad_spend_usd: Decimal
    as_of: datetime | None


@dataclass(frozen=True)
class PlatformRevenue:
    platform: str
    revenue_usd: Decimal
    units: int
    revenue_per_unit_usd: Decimal
    line_count: int


@dataclass(frozen=True)
class ArtistRevenue:
    artist: str
    revenue_usd: Decimal
    units: int
    line_count: int
    platforms: list[str]


@dataclass(frozen=True)
class RevenueList(Generic[_Row]):
    """A list KPI: its rows and the `as_of` they reflect."""

    results: list[_Row]
    as_of: datetime | None


@dataclass(frozen=True)
class RevenueDelays:
    average_delay_months: float | None
    median_delay_months: float | None
    results: list[calculations.DelayBucket]
    by_platform: list[calculations.PlatformDelay]
    as_of: datetime | None


@dataclass(frozen=True)
class FilterOptions:
    """Choices for the dashboard filter bar."""

    artists: list[str]
    platforms: list[str]
    distributors: list[tuple[str, str]]


# --- warehouse version and cache --------------------------------------------------------------


def warehouse_snapshot_get() -> WarehouseSnapshot:
    """The warehouse's load version and `as_of`, in one query.

    The version is the newest load id, the number of loads and the newest finish time, so a load
    that commits after a newer-numbered one still changes it, and a rebuilt database that reuses
    ids does not meet the old entries.
    """
    loads = WarehouseLoad.objects.aggregate(
        newest_id=Max("pk"), load_count=Count("pk"), as_of=Max("finished_at")
    )
    as_of: datetime | None = loads["as_of"]
    finished = f"{as_of.timestamp():.6f}" if as_of else "-"
    return WarehouseSnapshot(
        version=f"{loads['newest_id'] or 0}.{loads['load_count']}.{finished}", as_of=as_of
    )


def _cached(name: str, snapshot: WarehouseSnapshot, key: str, compute: Callable[[], _T]) -> _T:
    cache_key = f"kpis:{name}:{snapshot.version}:{key}"
    value: _T | None = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, KPI_CACHE_TIMEOUT_S)
    return value


# --- querysets --------------------------------------------------------------------------------


def _statement_lines(
    filters: RevenueFilters, *, with_dates: bool = True
) -> QuerySet[StatementLine]:
    """Statement lines matching the filters; dates filter by sale month (SPEC 5.1)."""
    lines = StatementLine.objects.order_by()
    if with_dates and filters.start_month is not None:
        lines = lines.filter(sale_month__gte=filters.start_month)
    if with_dates and filters.end_month is not None:
        # Up to the month's last day, so a sale_month stored mid-month still counts.
        lines = lines.filter(sale_month__lte=calculations.month_end(filters.end_month))
    if filters.is_unassigned:
        lines = lines.filter(artist__isnull=True)
    elif filters.artist_id is not None:
        lines = lines.filter(artist_id=filters.artist_id)
    if filters.platform_id is not None:
        lines = lines.filter(platform_id=filters.platform_id)
    if filters.distributor_id is not None:
        lines = lines.filter(distributor_id=filters.distributor_id)
    return lines


def statement_line_list(*, filters: RevenueFilters) -> QuerySet[StatementLine]:
    """Statement lines for the dashboard table, newest reporting date first."""
    return (
        _statement_lines(filters)
        .select_related("distributor", "platform", "artist", "territory")
        .order_by("-reporting_date", "-pk")
    )


# --- KPIs -------------------------------------------------------------------------------------


def kpi_summary_get(
    *, filters: RevenueFilters, snapshot: WarehouseSnapshot | None = None
) -> KpiSummary:
    """The headline revenue KPIs (SPEC 5.2) for the filters."""
    snapshot = snapshot or warehouse_snapshot_get()
    return _cached(
        "summary", snapshot, filters.cache_key(), lambda: _kpi_summary(filters, snapshot)
    )


def _kpi_summary(filters: RevenueFilters, snapshot: WarehouseSnapshot) -> KpiSummary:
    lines = _statement_lines(filters)
    totals = lines.aggregate(
        revenue=Sum("earnings_usd"),
        units=Sum("quantity"),
        artists=Count("artist", distinct=True),
        tracks=Count("track", distinct=True),
    )
    # The top artist is a resolved one: "(unassigned)" is a review-queue bucket, not an artist.
    top = (
        lines.filter(artist__isnull=False)
        .values("artist__name")
        .annotate(revenue=Sum("earnings_usd"))
        .order_by("-revenue", "artist__name")
        .first()
    )
    revenue = calculations.money(totals["revenue"] or 0)
    units = int(totals["units"] or 0)
    return KpiSummary(
        total_revenue_usd=revenue,
        total_units=units,
        revenue_per_unit_usd=calculations.per_unit(revenue, units),
        # Streams come from the distributors' daily stream charts (the streams dataset); with no
        # stream data loaded the correct total is 0, never statement quantities.
        total_streams=0,
        artist_count=totals["artists"],
        track_count=totals["tracks"],
        top_artist=top["artist__name"] if top else None,
        # Ad spend comes from the Meta Ads dataset; without it the spend is 0.
        ad_spend_usd=calculations.money(0),
        as_of=snapshot.as_of,
    )


def revenue_by_platform_list(
    *, filters: RevenueFilters, snapshot: WarehouseSnapshot | None = None
) -> RevenueList[PlatformRevenue]:
    """Revenue, units and lines per platform, highest revenue first."""
    snapshot = snapshot or warehouse_snapshot_get()
    return _cached(
        "platform", snapshot, filters.cache_key(), lambda: _revenue_by_platform(filters, snapshot)
    )


def _revenue_by_platform(
    filters: RevenueFilters, snapshot: WarehouseSnapshot
) -> RevenueList[PlatformRevenue]:
    groups = (
        _statement_lines(filters)
        .values("platform_id", "platform__name")
        .annotate(revenue=Sum("earnings_usd"), units=Sum("quantity"), line_count=Count("pk"))
        .order_by("-revenue", "platform__name")
    )
    rows = [
        PlatformRevenue(
            platform=group["platform__name"],
            revenue_usd=calculations.money(group["revenue"]),
            units=int(group["units"]),
            revenue_per_unit_usd=calculations.per_unit(group["revenue"], int(group["units"])),
            line_count=group["line_count"],
        )
        for group in groups
    ]
    return RevenueList(results=rows, as_of=snapshot.as_of)


def revenue_by_artist_list(
    *, filters: RevenueFilters, snapshot: WarehouseSnapshot | None = None
) -> RevenueList[ArtistRevenue]:
    """Revenue per resolved artist, unresolved lines under "(unassigned)", highest first."""
    snapshot = snapshot or warehouse_snapshot_get()
    return _cached(
        "artist", snapshot, filters.cache_key(), lambda: _revenue_by_artist(filters, snapshot)
    )


def _revenue_by_artist(
    filters: RevenueFilters, snapshot: WarehouseSnapshot
) -> RevenueList[ArtistRevenue]:
    lines = _statement_lines(filters)
    groups = (
        lines.values("artist_id", "artist__name")
        .annotate(revenue=Sum("earnings_usd"), units=Sum("quantity"), line_count=Count("pk"))
        .order_by()
    )
    platforms: dict[int | None, list[str]] = defaultdict(list)
    for pair in lines.values("artist_id", "platform__name").distinct():
        platforms[pair["artist_id"]].append(pair["platform__name"])
    rows = [
        ArtistRevenue(
            artist=group["artist__name"] or UNASSIGNED_ARTIST,
            revenue_usd=calculations.money(group["revenue"]),
            units=int(group["units"]),
            line_count=group["line_count"],
            platforms=sorted(platforms[group["artist_id"]]),
        )
        for group in groups
    ]
    rows.sort(key=lambda row: (-row.revenue_usd, row.artist))
    return RevenueList(results=rows, as_of=snapshot.as_of)


def revenue_monthly_list(
    *, filters: RevenueFilters, today: date, snapshot: WarehouseSnapshot | None = None
) -> RevenueList[MonthlyRevenueRow]:
    """Per sale month: revenue, units, run-rate expected revenue and reporting status."""
    snapshot = snapshot or warehouse_snapshot_get()
    key = f"{filters.cache_key()}:{today.isoformat()}"
    return _cached("monthly", snapshot, key, lambda: _revenue_monthly(filters, today, snapshot))


def _revenue_monthly(
    filters: RevenueFilters, today: date, snapshot: WarehouseSnapshot
) -> RevenueList[MonthlyRevenueRow]:
    # Completeness is a property of the statements, not of one artist: judge it on every line
    # of the platform/distributor slice, over all history, whatever the artist and dates.
    statement_filters = RevenueFilters(
        platform_id=filters.platform_id, distributor_id=filters.distributor_id
    )
    history = _history_frame(_statement_lines(statement_filters))
    if filters.artist_id is None and not filters.is_unassigned:
        revenue = calculations.revenue_from_history(history)
    else:
        revenue = _revenue_frame(_statement_lines(filters, with_dates=False))
    rows: list[MonthlyRevenueRow] = calculations.monthly_revenue_rows(
        history=history,
        revenue=revenue,
        today=today,
        start_month=filters.start_month,
        end_month=filters.end_month,
    )
    return RevenueList(results=rows, as_of=snapshot.as_of)


def _history_frame(lines: QuerySet[StatementLine]) -> pd.DataFrame:
    groups = (
        lines.annotate(reporting_month=TruncMonth("reporting_date"), month=TruncMonth("sale_month"))
        .values("month", "reporting_month", "distributor_id", "platform_id")
        .annotate(lines=Count("pk"), revenue=Sum("earnings_usd"), units=Sum("quantity"))
        .order_by()
    )
    records = [
        (
            group["month"],
            group["reporting_month"],
            group["distributor_id"],
            group["platform_id"],
            group["lines"],
            group["revenue"],
            int(group["units"]),
        )
        for group in groups
    ]
    return pd.DataFrame.from_records(records, columns=list(calculations.HISTORY_COLUMNS))


def _revenue_frame(lines: QuerySet[StatementLine]) -> pd.DataFrame:
    groups = (
        lines.annotate(month=TruncMonth("sale_month"))
        .values("month", "distributor_id", "platform_id")
        .annotate(revenue=Sum("earnings_usd"), units=Sum("quantity"))
        .order_by()
    )
    records = [
        (
            group["month"],
            group["distributor_id"],
            group["platform_id"],
            group["revenue"],
            int(group["units"]),
        )
        for group in groups
    ]
    return pd.DataFrame.from_records(records, columns=list(calculations.REVENUE_COLUMNS))


def revenue_delays_get(
    *, filters: RevenueFilters, snapshot: WarehouseSnapshot | None = None
) -> RevenueDelays:
    """How many months after the sale month lines are reported: distribution and medians."""
    snapshot = snapshot or warehouse_snapshot_get()
    return _cached(
        "delays", snapshot, filters.cache_key(), lambda: _revenue_delays(filters, snapshot)
    )


def _revenue_delays(filters: RevenueFilters, snapshot: WarehouseSnapshot) -> RevenueDelays:
    groups = (
        _statement_lines(filters)
        .annotate(reporting_month=TruncMonth("reporting_date"), month=TruncMonth("sale_month"))
        .values("month", "reporting_month", "platform__name")
        .annotate(lines=Count("pk"))
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        [
            (group["month"], group["reporting_month"], group["platform__name"], group["lines"])
            for group in groups
        ],
        columns=list(calculations.DELAY_COLUMNS),
    )
    distribution: DelayDistribution = calculations.delay_distribution(frame)
    return RevenueDelays(
        average_delay_months=distribution.average_delay_months,
        median_delay_months=distribution.median_delay_months,
        results=distribution.buckets,
        by_platform=distribution.by_platform,
        as_of=snapshot.as_of,
    )


def filter_options_get() -> FilterOptions:
    """Artists, platforms and distributors offered by the dashboard filter bar."""
    return FilterOptions(
        artists=[
            UNASSIGNED_ARTIST,
            *Artist.objects.order_by("name").values_list("name", flat=True),
        ],
        platforms=list(Platform.objects.order_by("name").values_list("name", flat=True)),
        distributors=list(Distributor.objects.order_by("code").values_list("code", "name")),
    )
