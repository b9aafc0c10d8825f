"""The dashboard pages: which fragments and tables each shows, built from the API's selectors.

Columns name the API's fields, so a table, its CSV and its endpoint line up one to one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.utils import timezone

from apps.health.scoring import DatasetFreshness, Status, overall_status
from apps.health.services import EvaluatedSource, health_evaluate
from apps.kpis import calculations, selectors
from apps.kpis.calculations import MonthlyRevenueRow, money_str, month_end, period_trend
from apps.kpis.filters import UNASSIGNED_ARTIST, RevenueFilters
from apps.kpis.models import Alert
from apps.kpis.page_context import Card, PageContext, PageSpec
from apps.kpis.selectors import KpiSummary, statement_line_list
from apps.kpis.series import LagDay, cross_source_spotify_days, tiktok_lag_days
from apps.kpis.tables import Column, Kind, Table
from apps.warehouse.models import Platform, StatementLine

STATEMENT_LINES_PER_PAGE = 50
OVERVIEW_MONTHS = 12
REVENUE = "statement_lines"
STREAMS = "streams_daily"
META = "meta_ads"
AUDIENCE = "spotify_audience tiktok linktree"


def _results(value: Any) -> list[Any]:
    return list(getattr(value, "results", value) or [])


# --- shared columns -----------------------------------------------------------------------------

REVENUE_COLUMNS = [
    Column("revenue_usd", "Revenue (USD)", Kind.MONEY),
    Column("units", "Units", Kind.INT),
]


def _monthly_columns() -> list[Column]:
    def no_basis(row: MonthlyRevenueRow) -> str | None:
        return None if getattr(row, "has_rate_basis", True) else "no rate basis"

    return [
        Column("month", "Sale month", Kind.MONTH),
        *REVENUE_COLUMNS,
        Column("expected_revenue_usd", "Expected (USD)", Kind.MONEY, placeholder=no_basis),
        Column("status", "Status", Kind.STATUS),
    ]


def _monthly_chart(months: list[MonthlyRevenueRow]) -> dict[str, list[Any]]:
    return {
        "labels": [row.month.strftime("%Y-%m") for row in months],
        "revenue": [money_str(row.revenue_usd) for row in months],
        "expected": [money_str(row.expected_revenue_usd) for row in months],
        "status": [str(row.status) for row in months],
    }


def _stacked_daily_chart(rows: list[Any], *, by_distributor: bool = True) -> dict[str, Any]:
    """Daily rows (date, platform, distributor, streams) pivoted into one series per
    platform (and distributor), for a stacked bar chart."""
    dates = sorted({row.date for row in rows})
    position = {day: index for index, day in enumerate(dates)}
    series: dict[str, list[int]] = {}
    for row in rows:
        label = f"{row.platform} ({row.distributor})" if by_distributor else row.platform
        values = series.setdefault(label, [0] * len(dates))
        values[position[row.date]] += row.streams
    return {
        "labels": [day.isoformat() for day in dates],
        "series": [{"label": label, "data": data} for label, data in sorted(series.items())],
    }


DAILY_STREAM_COLUMNS = [
    Column("date", "Date", Kind.DATE),
    Column("platform", "Platform"),
    Column("distributor", "Distributor"),
    Column("streams", "Streams", Kind.INT),
]


def _no_previous(row: calculations.GrowthRow) -> str | None:
    # The API's growth_rate is 0 when the previous period had no streams: not a real 0 %.
    return None if row.previous_streams else "—"


def _cross_source_tally(days: list[calculations.CrossSourceDay]) -> str:
    """A one-line count of the bands above the table (they are also its last column)."""
    counts = Counter(day.band for day in days)
    band = calculations.CrossSourceBand
    return (
        f"{len(days)} days: {counts[band.OK]} ok, {counts[band.NOTE]} note, "
        f"{counts[band.INVESTIGATE]} investigate, {counts[band.NO_S4A]} without S4A figures."
    )


GROWTH_COLUMNS = [
    Column("period_start", "Period start", Kind.DATE),
    Column("streams", "Streams", Kind.INT),
    Column("previous_streams", "Previous period", Kind.INT),
    Column("growth_rate", "Growth", Kind.RATE, placeholder=_no_previous),
]
NO_STREAMS_TEXT = "No daily streams in this selection."
CROSS_SOURCE_NOTE = (
    "Spotify streams of both distributors vs the sum over every artist in Spotify for Artists, "
    "label-wide (the artist, platform and distributor filters do not apply), for the 28 days up "
    "to the newest distributor day, or from Start to End. Gap = |difference| / the larger "
    "figure: ok up to 5 %, note up to 15 %, investigate above. A day above the alert threshold "
    "(10 % by default) raises a data-quality alert."
)


# --- revenue ------------------------------------------------------------------------------------


class RevenueMixin(PageContext):
    """Revenue tables shared by the Overview and Revenue pages."""

    @cached_property
    def summary(self) -> KpiSummary | None:
        if self.filters is None:
            return None
        return selectors.kpi_summary_get(filters=self.filters, snapshot=self.snapshot)

    @cached_property
    def months(self) -> list[MonthlyRevenueRow]:
        if self.filters is None:
            return []
        return selectors.revenue_monthly_list(
            filters=self.filters, today=self.today, snapshot=self.snapshot
        ).results

    def table_platform(self) -> Table:
        rows = []
        if self.filters is not None:
            rows = selectors.revenue_by_platform_list(
                filters=self.filters, snapshot=self.snapshot
            ).results
        return Table(
            name="platform",
            title="Revenue by platform",
            columns=[
                Column("platform", "Platform"),
                *REVENUE_COLUMNS,
                Column("revenue_per_unit_usd", "Per unit (USD)", Kind.MONEY4),
                Column("line_count", "Lines", Kind.INT),
            ],
            rows=rows,
            empty_text="No statement lines in this selection.",
            chart_builder="platforms",
            chart_data={
                "labels": [row.platform for row in rows],
                "revenue": [money_str(row.revenue_usd) for row in rows],
            },
            chart_label="Bar chart of revenue by platform; the figures are in the table below.",
        )

    def table_monthly(self) -> Table:
        return Table(
            name="monthly",
            title="Revenue by sale month: actual vs expected",
            columns=_monthly_columns(),
            rows=self.months,
            empty_text="No statement lines in this selection.",
            note="Hollow bars: sale months not fully reported yet (pending or late).",
            chart_builder="monthly",
            chart_data=_monthly_chart(self.months),
            chart_label=(
                "Bars of revenue per sale month, hollow when the month is not fully reported, "
                "with the expected revenue as a line; the figures are in the table below."
            ),
        )


def _summary_cards(summary: KpiSummary | None) -> list[Card]:
    if summary is None:
        return []
    return [
        Card("Total revenue (USD)", f"{summary.total_revenue_usd:,.2f}"),
        Card("Units", f"{summary.total_units:,}"),
        Card("Revenue per unit (USD)", f"{summary.revenue_per_unit_usd:,.4f}"),
        Card("Artists / tracks", f"{summary.artist_count} / {summary.track_count}"),
        Card("Top artist", summary.top_artist or "—"),
    ]


class RevenuePage(RevenueMixin):
    spec = PageSpec(
        name="revenue",
        title="Revenue",
        body_template="kpis/partials/revenue_body.html",
        fragments={
            "cards": "kpis/partials/cards.html",
            "review": "kpis/partials/revenue_review.html",
            "lines": "kpis/partials/statement_lines.html",
        },
        tables={
            "monthly": REVENUE,
            "platform": REVENUE,
            "artist": REVENUE,
            "track": REVENUE,
            "distributor": f"{REVENUE} {STREAMS}",
            "territory": REVENUE,
        },
        table_fragments=frozenset(
            {"monthly", "platform", "artist", "track", "distributor", "territory"}
        ),
        date_hint="sale month",
    )
    cards_datasets = REVENUE

    @cached_property
    def cards(self) -> list[Card]:
        return _summary_cards(self.summary)

    def table_artist(self) -> Table:
        rows = []
        if self.filters is not None:
            rows = selectors.revenue_by_artist_list(
                filters=self.filters, snapshot=self.snapshot
            ).results
        has_net = bool(rows) and hasattr(rows[0], "net_revenue_usd")
        return Table(
            name="artist",
            title="Revenue by artist",
            columns=[
                Column("artist", "Artist"),
                Column("revenue_usd", "Gross (USD)", Kind.MONEY),
                *([Column("net_revenue_usd", "Net (USD)", Kind.MONEY)] if has_net else []),
                Column("units", "Units", Kind.INT),
                Column("line_count", "Lines", Kind.INT),
                Column("platforms", "Platforms", Kind.LIST),
            ],
            rows=rows,
            empty_text="No statement lines in this selection.",
        )

    def _rows(self, selector: Callable[..., Any]) -> list[Any]:
        if self.filters is None:
            return []
        return _results(selector(filters=self.filters, snapshot=self.snapshot))

    def table_track(self) -> Table:
        rows = self._rows(selectors.revenue_by_track_list)
        return Table(
            name="track",
            title="Revenue by track",
            columns=[
                Column("track", "Track"),
                Column("isrc", "ISRC"),
                Column("artist", "Artist"),
                Column("revenue_usd", "Gross (USD)", Kind.MONEY),
                Column("net_revenue_usd", "Net (USD)", Kind.MONEY),
                Column("units", "Units", Kind.INT),
            ],
            rows=rows,
            empty_text="No statement lines in this selection.",
        )

    def table_distributor(self) -> Table:
        rows = self._rows(selectors.revenue_by_distributor_list)
        return Table(
            name="distributor",
            title="Revenue by distributor",
            columns=[
                Column("distributor", "Distributor"),
                *REVENUE_COLUMNS,
                Column("streams", "Streams", Kind.INT),
            ],
            rows=rows,
            empty_text="No statement lines in this selection.",
        )

    def table_territory(self) -> Table:
        rows = self._rows(selectors.revenue_by_territory_list)
        return Table(
            name="territory",
            title="Revenue by territory",
            columns=[
                Column("territory", "Territory"),
                *REVENUE_COLUMNS,
                Column("line_count", "Lines", Kind.INT),
            ],
            rows=rows,
            empty_text="No statement lines in this selection.",
        )

    @cached_property
    def unreviewed_platforms(self) -> list[str]:
        """Platforms created from unknown store names, waiting in the review queue."""
        return list(
            Platform.objects.filter(is_reviewed=False)
            .order_by("name")
            .values_list("name", flat=True)
        )

    @cached_property
    def unassigned(self) -> selectors.ArtistRevenue | None:
        """The artist table's "(unassigned)" row: lines whose artist did not resolve."""
        rows = self.tables["artist"].rows
        return next((row for row in rows if row.artist == UNASSIGNED_ARTIST), None)

    @cached_property
    def lines_page(self) -> Page[StatementLine] | None:
        if self.filters is None:
            return None
        paginator = Paginator(statement_line_list(filters=self.filters), STATEMENT_LINES_PER_PAGE)
        return paginator.get_page(self.request.GET.get("page"))


# --- overview -----------------------------------------------------------------------------------


OVERVIEW_HEALTH_CACHE_S = 60
FRESHNESS_RULE = "freshness"  # the health deduction for data older than its cadence allows


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"  # older than the source's cadence allows: health deducts for it
    NO_DATA = "no_data"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    status: Freshness
    age_days: int | None  # the age health judges the source by (its worst dataset)
    datasets: tuple[DatasetFreshness, ...]  # each measured dataset's newest date and age


def source_freshness(item: EvaluatedSource) -> SourceFreshness:
    """One source's tile. Stale means what the health page means by it: the score carries a
    freshness deduction."""
    score = item.score
    if score.status == Status.NOT_CONFIGURED:
        status = Freshness.NOT_CONFIGURED
    elif not item.facts.has_any_data:
        status = Freshness.NO_DATA
    elif any(deduction.rule == FRESHNESS_RULE for deduction in score.deductions):
        status = Freshness.STALE
    else:
        status = Freshness.FRESH
    return SourceFreshness(score.source, status, score.freshness_days, score.freshness)


OVERVIEW_WINDOW_DAYS = 30
OVERVIEW_STREAM_DAYS = 90
OVERVIEW_ALERTS = 5


def _window(filters: RevenueFilters, first: date, last: date) -> RevenueFilters:
    """The page's artist/platform/distributor filters over a fixed window of days."""
    return replace(
        filters,
        start_date=first,
        end_date=last,
        start_month=first.replace(day=1),
        end_month=last.replace(day=1),
    )


def _month(filters: RevenueFilters, month: date) -> RevenueFilters:
    """The page's artist/platform/distributor filters over one sale month."""
    return replace(
        filters, start_month=month, end_month=month, start_date=month, end_date=month_end(month)
    )


class OverviewPage(RevenueMixin):
    spec = PageSpec(
        name="dashboard",
        title="Overview",
        body_template="kpis/partials/overview_body.html",
        fragments={
            "cards": "kpis/partials/cards.html",
            "goals": "kpis/partials/goals.html",
            "latest_alerts": "kpis/partials/latest_alerts.html",
            "freshness": "kpis/partials/freshness_strip.html",
        },
        tables={"monthly": REVENUE, "streams": STREAMS, "platform": REVENUE},
        table_fragments=frozenset({"monthly", "streams", "platform"}),
        date_hint="sale month",
    )

    @cached_property
    def recent_months(self) -> list[MonthlyRevenueRow]:
        return self.months[-OVERVIEW_MONTHS:]

    def _summary(self, filters: RevenueFilters) -> KpiSummary:
        return selectors.kpi_summary_get(filters=filters, snapshot=self.snapshot)

    def _reported_month_cards(self, filters: RevenueFilters) -> list[Card]:
        """Revenue and revenue per unit of the latest reported sale month vs the one before."""
        months = [month for month, _ in selectors.latest_reported_months(today=self.today, count=2)]
        if not months:
            return [Card("Revenue, latest reported month", "—", has_trend=True)]
        latest = self._summary(_month(filters, months[0]))
        previous = self._summary(_month(filters, months[1])) if len(months) > 1 else None
        label = f"{months[0]:%Y-%m}"
        return [
            Card(
                f"Revenue {label} (USD)",
                f"{latest.total_revenue_usd:,.2f}",
                trend=period_trend(latest.total_revenue_usd, previous.total_revenue_usd)
                if previous
                else None,
                has_trend=True,
                note="latest fully reported sale month",
            ),
            Card(
                f"Revenue per unit {label} (USD)",
                f"{latest.revenue_per_unit_usd:,.4f}",
                trend=period_trend(latest.revenue_per_unit_usd, previous.revenue_per_unit_usd)
                if previous
                else None,
                has_trend=True,
            ),
        ]

    def _window_cards(self, filters: RevenueFilters) -> list[Card]:
        """Streams and ad spend of the last 30 days vs the 30 days before."""
        days = timedelta(days=OVERVIEW_WINDOW_DAYS)
        last = self.today
        current = self._summary(_window(filters, last - days + timedelta(days=1), last))
        previous = self._summary(_window(filters, last - 2 * days + timedelta(days=1), last - days))
        return [
            Card(
                f"Streams, last {OVERVIEW_WINDOW_DAYS} days",
                f"{current.total_streams:,}",
                trend=period_trend(current.total_streams, previous.total_streams),
                has_trend=True,
            ),
            Card(
                f"Ad spend, last {OVERVIEW_WINDOW_DAYS} days (USD)",
                f"{current.ad_spend_usd:,.2f}",
                trend=period_trend(current.ad_spend_usd, previous.ad_spend_usd),
                has_trend=True,
            ),
        ]

    def _followers_card(self, filters: RevenueFilters) -> Card:
        """Spotify followers summed over artists (latest day) vs 30 days earlier."""

        def followers(last: date) -> int:
            rows = selectors.audience_spotify_list(
                filters=replace(filters, start_date=None, end_date=last), snapshot=self.snapshot
            ).results
            return sum(row.followers or 0 for row in rows)

        current = followers(self.today)
        previous = followers(self.today - timedelta(days=OVERVIEW_WINDOW_DAYS))
        return Card(
            "Spotify followers",
            f"{current:,}",
            trend=period_trend(current, previous),
            has_trend=True,
            note=f"latest day; trend vs {OVERVIEW_WINDOW_DAYS} days earlier",
        )

    @cached_property
    def cards(self) -> list[Card]:
        if self.filters is None or self.summary is None:
            return []
        open_alerts = selectors.kpi_alert_list(is_acknowledged=False).count()
        return [
            Card("Total revenue (USD)", f"{self.summary.total_revenue_usd:,.2f}",
                 note="sale months in the selection"),
            *self._reported_month_cards(self.filters),
            *self._window_cards(self.filters),
            self._followers_card(self.filters),
            Card("Open alerts", f"{open_alerts:,}", note="not yet acknowledged"),
            self._pipeline_card(),
        ]  # fmt: skip

    @cached_property
    def health(self) -> list[EvaluatedSource]:
        """Every source scored as the health page scores it (read only, nothing is sent).

        Scoring reads runs, lineage and logins (about 16 queries a source), so the cards and
        the strip share one evaluation for a minute; a warehouse load changes the snapshot
        version and with it the key, so a live refresh after a load sees the new data dates.
        """
        key = f"kpis:overview_health:{self.snapshot.version}"
        evaluated: list[EvaluatedSource] | None = cache.get(key)
        if evaluated is None:
            evaluated = health_evaluate(now=timezone.now())
            cache.set(key, evaluated, OVERVIEW_HEALTH_CACHE_S)
        return evaluated

    def _pipeline_card(self) -> Card:
        scored = sum(1 for item in self.health if item.score.status != Status.NOT_CONFIGURED)
        return Card(
            "Pipeline status",
            str(overall_status([item.score for item in self.health])),
            note=f"{scored} source{'s' if scored != 1 else ''} scored; see Health",
        )

    @cached_property
    def freshness(self) -> list[SourceFreshness]:
        """The freshness strip: one tile per source, from the health scoring (SPEC 6.2)."""
        return [source_freshness(item) for item in self.health]

    def table_monthly(self) -> Table:
        table = super().table_monthly()
        table.title = f"Last {OVERVIEW_MONTHS} sale months: actual vs expected"
        table.rows = self.recent_months
        table.chart_data = _monthly_chart(self.recent_months)
        return table

    def table_streams(self) -> Table:
        rows = []
        if self.filters is not None:
            first = self.today - timedelta(days=OVERVIEW_STREAM_DAYS - 1)
            rows = selectors.streaming_daily_list(
                filters=replace(self.filters, start_date=first, end_date=self.today),
                snapshot=self.snapshot,
            ).results
        return Table(
            name="streams",
            title=f"Daily streams by platform, last {OVERVIEW_STREAM_DAYS} days",
            columns=DAILY_STREAM_COLUMNS,
            rows=rows,
            empty_text=NO_STREAMS_TEXT,
            chart_builder="stacked",
            chart_data=_stacked_daily_chart(rows, by_distributor=False),
            chart_label="Stacked bars of daily streams per platform; the figures are in the "
            "table below.",
        )

    @cached_property
    def goals(self) -> list[selectors.GoalRow]:
        return selectors.kpi_goal_list(today=self.today, snapshot=self.snapshot).results

    @cached_property
    def latest_alerts(self) -> list[Alert]:
        return list(selectors.kpi_alert_list()[:OVERVIEW_ALERTS])


# --- streaming and marketing -------------------------------------------------------------------


class StreamingPage(PageContext):
    spec = PageSpec(
        name="streaming",
        title="Streaming",
        body_template="kpis/partials/streaming_body.html",
        fragments={
            "cards": "kpis/partials/cards.html",
            "realtime": "kpis/partials/realtime_tiles.html",
        },
        tables={
            "daily": STREAMS,
            "by_platform": STREAMS,
            "by_distributor": STREAMS,
            "growth_day": STREAMS,
            "growth_week": STREAMS,
            "growth_month": STREAMS,
            "cross_source": f"{STREAMS} spotify_audience",
        },
        table_fragments=frozenset(
            {
                "daily",
                "by_platform",
                "by_distributor",
                "growth_day",
                "growth_week",
                "growth_month",
                "cross_source",
            }
        ),
    )
    cards_datasets = STREAMS

    @cached_property
    def summary(self) -> selectors.StreamingSummary | None:
        if self.filters is None:
            return None
        return selectors.streaming_summary_get(filters=self.filters, snapshot=self.snapshot)

    @cached_property
    def cards(self) -> list[Card]:
        summary = self.summary
        if summary is None:
            return []
        first, last = summary.first_date, summary.last_date
        return [
            Card("Total streams", f"{summary.total_streams:,}"),
            Card("Daily average", f"{summary.daily_average:,.1f}"),
            Card("Days", f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first and last else "—"),
        ]

    @cached_property
    def realtime(self) -> list[Card]:
        """One tile per platform: its latest complete day vs the day before."""
        if self.filters is None:
            return []
        rows = selectors.kpi_realtime_list(filters=self.filters, snapshot=self.snapshot).results
        return [
            Card(
                f"{row.platform} · {row.date:%Y-%m-%d}",
                f"{row.streams:,}",
                # the API's change_rate is 0 with no previous day; a tile shows that as unknown
                trend=row.change_rate if row.previous_streams else None,
                has_trend=True,
                note=f"{row.change:+,} vs {row.previous_streams:,} the day before",
            )
            for row in rows
        ]

    def table_daily(self) -> Table:
        rows = []
        if self.filters is not None:
            rows = selectors.streaming_daily_list(
                filters=self.filters, snapshot=self.snapshot
            ).results
        return Table(
            name="daily",
            title="Daily streams by platform and distributor",
            columns=DAILY_STREAM_COLUMNS,
            rows=rows,
            empty_text=NO_STREAMS_TEXT,
            chart_builder="stacked",
            chart_data=_stacked_daily_chart(rows),
            chart_label="Stacked bars of daily streams per platform and distributor; "
            "the figures are in the table below.",
        )

    def _named(self, name: str, title: str, header: str, attribute: str) -> Table:
        rows = getattr(self.summary, attribute) if self.summary else []
        return Table(
            name=name,
            title=title,
            columns=[Column("name", header), Column("streams", "Streams", Kind.INT)],
            rows=rows,
            empty_text=NO_STREAMS_TEXT,
        )

    def table_by_platform(self) -> Table:
        return self._named("by_platform", "Streams by platform", "Platform", "by_platform")

    def table_by_distributor(self) -> Table:
        return self._named(
            "by_distributor", "Streams by distributor", "Distributor", "by_distributor"
        )

    def _growth(self, period: calculations.Period) -> Table:
        rows = []
        if self.filters is not None:
            rows = selectors.streaming_growth_list(
                filters=self.filters, period=period, today=self.today, snapshot=self.snapshot
            ).results
        return Table(
            name=f"growth_{period.value}",
            title=f"Growth by {period.value}",
            columns=GROWTH_COLUMNS,
            rows=rows,
            empty_text="No complete period with streams in this selection.",
            note="Complete calendar periods only (weeks start on Monday).",
        )

    def table_growth_day(self) -> Table:
        return self._growth(calculations.Period.DAY)

    def table_growth_week(self) -> Table:
        return self._growth(calculations.Period.WEEK)

    def table_growth_month(self) -> Table:
        return self._growth(calculations.Period.MONTH)

    def table_cross_source(self) -> Table:
        days = []
        if self.filters is not None:
            days = cross_source_spotify_days(
                start=self.filters.start_date, end=self.filters.end_date
            )
        return Table(
            name="cross_source",
            title="Cross-source check: distributor vs Spotify for Artists streams",
            columns=[
                Column("date", "Date", Kind.DATE),
                Column("distributor_streams", "Distributors (Spotify)", Kind.INT),
                Column("s4a_streams", "Spotify for Artists", Kind.INT),
                Column("difference", "Difference", Kind.INT),
                Column("gap", "Gap", Kind.RATE),
                Column("band", "Check", Kind.STATUS),
            ],
            rows=days,
            empty_text="No distributor Spotify streams in this selection.",
            note=f"{_cross_source_tally(days)} {CROSS_SOURCE_NOTE}",
            chart_builder="lines",
            chart_data={
                "labels": [day.date.isoformat() for day in days],
                "series": [
                    {
                        "label": "Distributors (Spotify)",
                        "data": [day.distributor_streams for day in days],
                    },
                    {"label": "Spotify for Artists", "data": [day.s4a_streams for day in days]},
                ],
            },
            chart_label="Lines of daily Spotify streams as the distributors and as Spotify for "
            "Artists report them; the gaps and checks are in the table below.",
        )


class MarketingPage(PageContext):
    spec = PageSpec(
        name="marketing",
        title="Marketing",
        body_template="kpis/partials/marketing_body.html",
        fragments={},
        tables={
            "campaigns": META,
            "artists": f"{META} {REVENUE}",
            "releases": f"meta {REVENUE} spotify_song_daily submithub",
            "submithub": "submithub",
        },
        table_fragments=frozenset({"campaigns", "artists", "releases", "submithub"}),
        filter_fields=("start", "end", "artist"),
    )
    extra_params = ("window",)

    @cached_property
    def windows(self) -> list[int]:
        return list(selectors.ATTRIBUTION_WINDOWS)

    @cached_property
    def window(self) -> int:
        """The selected attribution window; anything else than 0/7/28/56 means the default."""
        chosen = self.values["window"]
        if chosen in {str(days) for days in self.windows}:
            return int(chosen)
        return selectors.attribution_window_default()

    @cached_property
    def window_hidden_params(self) -> list[tuple[str, str]]:
        """The filters the window selector carries along unchanged."""
        return [(name, value) for name, value in self.values.items() if value and name != "window"]

    def table_releases(self) -> Table:
        rows = []
        if self.filters is not None:
            rows = selectors.marketing_release_list(
                filters=self.filters, window_days=self.window, today=self.today,
                snapshot=self.snapshot,
            ).results  # fmt: skip
        return Table(
            name="releases",
            title=f"ROAS per release, {self.window}-day attribution window",
            columns=[
                Column("track", "Track"),
                Column("artist", "Artist"),
                Column("release", "Release"),
                Column("release_type", "Type"),
                Column("campaigns", "Campaigns", Kind.LIST),
                Column("spend_usd", "Spend (USD)", Kind.MONEY),
                Column("attribution_start", "From", Kind.DATE),
                Column("attribution_end", "To", Kind.DATE),
                Column("attributed_revenue_usd", "Attributed (USD)", Kind.MONEY),
                Column("baseline_revenue_usd", "Baseline (USD)", Kind.MONEY),
                Column("roas", "ROAS", Kind.RATIO),
                Column("incremental_roas", "Incremental ROAS", Kind.RATIO),
                Column("status", "Status", Kind.STATUS),
                Column("s4a_streams", "S4A streams", Kind.INT),
                Column("cost_per_stream_usd", "Cost per stream (USD)", Kind.MONEY4),
                Column("other_promo_usd", "Other promotion (USD)", Kind.MONEY),
            ],
            rows=rows,
            empty_text="No campaign resolved to a track spent in this selection.",
            note="Revenue from the first spend day to the last + the window, pro-rated by sale "
            "month; baseline: the same length just before. Provisional: a sale month is not "
            "fully reported yet and its expected revenue is used. Other promotion (SubmitHub) "
            "is shown beside ROAS, never in it.",
        )

    def table_submithub(self) -> Table:
        rows = []
        if self.filters is not None:
            rows = selectors.marketing_submithub_list(
                filters=self.filters, snapshot=self.snapshot
            ).results
        return Table(
            name="submithub",
            title="SubmitHub outcomes per track",
            columns=[
                Column("track", "Track"),
                Column("artist", "Artist"),
                Column("submissions", "Submissions", Kind.INT),
                Column("approved", "Approved", Kind.INT),
                Column("approval_rate", "Approval rate", Kind.RATE),
                Column("shares", "Shares", Kind.INT),
                Column("cost_usd", "Cost (USD)", Kind.MONEY),
                Column("cost_per_share_usd", "Cost per share (USD)", Kind.MONEY),
            ],
            rows=rows,
            empty_text="No SubmitHub submissions in this selection.",
            note="Approval rate counts the submissions with an outcome; pending ones wait.",
        )

    def table_campaigns(self) -> Table:
        rows = []
        if self.filters is not None:
            rows = selectors.marketing_campaign_list(
                filters=self.filters, snapshot=self.snapshot
            ).results
        return Table(
            name="campaigns",
            title="Meta campaigns",
            columns=[
                Column("campaign", "Campaign"),
                Column("external_id", "Campaign id"),
                Column("artist", "Artist"),
                Column("track", "Track"),
                Column("targeting", "Targeting"),
                Column("spend_usd", "Spend (USD)", Kind.MONEY),
                Column("impressions", "Impressions", Kind.INT),
                Column("clicks", "Clicks", Kind.INT),
                Column("reach", "Reach", Kind.INT),
                Column("reach_basis", "Reach basis"),
                Column("ctr", "CTR", Kind.RATE),
                Column("cpc_usd", "CPC (USD)", Kind.MONEY),
                Column("cpm_usd", "CPM (USD)", Kind.MONEY),
            ],
            rows=rows,
            empty_text="No ad delivery in this selection.",
            note="Reach is never summed: lifetime without a range, the month's for exactly one "
            "calendar month, otherwise the largest daily reach (max_daily, a lower bound).",
        )

    def table_artists(self) -> Table:
        rows = []
        if self.filters is not None:
            rows = selectors.marketing_artist_list(
                filters=self.filters, snapshot=self.snapshot
            ).results
        return Table(
            name="artists",
            title="ROAS per artist",
            columns=[
                Column("artist", "Artist"),
                Column("spend_usd", "Spend (USD)", Kind.MONEY),
                Column("impressions", "Impressions", Kind.INT),
                Column("clicks", "Clicks", Kind.INT),
                Column("revenue_usd", "Revenue (USD)", Kind.MONEY),
                Column("roas", "ROAS", Kind.RATIO),
            ],
            rows=rows,
            empty_text="No ad delivery in this selection.",
            chart_builder="bars",
            chart_data={
                "labels": [row.artist for row in rows],
                "series": [
                    {"label": "Spend (USD)", "data": [money_str(row.spend_usd) for row in rows]},
                    {
                        "label": "Revenue (USD)",
                        "data": [money_str(row.revenue_usd) for row in rows],
                    },
                ],
            },
            chart_label="Bars of ad spend and revenue per artist; ROAS is in the table below.",
        )


AUDIENCE_FILTERS = ("start", "end", "artist", "account")
LAG_DATASETS = "tiktok spotify_audience meta"
LAG_NOTE = (
    "Both series are smoothed over 7 days and differenced, then correlated (Pearson) with the "
    "streams 0 to 84 days later. Correlation is not causation: a release, a playlist or an ad "
    "can move both at once."
)


def _correlation(row: calculations.LagCorrelation) -> str | None:
    # Three decimals on screen (a one-decimal DECIMAL hides the shape); the CSV keeps the value.
    return None if row.correlation is None else f"{row.correlation:.3f}"


def _lag_daily_chart(days: list[LagDay]) -> dict[str, Any]:
    """Every calendar day from the first to the last, a missing figure left as a gap, so months
    without data are not squeezed out of the time axis."""
    by_date = {day.date: day for day in days}
    dates = []
    if days:
        first, last = days[0].date, days[-1].date
        dates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    rows = [by_date.get(day) for day in dates]

    def spend(row: LagDay | None) -> str | None:
        return money_str(row.meta_spend_usd) if row and row.meta_spend_usd else None

    return {
        "labels": [day.isoformat() for day in dates],
        "series": [
            {"label": "TikTok views", "data": [row and row.tiktok_views for row in rows]},
            {
                "label": "S4A streams",
                "data": [row and row.s4a_streams for row in rows],
                "axis": "y2",
            },
            {
                "label": "Meta spend (USD)",
                "type": "bar",
                "data": [spend(row) for row in rows],
                "axis": "spend",
            },
        ],
    }


RATE_NOTE = "Engagement rate = (likes + comments + shares) / views, from the sums."


class AudiencePage(PageContext):
    spec = PageSpec(
        name="audience",
        title="Audience",
        body_template="kpis/partials/audience_body.html",
        fragments={
            "linktree_cards": "kpis/partials/linktree_cards.html",
            "lag_summary": "kpis/partials/lag_summary.html",
        },
        tables={
            "tiktok": "tiktok",
            "spotify": "spotify_audience",
            "lag": LAG_DATASETS,
            "lag_daily": LAG_DATASETS,
            "linktree": "linktree",
            "instagram": "instagram",
            "youtube": "youtube",
            "mailchimp": "mailchimp",
        },
        table_fragments=frozenset(
            {
                "tiktok",
                "spotify",
                "lag",
                "lag_daily",
                "linktree",
                "instagram",
                "youtube",
                "mailchimp",
            }
        ),
        filter_fields=AUDIENCE_FILTERS,
    )
    extra_params = ("lag_account",)

    # --- TikTok -> streams lag view (SPEC 5.3.5) ---------------------------------------------

    @cached_property
    def lag_accounts(self) -> list[str]:
        """The TikTok accounts in the TikTok table (same filters), for the lag selector."""
        return [row.account for row in self.tables["tiktok"].rows]

    @cached_property
    def lag_account(self) -> str | None:
        """The chosen account; else the account filter; else the first one mapped to an
        artist (the correlation needs the artist's S4A streams)."""
        accounts = self.lag_accounts
        for wanted in (self.values["lag_account"], self.filters and self.filters.account):
            if wanted and wanted in accounts:
                return wanted
        mapped = [row.account for row in self.tables["tiktok"].rows if row.artist]
        return (mapped or accounts or [None])[0]

    @cached_property
    def lag_hidden_params(self) -> list[tuple[str, str]]:
        """The filters the account selector carries along unchanged."""
        return [
            (name, value) for name, value in self.values.items() if value and name != "lag_account"
        ]

    @cached_property
    def lag(self) -> dict[str, Any] | None:
        """The API's answer for the chosen account (/api/audience/tiktok-lag)."""
        if self.filters is None or self.lag_account is None:
            return None
        return selectors.audience_tiktok_lag_get(
            filters=replace(self.filters, account=self.lag_account), snapshot=self.snapshot
        )

    @cached_property
    def lag_cards(self) -> list[Card]:
        lag = self.lag
        if lag is None:
            return []
        best = next((row for row in lag["results"] if row.lag_days == lag["best_lag_days"]), None)
        return [
            Card("TikTok account", f"{lag['account']}", note=f"artist: {lag['artist'] or '—'}"),
            Card(
                "Best lag",
                "—" if best is None else f"{best.lag_days} days",
                note="views lead streams by this many days",
            ),
            Card("Correlation at the best lag", "—" if best is None else f"{best.correlation:.3f}"),
            Card(
                "Overlapping days",
                f"{lag['overlap_days']:,}",
                note=f"at least {calculations.LAG_MIN_OVERLAP_DAYS} needed",
            ),
        ]

    def table_lag(self) -> Table:
        lag = self.lag
        rows = lag["results"] if lag else []
        empty = "No TikTok account in this selection."
        if lag is not None and lag["status"] != "ok":
            empty = (
                f"Not enough data: {lag['overlap_days']} days with both TikTok views and S4A "
                f"streams of the artist; the correlation needs {calculations.LAG_MIN_OVERLAP_DAYS}."
            )
        return Table(
            name="lag",
            title="Correlation of TikTok views with S4A streams, by lag",
            columns=[
                Column("lag_days", "Lag (days)", Kind.INT),
                Column("correlation", "Correlation", Kind.DECIMAL, placeholder=_correlation),
            ],
            rows=rows,
            empty_text=empty,
            note=LAG_NOTE,
            chart_builder="bars",
            chart_data={
                "y_range": [-1, 1],
                "labels": [str(row.lag_days) for row in rows],
                "series": [
                    {"label": "Correlation", "data": [row.correlation for row in rows]},
                ],
            },
            chart_label="Bars of the correlation at each lag from 0 to 84 days; the figures "
            "are in the table below.",
        )

    @cached_property
    def lag_days(self) -> list[LagDay]:
        lag = self.lag
        if self.filters is None or lag is None:
            return []
        return tiktok_lag_days(
            account=lag["account"],
            artist=lag["artist"],
            start=self.filters.start_date,
            end=self.filters.end_date,
        )

    def table_lag_daily(self) -> Table:
        days = self.lag_days
        return Table(
            name="lag_daily",
            title="TikTok views, S4A streams and Meta spend per day",
            columns=[
                Column("date", "Date", Kind.DATE),
                Column("tiktok_views", "TikTok views", Kind.INT),
                Column("s4a_streams", "S4A streams (artist)", Kind.INT),
                Column("meta_spend_usd", "Meta spend (USD)", Kind.MONEY),
            ],
            rows=days,
            empty_text="No TikTok account in this selection.",
            note="Meta spend on the artist's campaigns is shown for context only; it is not "
            "part of the correlation.",
            chart_builder="lines",
            chart_data=_lag_daily_chart(days),
            chart_label="Lines of daily TikTok views (left axis) and the artist's S4A streams "
            "(right axis), with bars on the days with Meta spend; the figures are below.",
        )

    def _rows(self, selector: Callable[..., Any]) -> list[Any]:
        if self.filters is None:
            return []
        return _results(selector(filters=self.filters, snapshot=self.snapshot))

    def table_tiktok(self) -> Table:
        return Table(
            name="tiktok",
            title="TikTok per account",
            columns=[
                Column("account", "Account"),
                Column("artist", "Artist"),
                Column("video_views", "Video views", Kind.INT),
                Column("profile_views", "Profile views", Kind.INT),
                Column("likes", "Likes", Kind.INT),
                Column("comments", "Comments", Kind.INT),
                Column("shares", "Shares", Kind.INT),
                Column("engagement_rate", "Engagement", Kind.RATE),
                Column("followers", "Followers (latest)", Kind.INT),
            ],
            rows=self._rows(selectors.audience_tiktok_list),
            empty_text="No TikTok data in this selection.",
            note=RATE_NOTE,
        )

    def table_spotify(self) -> Table:
        return Table(
            name="spotify",
            title="Spotify for Artists: latest day per artist",
            columns=[
                Column("artist", "Artist"),
                Column("account", "Account"),
                Column("date", "Date", Kind.DATE),
                Column("listeners", "Listeners", Kind.INT),
                Column("streams", "Streams", Kind.INT),
                Column("followers", "Followers", Kind.INT),
            ],
            rows=self._rows(selectors.audience_spotify_list),
            empty_text="No Spotify for Artists data in this selection.",
        )

    @cached_property
    def linktree(self) -> selectors.LinktreeAudience | None:
        if self.filters is None:
            return None
        return selectors.audience_linktree_get(filters=self.filters, snapshot=self.snapshot)

    @cached_property
    def linktree_cards(self) -> list[Card]:
        linktree = self.linktree
        if linktree is None:
            return []
        return [
            Card("Linktree views", f"{linktree.total_views:,}"),
            Card("Linktree clicks", f"{linktree.total_clicks:,}"),
            Card(
                "Click-through rate",
                f"{linktree.click_through_rate * 100:,.1f} %",
                note="clicks / views; can exceed 100 %",
            ),
        ]

    def table_linktree(self) -> Table:
        days = self.linktree.results if self.linktree else []
        return Table(
            name="linktree",
            title="Linktree per day",
            columns=[
                Column("date", "Date", Kind.DATE),
                Column("views", "Views", Kind.INT),
                Column("clicks", "Clicks", Kind.INT),
            ],
            rows=days,
            empty_text="No Linktree data in this selection.",
            chart_builder="lines",
            chart_data={
                "labels": [day.date.isoformat() for day in days],
                "series": [
                    {"label": "Views", "data": [day.views for day in days]},
                    {"label": "Clicks", "data": [day.clicks for day in days]},
                ],
            },
            chart_label="Lines of Linktree views and clicks per day; the figures are below.",
        )

    def table_instagram(self) -> Table:
        return Table(
            name="instagram",
            title="Instagram per account",
            columns=[
                Column("account", "Account"),
                Column("artist", "Artist"),
                Column("views", "Views", Kind.INT),
                Column("reach", "Reach", Kind.INT),
                Column("profile_views", "Profile views", Kind.INT),
                Column("likes", "Likes", Kind.INT),
                Column("comments", "Comments", Kind.INT),
                Column("shares", "Shares", Kind.INT),
                Column("engagement_rate", "Engagement", Kind.RATE),
                Column("followers", "Followers (latest)", Kind.INT),
            ],
            rows=self._rows(selectors.audience_instagram_list),
            empty_text="No Instagram data in this selection.",
            note="Views continue impressions from before Instagram's switch.",
        )

    def table_youtube(self) -> Table:
        return Table(
            name="youtube",
            title="YouTube per channel",
            columns=[
                Column("account", "Channel"),
                Column("artist", "Artist"),
                Column("views", "Views", Kind.INT),
                Column("engaged_views", "Engaged views", Kind.INT),
                Column("watch_minutes", "Watch minutes", Kind.INT),
                Column("likes", "Likes", Kind.INT),
                Column("comments", "Comments", Kind.INT),
                Column("shares", "Shares", Kind.INT),
                Column("subscribers_gained", "Subscribers gained", Kind.INT),
                Column("subscribers_lost", "Subscribers lost", Kind.INT),
                Column("engagement_rate", "Engagement", Kind.RATE),
                Column("subscribers", "Subscribers (latest)", Kind.INT),
            ],
            rows=self._rows(selectors.audience_youtube_list),
            empty_text="No YouTube data in this selection.",
        )

    def table_mailchimp(self) -> Table:
        return Table(
            name="mailchimp",
            title="Mailchimp per audience",
            columns=[
                Column("list_id", "Audience (list)"),
                Column("campaigns", "Campaigns sent", Kind.INT),
                Column("emails_sent", "Emails sent", Kind.INT),
                Column("unique_opens", "Unique opens", Kind.INT),
                Column("open_rate", "Open rate", Kind.RATE),
                Column("unique_clicks", "Unique clicks", Kind.INT),
                Column("click_rate", "Click rate", Kind.RATE),
                Column("unsubscribed", "Unsubscribed", Kind.INT),
                Column("subscribed", "Subscribed (months in range)", Kind.INT),
                Column("members", "Members (latest)", Kind.INT),
                Column("members_on", "Members as of", Kind.DATE),
            ],
            rows=self._rows(selectors.audience_mailchimp_list),
            empty_text="No Mailchimp data in this selection.",
            note="Open and click rates are unique opens and clicks per email sent, from the sums.",
        )


class PaymentsPage(RevenueMixin):
    spec = PageSpec(
        name="payments",
        title="Payment status",
        body_template="kpis/partials/payments_body.html",
        fragments={"delay_cards": "kpis/partials/delay_cards.html"},
        tables={
            "ledger": REVENUE,
            "monthly": REVENUE,
            "delays": REVENUE,
            "platform_delays": REVENUE,
        },
        table_fragments=frozenset({"ledger", "monthly", "delays", "platform_delays"}),
        date_hint="sale month",
    )

    @cached_property
    def delays(self) -> selectors.RevenueDelays | None:
        if self.filters is None:
            return None
        return selectors.revenue_delays_get(filters=self.filters, snapshot=self.snapshot)

    @cached_property
    def delay_cards(self) -> list[Card]:
        delays = self.delays
        if delays is None:
            return []

        def months(value: float | None) -> str:
            return "—" if value is None else f"{value:,.1f} months"

        return [
            Card("Median delay", months(delays.median_delay_months)),
            Card("Average delay", months(delays.average_delay_months)),
            Card(
                "Earned but unreported (USD)",
                f"{self.earned_unreported:,.2f}",
                note="expected revenue of pending and late sale months",
            ),
        ]

    @cached_property
    def ledger(self) -> list[selectors.LedgerRow]:
        if self.filters is None:
            return []
        return selectors.revenue_ledger_list(
            filters=self.filters, today=self.today, snapshot=self.snapshot
        ).results

    @cached_property
    def earned_unreported(self) -> Decimal:
        """SPEC 5.3.2: the expected revenue of the ledger's pending and late rows."""
        return sum(
            (row.expected_revenue_usd for row in self.ledger if row.status != "reported"),
            Decimal(0),
        )

    def table_ledger(self) -> Table:
        rows = self.ledger
        return Table(
            name="ledger",
            title="Ledger: sale month by distributor",
            columns=[
                Column("sale_month", "Sale month", Kind.MONTH),
                Column("distributor", "Distributor"),
                Column("status", "Status", Kind.STATUS),
                Column("report_by", "Report by", Kind.DATE),
                Column("lines", "Lines", Kind.INT),
                Column("revenue_usd", "Revenue (USD)", Kind.MONEY),
                Column("expected_revenue_usd", "Expected (USD)", Kind.MONEY),
                Column("missing_platforms", "Missing platforms", Kind.LIST),
            ],
            rows=rows,
            empty_text="No statement lines in this selection.",
        )

    def table_delays(self) -> Table:
        buckets = self.delays.results if self.delays else []
        return Table(
            name="delays",
            title="Delay between sale month and statement",
            columns=[
                Column("months", "Delay (months)", Kind.INT),
                Column("lines", "Lines", Kind.INT),
                Column("share", "Share", Kind.RATE),
            ],
            rows=buckets,
            empty_text="No statement lines in this selection.",
            chart_builder="bars",
            chart_data={
                "labels": [f"{bucket.months} mo" for bucket in buckets],
                "series": [{"label": "Lines", "data": [bucket.lines for bucket in buckets]}],
            },
            chart_label="Histogram of statement lines by months of delay; figures below.",
        )

    def table_platform_delays(self) -> Table:
        return Table(
            name="platform_delays",
            title="Median delay per platform",
            columns=[
                Column("platform", "Platform"),
                Column("median_delay_months", "Median delay (months)", Kind.DECIMAL),
            ],
            rows=self.delays.by_platform if self.delays else [],
            empty_text="No statement lines in this selection.",
        )


ALERT_STATES = {"open": False, "acknowledged": True, "all": None}


class AlertsPage(PageContext):
    spec = PageSpec(
        name="alerts",
        title="Alerts",
        body_template="kpis/partials/alerts_body.html",
        fragments={"alert_list": "kpis/partials/alert_list.html"},
        tables={"alerts": ""},
        filter_fields=(),
    )
    extra_params = ("state", "type")

    @cached_property
    def state(self) -> str:
        state = self.values["state"]
        return state if state in ALERT_STATES else "open"

    @cached_property
    def alert_type(self) -> str:
        kind = self.values["type"]
        return kind if kind in Alert.Type.values else ""

    @cached_property
    def alert_types(self) -> list[tuple[str, str]]:
        return list(Alert.Type.choices)

    @cached_property
    def alerts(self) -> list[Alert]:
        return list(
            selectors.kpi_alert_list(
                is_acknowledged=ALERT_STATES[self.state], alert_type=self.alert_type or None
            ).select_related("acknowledged_by")
        )

    def table_alerts(self) -> Table:
        return Table(
            name="alerts",
            title="Alerts",
            columns=[
                Column("created_at", "Created", Kind.DATE),
                Column("type", "Type"),
                Column("severity", "Severity", Kind.STATUS),
                Column("subject", "Subject"),
                Column("period", "Period"),
                Column("message", "Message"),
                Column("acknowledged_at", "Acknowledged", Kind.DATE),
            ],
            rows=self.alerts,
            empty_text="No alerts here.",
        )
