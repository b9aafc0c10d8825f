"""Pure revenue calculations: grouped frames and numbers in, rows and numbers out.

Nothing here touches the database or the clock; the selectors aggregate statement lines in SQL
into small frames (one row per sale month, reporting month, platform and distributor) and pass
them in together with `today`.

Frames
- history: `sale_month`, `reporting_month` (first days of months), `distributor`, `platform`
  (any hashable keys), `lines` (int), `revenue` (Decimal), `units` (int). One row per group.
- revenue: `sale_month`, `distributor`, `platform`, `revenue`, `units` (reporting months summed).
- delays: `sale_month`, `reporting_month`, `platform`, `lines`.

Readings of SPEC 5.3.1/5.3.2 where it leaves a choice:
- Usual delay: nearest-rank 90th percentile of line delays (weighted by lines) over the lines
  whose reporting month lies in the 12 calendar months up to today's month; a pair with fewer
  than 3 distinct reporting months in that window gets the 3-month default.
- Active pair for M: lines in >= 2 of M-1..M-3, and its revenue over those 3 months >= 5 % of
  its distributor's revenue over the same months (no share test when that revenue is <= 0).
- A month with no active pair is `reported` when it has lines and `pending` when it has none.
- `late` compares today > report-by (the report-by day itself is still `pending`).
- Expected revenue (run-rate part only while no stream data exists): for each pair, the sum of
  its revenue over the basis months divided by the number of basis months (a basis month without
  lines counts 0), summed over pairs. The basis is the 6 most recent `reported` months before M.
  No basis: 0 and `has_rate_basis=False` ("no rate basis").
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from fractions import Fraction

import pandas as pd

# Money keeps the warehouse's precision (StatementLine.earnings_usd has 12 decimal places); the
# API writes it without trailing zeros but with at least 2 decimals, so no cent is ever rounded.
MONEY_PLACES = 12
MONEY_MIN_PLACES = 2
_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)
RATE_PLACES = 6
DELAY_PLACES = 4

# SPEC 5.3.2: the usual delay of a (distributor, platform) pair.
USUAL_DELAY_QUANTILE = Fraction(9, 10)
USUAL_DELAY_WINDOW_MONTHS = 12
USUAL_DELAY_MIN_HISTORY_MONTHS = 3
DEFAULT_USUAL_DELAY_MONTHS = 3
REPORT_GRACE_DAYS = 10
# SPEC 5.3.2: a pair is expected for month M when it had lines in 2 of the 3 months before M
# and at least 5 % of its distributor's revenue over those months.
ACTIVE_LOOKBACK_MONTHS = 3
ACTIVE_MIN_MONTHS = 2
ACTIVE_MIN_REVENUE_SHARE = Decimal("0.05")
# SPEC 5.3.1: the run-rate basis is the 6 most recent fully reported sale months before M.
RUN_RATE_BASIS_MONTHS = 6

HISTORY_COLUMNS = (
    "sale_month",
    "reporting_month",
    "distributor",
    "platform",
    "lines",
    "revenue",
    "units",
)
REVENUE_COLUMNS = ("sale_month", "distributor", "platform", "revenue", "units")
DELAY_COLUMNS = ("sale_month", "reporting_month", "platform", "lines")

Pair = tuple[Hashable, Hashable]
"""(distributor, platform)."""
PairMonthRevenue = dict[Pair, dict[date, Decimal]]
"""Revenue per pair and sale month, for every (pair, month) that has at least one line."""


class MonthStatus(StrEnum):
    REPORTED = "reported"
    PENDING = "pending"
    LATE = "late"


@dataclass(frozen=True)
class SaleMonthStatus:
    month: date
    status: MonthStatus
    missing_pairs: frozenset[Pair]


@dataclass(frozen=True)
class MonthlyRevenueRow:
    month: date
    revenue_usd: Decimal
    units: int
    expected_revenue_usd: Decimal
    has_rate_basis: bool
    status: MonthStatus


@dataclass(frozen=True)
class DelayBucket:
    months: int
    lines: int
    share: float


@dataclass(frozen=True)
class PlatformDelay:
    platform: str
    median_delay_months: float | None


@dataclass(frozen=True)
class DelayDistribution:
    average_delay_months: float | None
    median_delay_months: float | None
    buckets: list[DelayBucket]
    by_platform: list[PlatformDelay]


# --- numbers ----------------------------------------------------------------------------------


def money(value: Decimal | int) -> Decimal:
    """Money at the warehouse's precision (12 places, half-even), without a negative zero."""
    quantized = Decimal(value).quantize(_MONEY_QUANTUM, rounding=ROUND_HALF_EVEN)
    return quantized if quantized != 0 else Decimal(0).quantize(_MONEY_QUANTUM)


def money_str(value: Decimal | int) -> str:
    """The API's money text: exact, trailing zeros dropped, at least 2 decimals (`"12.3456"`)."""
    whole, _, fraction_part = format(money(value), "f").partition(".")
    return f"{whole}.{fraction_part.rstrip('0').ljust(MONEY_MIN_PLACES, '0')}"


def per_unit(revenue: Decimal, units: int) -> Decimal:
    """Revenue per unit (CONTRACT 5), 0 when there are no units."""
    return money(revenue / units) if units else money(0)


def fraction(numerator: float, denominator: float) -> float:
    """A rate as a fraction (never a percent), 0 when the denominator is 0."""
    return round(numerator / denominator, RATE_PLACES) if denominator else 0.0


# --- months -----------------------------------------------------------------------------------


def add_months(month: date, count: int) -> date:
    """First day of the month `count` months after the month of `month` (negative goes back)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    """Last day of the month of `month` (also for December 9999)."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_range(first: date, last: date) -> list[date]:
    """Every month from the month of `first` to the month of `last`, both included."""
    months: list[date] = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def delay_months(sale_month: date, reporting_date: date) -> int:
    """CONTRACT 5: (reporting year - sale year) * 12 + (reporting month - sale month)."""
    return (reporting_date.year - sale_month.year) * 12 + reporting_date.month - sale_month.month


# --- weighted order statistics ----------------------------------------------------------------


def weighted_quantile(counts: Mapping[int, int], quantile: Fraction) -> int | None:
    """Nearest-rank quantile of values given as {value: how many}; None when there are none."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(quantile * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return max(counts)


def weighted_median(counts: Mapping[int, int]) -> float | None:
    """Median of values given as {value: how many}; the mean of the two middle ones when even."""
    total = sum(counts.values())
    if total <= 0:
        return None
    ordered = sorted(counts)
    lower_rank, upper_rank = (total + 1) // 2, total // 2 + 1
    lower = upper = None
    seen = 0
    for value in ordered:
        seen += counts[value]
        if lower is None and seen >= lower_rank:
            lower = value
        if seen >= upper_rank:
            upper = value
            break
    if lower is None or upper is None:  # unreachable: the ranks lie within the total
        return None
    return round((lower + upper) / 2, DELAY_PLACES)


def weighted_mean(counts: Mapping[int, int]) -> float | None:
    total = sum(counts.values())
    if total <= 0:
        return None
    return round(sum(value * count for value, count in counts.items()) / total, DELAY_PLACES)


# --- statement completeness (SPEC 5.3.2) ------------------------------------------------------


def pair_month_revenue(frame: pd.DataFrame) -> PairMonthRevenue:
    """Revenue per (distributor, platform) and sale month (a history or revenue frame)."""
    revenue: PairMonthRevenue = defaultdict(dict)
    for row in frame.itertuples(index=False):
        months = revenue[(row.distributor, row.platform)]
        months[row.sale_month] = months.get(row.sale_month, Decimal(0)) + row.revenue
    return dict(revenue)


def usual_delays(history: pd.DataFrame, *, today: date) -> dict[Pair, int]:
    """90th-percentile delay per pair over the 12 reporting months up to today's month.

    Only pairs with at least 3 distinct reporting months in that window are listed; the others
    use `DEFAULT_USUAL_DELAY_MONTHS` (see `usual_delay_of`).
    """
    current = today.replace(day=1)
    window_start = add_months(current, -(USUAL_DELAY_WINDOW_MONTHS - 1))
    delays: dict[Pair, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    reporting_months: dict[Pair, set[date]] = defaultdict(set)
    for row in history.itertuples(index=False):
        if not window_start <= row.reporting_month <= current:
            continue
        pair = (row.distributor, row.platform)
        delays[pair][delay_months(row.sale_month, row.reporting_month)] += int(row.lines)
        reporting_months[pair].add(row.reporting_month)
    usual: dict[Pair, int] = {}
    for pair, counts in delays.items():
        if len(reporting_months[pair]) >= USUAL_DELAY_MIN_HISTORY_MONTHS:
            quantile = weighted_quantile(counts, USUAL_DELAY_QUANTILE)
            if quantile is not None:
                usual[pair] = quantile
    return usual


def usual_delay_of(usual: Mapping[Pair, int], pair: Pair) -> int:
    return usual.get(pair, DEFAULT_USUAL_DELAY_MONTHS)


def report_by_date(month: date, usual_delay: int, *, grace_days: int = REPORT_GRACE_DAYS) -> date:
    """Last day of (month + usual delay) plus the grace period."""
    return month_end(add_months(month, usual_delay)) + timedelta(days=grace_days)


def active_pairs(revenue: PairMonthRevenue, month: date) -> frozenset[Pair]:
    """Pairs expected to report `month`: lines in 2 of the 3 months before it, >= 5 % of revenue."""
    lookback = [add_months(month, -offset) for offset in range(1, ACTIVE_LOOKBACK_MONTHS + 1)]
    trailing: dict[Pair, list[Decimal]] = {}
    distributor_revenue: dict[Hashable, Decimal] = defaultdict(Decimal)
    for pair, months in revenue.items():
        amounts = [months[m] for m in lookback if m in months]
        if amounts:
            trailing[pair] = amounts
            distributor_revenue[pair[0]] += sum(amounts, Decimal(0))
    return frozenset(
        pair
        for pair, amounts in trailing.items()
        if len(amounts) >= ACTIVE_MIN_MONTHS
        and _is_significant(sum(amounts, Decimal(0)), distributor_revenue[pair[0]])
    )


def _is_significant(pair_revenue: Decimal, distributor_revenue: Decimal) -> bool:
    # With no positive trailing revenue there is no share to compare; line presence decides.
    if distributor_revenue <= 0:
        return True
    return pair_revenue >= distributor_revenue * ACTIVE_MIN_REVENUE_SHARE


def sale_month_status(
    revenue: PairMonthRevenue, month: date, *, usual: Mapping[Pair, int], today: date
) -> SaleMonthStatus:
    """Reported when every active pair has lines for the month, late when a missing one is past
    its report-by date, else pending; with no active pair, reported only if the month has lines."""
    reported_pairs = {pair for pair, months in revenue.items() if month in months}
    expected = active_pairs(revenue, month)
    if not expected:
        status = MonthStatus.REPORTED if reported_pairs else MonthStatus.PENDING
        return SaleMonthStatus(month, status, frozenset())
    missing = expected - reported_pairs
    if not missing:
        return SaleMonthStatus(month, MonthStatus.REPORTED, missing)
    is_late = any(today > report_by_date(month, usual_delay_of(usual, pair)) for pair in missing)
    return SaleMonthStatus(month, MonthStatus.LATE if is_late else MonthStatus.PENDING, missing)


# --- expected revenue (SPEC 5.3.1, run-rate part) ---------------------------------------------


def run_rate_basis(month: date, reported_months: Iterable[date]) -> list[date]:
    """The 6 most recent fully reported sale months before `month` (never the month itself)."""
    earlier = sorted((m for m in reported_months if m < month), reverse=True)
    return earlier[:RUN_RATE_BASIS_MONTHS]


def run_rates(revenue: PairMonthRevenue, basis: list[date]) -> dict[Pair, Decimal]:
    """Average monthly revenue per pair over the basis months (a month without lines counts 0)."""
    if not basis:
        return {}
    rates: dict[Pair, Decimal] = {}
    for pair, months in revenue.items():
        amounts = [months[month] for month in basis if month in months]
        if amounts:
            rates[pair] = sum(amounts, Decimal(0)) / len(basis)
    return rates


def expected_revenue(
    revenue: PairMonthRevenue, *, month: date, reported_months: Iterable[date]
) -> Decimal | None:
    """Run-rate expected revenue of `month`; None when there is no rate basis.

    While there is no daily stream data every pair is on run-rate, so this is the whole of
    SPEC 5.3.1's expected revenue; the stream-based part joins it once DailyStream exists.
    """
    basis = run_rate_basis(month, reported_months)
    if not basis:
        return None
    return money(sum(run_rates(revenue, basis).values(), Decimal(0)))


def revenue_from_history(history: pd.DataFrame) -> pd.DataFrame:
    """The revenue frame of a history frame (reporting months summed away)."""
    if history.empty:
        return pd.DataFrame(columns=list(REVENUE_COLUMNS))
    grouped = history.groupby(["sale_month", "distributor", "platform"], as_index=False).agg(
        revenue=("revenue", lambda values: sum(values, Decimal(0))), units=("units", "sum")
    )
    return grouped[list(REVENUE_COLUMNS)]


def monthly_revenue_rows(
    *,
    history: pd.DataFrame,
    revenue: pd.DataFrame,
    today: date,
    start_month: date | None = None,
    end_month: date | None = None,
) -> list[MonthlyRevenueRow]:
    """One row per sale month from the first month with revenue lines in range to the current
    month (or the end month when earlier): actual, run-rate expected and reporting status.

    `history` decides the status (statements are complete or not for every artist at once) and
    `revenue` the figures; the date range limits the rows, never the history used to judge them.
    """
    current = today.replace(day=1)
    last = min(end_month, current) if end_month else current
    totals = _month_totals(revenue)
    in_range = [m for m in totals if m <= last and (start_month is None or m >= start_month)]
    if not in_range:
        return []
    first = min(in_range)
    pair_revenue = pair_month_revenue(history)
    history_first = min((m for months in pair_revenue.values() for m in months), default=first)
    usual = usual_delays(history, today=today)
    statuses = {
        month: sale_month_status(pair_revenue, month, usual=usual, today=today).status
        for month in month_range(min(history_first, first), last)
    }
    reported = [month for month, status in statuses.items() if status is MonthStatus.REPORTED]
    revenue_by_pair = pair_month_revenue(revenue)
    rows: list[MonthlyRevenueRow] = []
    for month in month_range(first, last):
        month_revenue, units = totals.get(month, (Decimal(0), 0))
        expected = expected_revenue(revenue_by_pair, month=month, reported_months=reported)
        rows.append(
            MonthlyRevenueRow(
                month=month,
                revenue_usd=money(month_revenue),
                units=units,
                expected_revenue_usd=expected if expected is not None else money(0),
                has_rate_basis=expected is not None,
                status=statuses[month],
            )
        )
    return rows


def _month_totals(revenue: pd.DataFrame) -> dict[date, tuple[Decimal, int]]:
    totals: dict[date, tuple[Decimal, int]] = {}
    for row in revenue.itertuples(index=False):
        amount, units = totals.get(row.sale_month, (Decimal(0), 0))
        totals[row.sale_month] = (amount + row.revenue, units + int(row.units))
    return totals


# --- delay distribution (SPEC 5.2 "delays") ---------------------------------------------------


def delay_distribution(frame: pd.DataFrame) -> DelayDistribution:
    """Lines per delay in months, their share, the line-weighted mean and median, and the
    median per platform (sorted by platform name)."""
    overall: dict[int, int] = defaultdict(int)
    per_platform: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in frame.itertuples(index=False):
        delay = delay_months(row.sale_month, row.reporting_month)
        overall[delay] += int(row.lines)
        per_platform[row.platform][delay] += int(row.lines)
    total = sum(overall.values())
    return DelayDistribution(
        average_delay_months=weighted_mean(overall),
        median_delay_months=weighted_median(overall),
        buckets=[
            DelayBucket(
                months=months, lines=overall[months], share=fraction(overall[months], total)
            )
            for months in sorted(overall)
        ],
        by_platform=[
            PlatformDelay(platform=name, median_delay_months=weighted_median(per_platform[name]))
            for name in sorted(per_platform)
        ],
    )
