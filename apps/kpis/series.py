"""Time series read from the warehouse for the spike/drop alerts (SPEC 5.3.6), the
cross-source Spotify check (SPEC 4.5) and the TikTok lag view's daily context (SPEC 5.3.5).

Each anomaly reader returns `{series name: [(day, value), ...]}`, oldest first, over a window
long enough for the latest point and its 28-point baseline. Values are numbers the alert
compares (counts as int, rates as float, money as Decimal); the alert rule lives in
`calculations.robust_anomaly`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max, QuerySet, Sum

from apps.kpis import calculations, selectors
from apps.kpis.filters import UNASSIGNED_ARTIST, RevenueFilters
from apps.warehouse.cross_source import spotify_daily_streams
from apps.warehouse.models import (
    AdPerformanceDaily,
    Artist,
    AudienceDaily,
    Campaign,
    LinkAnalyticsDaily,
    SocialDaily,
    StatementLine,
)

# Enough calendar days to hold the latest point and its 28-point baseline with some gaps.
DAILY_LOOKBACK_DAYS = 60
# A monthly series needs the latest reported month and the 28 reported months before it.
MONTHLY_POINTS = calculations.ANOMALY_BASELINE_POINTS + 1
SPOTIFY = "Spotify"

Number = int | float | Decimal
Series = dict[str, list[tuple[date, Number]]]


def _window(rows: QuerySet[Any], newest: date | None) -> QuerySet[Any]:
    return rows.filter(date__gt=newest - timedelta(days=DAILY_LOOKBACK_DAYS)) if newest else rows


def _grouped(rows: Iterable[tuple[str, date, Number]]) -> Series:
    series: dict[str, list[tuple[date, Number]]] = defaultdict(list)
    for name, day, value in rows:
        series[name].append((day, value))
    return {name: sorted(points) for name, points in series.items()}


def _social_series(platforms: tuple[str, ...], field: str) -> Series:
    """Per account ("platform/account" when several platforms): one SocialDaily field."""
    rows = SocialDaily.objects.filter(platform__in=platforms, **{f"{field}__isnull": False})
    newest = rows.aggregate(newest=Max("date"))["newest"]
    if newest is None:
        return {}
    values = _window(rows, newest).values_list("platform", "account", "date", field).order_by()
    prefix = len(platforms) > 1
    return _grouped(
        (f"{platform}/{account}" if prefix else account, day, int(value))
        for platform, account, day, value in values
    )


def tiktok_view_series() -> Series:
    """Per TikTok account: daily video views."""
    return _social_series(("tiktok",), "views")


def social_follower_series() -> Series:
    """Per "tiktok/<account>" and "instagram/<account>": the follower total of each day."""
    return _social_series(("tiktok", "instagram"), "followers_total")


def spotify_follower_series() -> Series:
    """Per artist: S4A followers summed over the artist's accounts."""
    rows = AudienceDaily.objects.filter(followers__isnull=False)
    newest = rows.aggregate(newest=Max("date"))["newest"]
    if newest is None:
        return {}
    totals = (
        _window(rows, newest)
        .values_list("artist__name", "date")
        .annotate(total=Sum("followers"))
        .order_by()
    )
    return _grouped((artist or UNASSIGNED_ARTIST, day, int(total)) for artist, day, total in totals)


def _linktree_days() -> list[tuple[str, date, int, int]]:
    rows = LinkAnalyticsDaily.objects.all()
    newest = rows.aggregate(newest=Max("date"))["newest"]
    if newest is None:
        return []
    return list(_window(rows, newest).values_list("account", "date", "views", "clicks").order_by())


def linktree_view_series() -> Series:
    """Per Linktree account: daily views."""
    return _grouped((account, day, int(views)) for account, day, views, _ in _linktree_days())


def linktree_ctr_series() -> Series:
    """Per Linktree account: daily clicks / views (0 on a day without views)."""
    return _grouped(
        (account, day, calculations.fraction(clicks, views))
        for account, day, views, clicks in _linktree_days()
    )


def meta_cpm_series() -> Series:
    """Per active campaign (delivery on the newest ad day): daily CPM at the finest grain, on
    the days with impressions. A paused campaign is not watched: it has no latest point."""
    newest = AdPerformanceDaily.objects.aggregate(newest=Max("date"))["newest"]
    if newest is None:
        return {}
    first = newest - timedelta(days=DAILY_LOOKBACK_DAYS - 1)
    days = selectors.ad_days_get(RevenueFilters(start_date=first, end_date=newest))
    active = {campaign for (campaign, day), ad in days.items() if day == newest and ad.impressions}
    names = _campaign_names(active)
    return _grouped(
        (names[campaign], day, calculations.cost_per(ad.spend_usd, ad.impressions, per=1000))
        for (campaign, day), ad in days.items()
        if campaign in active and ad.impressions
    )


def _campaign_names(pks: set[int]) -> dict[int, str]:
    """Campaign names as series names; a name two campaigns share gets the campaign id, so
    their points never mix."""
    rows = list(Campaign.objects.filter(pk__in=pks).values_list("pk", "name", "external_id"))
    counts = Counter(name for _pk, name, _external in rows)
    return {
        pk: name if counts[name] == 1 else f"{name} ({external_id or pk})"
        for pk, name, external_id in rows
    }


def revenue_per_unit_series(*, today: date) -> Series:
    """Per platform: revenue / units of each reported sale month (SPEC 5.3.2 `reported`);
    a month still pending or late is never a point, so an incomplete month cannot alarm."""
    months = [
        month for month, _ in selectors.latest_reported_months(today=today, count=MONTHLY_POINTS)
    ]
    if not months:
        return {}
    sums = (
        StatementLine.objects.filter(sale_month__in=months)
        .values_list("platform__name", "sale_month")
        .annotate(revenue=Sum("earnings_usd"), units=Sum("quantity"))
        .order_by()
    )
    return _grouped(
        (platform, month, calculations.per_unit(revenue, int(units)))
        for platform, month, revenue, units in sums
        if units
    )


# --- cross-source Spotify check -------------------------------------------------------------------


def cross_source_spotify_days(
    *, start: date | None = None, end: date | None = None
) -> list[calculations.CrossSourceDay]:
    """Distributor Spotify streams (every distributor) vs the S4A sum over every artist, day by
    day: from `start` (default: the 28 days up to the last one) to the newest distributor day on
    or before `end`. The check is label-wide, so artist and platform filters do not apply."""
    distributor, s4a = spotify_daily_streams(start=start, end=end)
    return calculations.cross_source_days(distributor, s4a)


# --- TikTok lag view: the daily series behind the correlation -------------------------------------


@dataclass(frozen=True)
class LagDay:
    date: date
    tiktok_views: int | None
    s4a_streams: int | None
    meta_spend_usd: Decimal | None


def tiktok_lag_days(
    *, account: str, artist: str | None, start: date | None, end: date | None
) -> list[LagDay]:
    """Per day: the account's TikTok views, its artist's S4A streams and the Meta spend on the
    artist's campaigns (context only: the page overlays spend days, it never enters the
    correlation)."""
    views = _dated(SocialDaily.objects.filter(platform="tiktok", account=account), start, end)
    view_days = dict(views.filter(views__isnull=False).values_list("date", "views"))
    stream_days: dict[date, int] = {}
    spend_days: dict[date, Decimal] = {}
    if artist is not None:
        streams = _dated(AudienceDaily.objects.filter(artist__name=artist), start, end)
        stream_days = dict(
            streams.filter(streams__isnull=False)
            .values("date")
            .annotate(total=Sum("streams"))
            .values_list("date", "total")
            .order_by()
        )
        spend_days = _artist_spend(artist, start, end)
    days = sorted(set(view_days) | set(stream_days))
    return [
        LagDay(day, view_days.get(day), stream_days.get(day), spend_days.get(day)) for day in days
    ]


def _dated(rows: QuerySet[Any], start: date | None, end: date | None) -> QuerySet[Any]:
    if start is not None:
        rows = rows.filter(date__gte=start)
    if end is not None:
        rows = rows.filter(date__lte=end)
    return rows.order_by()


def _artist_spend(artist: str, start: date | None, end: date | None) -> dict[date, Decimal]:
    artist_id = Artist.objects.filter(name=artist).values_list("pk", flat=True).first()
    if artist_id is None:
        return {}
    filters = RevenueFilters(start_date=start, end_date=end, artist_id=artist_id)
    spend: dict[date, Decimal] = defaultdict(Decimal)
    for (_campaign, day), ad in selectors.ad_days_get(filters).items():
        spend[day] += ad.spend_usd
    return {day: calculations.money(total) for day, total in spend.items() if total}
