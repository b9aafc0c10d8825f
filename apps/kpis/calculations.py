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
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
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
# SPEC 5.3.1: a rate per unit needs this many units before it falls back to a wider one.
UNIT_RATE_MIN_UNITS = 1000

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
PairMonthUnits = dict[Pair, dict[date, int]]
PairMonthStreams = dict[Pair, dict[date, int]]
"""DailyStream sums per pair and calendar month, for every (pair, month) with stream rows."""


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


def period_trend(current: Decimal | int, previous: Decimal | int) -> float | None:
    """SPEC 5.1 trend vs the previous period: (current - previous) / previous; None (shown as
    "—") when the previous period is 0. Callers pass only fully reported periods."""
    if not previous:
        return None
    return float((Decimal(current) - Decimal(previous)) / Decimal(previous))


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


def _columns(frame: pd.DataFrame, *names: str) -> Iterable[tuple]:
    """The frame's rows as tuples of these columns' Python values (itertuples without the
    named tuples)."""
    return zip(*(frame[name].tolist() for name in names), strict=True)


def pair_month_revenue(frame: pd.DataFrame) -> PairMonthRevenue:
    """Revenue per (distributor, platform) and sale month (a history or revenue frame)."""
    revenue: PairMonthRevenue = defaultdict(dict)
    for month, distributor, platform, amount in _columns(
        frame, "sale_month", "distributor", "platform", "revenue"
    ):
        months = revenue[(distributor, platform)]
        months[month] = months.get(month, Decimal(0)) + amount
    return dict(revenue)


def pair_month_units(frame: pd.DataFrame) -> PairMonthUnits:
    """Units per (distributor, platform) and sale month (a history or revenue frame)."""
    units: PairMonthUnits = defaultdict(dict)
    for month, distributor, platform, count in _columns(
        frame, "sale_month", "distributor", "platform", "units"
    ):
        months = units[(distributor, platform)]
        months[month] = months.get(month, 0) + int(count)
    return dict(units)


def usual_delays(history: pd.DataFrame, *, today: date) -> dict[Pair, int]:
    """90th-percentile delay per pair over the 12 reporting months up to today's month.

    Only pairs with at least 3 distinct reporting months in that window are listed; the others
    use `DEFAULT_USUAL_DELAY_MONTHS` (see `usual_delay_of`).
    """
    current = today.replace(day=1)
    window_start = add_months(current, -(USUAL_DELAY_WINDOW_MONTHS - 1))
    delays: dict[Pair, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    reporting_months: dict[Pair, set[date]] = defaultdict(set)
    for month, reporting, distributor, platform, lines in _columns(
        history, "sale_month", "reporting_month", "distributor", "platform", "lines"
    ):
        if not window_start <= reporting <= current:
            continue
        pair = (distributor, platform)
        delays[pair][delay_months(month, reporting)] += int(lines)
        reporting_months[pair].add(reporting)
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
    revenue: PairMonthRevenue,
    month: date,
    *,
    usual: Mapping[Pair, int],
    today: date,
    grace_days: int = REPORT_GRACE_DAYS,
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
    is_late = any(
        today > report_by_date(month, usual_delay_of(usual, pair), grace_days=grace_days)
        for pair in missing
    )
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


def unit_rate(
    pair: Pair,
    basis: list[date],
    *,
    revenue: PairMonthRevenue,
    units: PairMonthUnits,
    stream_platforms: frozenset[Hashable],
) -> Decimal:
    """SPEC 5.3.1 rate per unit of a (distributor, platform) over the basis months: its own when
    it sold >= 1,000 units, else the platform's over both distributors, else the label-wide rate
    over every platform with stream data (0 when even that has no units)."""
    candidates = (
        [pair],
        [other for other in units if other[1] == pair[1]],
        [other for other in units if other[1] in stream_platforms],
    )
    for level, pairs in enumerate(candidates):
        earned = sum(
            (revenue.get(p, {}).get(month, Decimal(0)) for p in pairs for month in basis),
            Decimal(0),
        )
        sold = sum(units.get(p, {}).get(month, 0) for p in pairs for month in basis)
        is_last_level = level == len(candidates) - 1
        if sold >= UNIT_RATE_MIN_UNITS or (is_last_level and sold > 0):
            return earned / sold
    return Decimal(0)


def expected_by_pair(
    *,
    month: date,
    reported_months: Iterable[date],
    run_rate_revenue: PairMonthRevenue,
    rate_revenue: PairMonthRevenue | None = None,
    rate_units: PairMonthUnits | None = None,
    streams: PairMonthStreams | None = None,
) -> dict[Pair, Decimal] | None:
    """SPEC 5.3.1 expected revenue of `month` per pair; None when there is no rate basis.

    A pair with daily streams in the month expects streams x its rate per unit; every other pair
    with statement history expects its run-rate (average monthly revenue over the basis).
    """
    basis = run_rate_basis(month, reported_months)
    if not basis:
        return None
    streams = streams or {}
    stream_platforms = frozenset(pair[1] for pair in streams)
    streamed = {pair for pair, months in streams.items() if month in months}
    expected: dict[Pair, Decimal] = {
        pair: streams[pair][month]
        * unit_rate(
            pair,
            basis,
            revenue=rate_revenue or {},
            units=rate_units or {},
            stream_platforms=stream_platforms,
        )
        for pair in streamed
    }
    for pair, rate in run_rates(run_rate_revenue, basis).items():
        if pair not in streamed:
            expected[pair] = rate
    return expected


def expected_revenue(
    revenue: PairMonthRevenue,
    *,
    month: date,
    reported_months: Iterable[date],
    rate_revenue: PairMonthRevenue | None = None,
    rate_units: PairMonthUnits | None = None,
    streams: PairMonthStreams | None = None,
) -> Decimal | None:
    """Expected revenue of `month` (SPEC 5.3.1): the stream part plus the run-rate part; None
    when there is no rate basis ("no rate basis")."""
    by_pair = expected_by_pair(
        month=month,
        reported_months=list(reported_months),
        run_rate_revenue=revenue,
        rate_revenue=rate_revenue,
        rate_units=rate_units,
        streams=streams,
    )
    if by_pair is None:
        return None
    return money(sum(by_pair.values(), Decimal(0)))


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
    streams: PairMonthStreams | None = None,
    grace_days: int = REPORT_GRACE_DAYS,
) -> list[MonthlyRevenueRow]:
    """One row per sale month from the first month with revenue lines in range to the current
    month (or the end month when earlier): actual, run-rate expected and reporting status.

    `history` decides the status (statements are complete or not for every artist at once) and
    the rates per unit, `revenue` the figures and run-rates, `streams` (monthly DailyStream sums
    per pair) the stream part of expected revenue; the date range limits the rows, never the
    history used to judge them.
    """
    current = today.replace(day=1)
    last = min(end_month, current) if end_month else current
    totals = _month_totals(revenue)
    in_range = [m for m in totals if m <= last and (start_month is None or m >= start_month)]
    if not in_range:
        return []
    first = min(in_range)
    pair_revenue = pair_month_revenue(history)
    pair_units = pair_month_units(history)
    statuses = month_statuses(
        history,
        today=today,
        last=last,
        grace_days=grace_days,
        first=first,
        pair_revenue=pair_revenue,
    )
    reported = [month for month, status in statuses.items() if status is MonthStatus.REPORTED]
    revenue_by_pair = pair_month_revenue(revenue)
    rows: list[MonthlyRevenueRow] = []
    for month in month_range(first, last):
        month_revenue, units = totals.get(month, (Decimal(0), 0))
        expected = expected_revenue(
            revenue_by_pair,
            month=month,
            reported_months=reported,
            rate_revenue=pair_revenue,
            rate_units=pair_units,
            streams=streams,
        )
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


def month_statuses(
    history: pd.DataFrame,
    *,
    today: date,
    last: date | None = None,
    grace_days: int = REPORT_GRACE_DAYS,
    first: date | None = None,
    pair_revenue: PairMonthRevenue | None = None,
    usual: dict[Pair, int] | None = None,
) -> dict[date, MonthStatus]:
    """Status of every sale month from the first with lines (or `first`) to `last` (default:
    today's month), judged on the whole history (SPEC 5.3.2). `pair_revenue` and `usual`, when
    given, are the history's `pair_month_revenue` and `usual_delays` (read once by callers)."""
    if pair_revenue is None:
        pair_revenue = pair_month_revenue(history)
    months = [m for by_month in pair_revenue.values() for m in by_month]
    if first is not None:
        months.append(first)
    if not months:
        return {}
    if usual is None:
        usual = usual_delays(history, today=today)
    return {
        month: sale_month_status(
            pair_revenue, month, usual=usual, today=today, grace_days=grace_days
        ).status
        for month in month_range(min(months), last or today.replace(day=1))
    }


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


# --- statement ledger (SPEC 5.3.2, per sale month and distributor) ----------------------------


@dataclass(frozen=True)
class LedgerRow:
    sale_month: date
    distributor: Hashable
    status: MonthStatus
    report_by: date
    lines: int
    revenue_usd: Decimal
    expected_revenue_usd: Decimal
    missing_platforms: list[Hashable]


def ledger_rows(
    history: pd.DataFrame,
    *,
    today: date,
    streams: PairMonthStreams | None = None,
    grace_days: int = REPORT_GRACE_DAYS,
    start_month: date | None = None,
    end_month: date | None = None,
) -> list[LedgerRow]:
    """One row per sale month and distributor, from the distributor's first month with lines to
    the current month: status of its active pairs, report-by date, lines, revenue, expected.

    Report-by is the earliest report-by of a missing pair (the day the month turns late), else
    the latest of its active pairs, else the default delay's.
    """
    current = today.replace(day=1)
    last = min(end_month, current) if end_month else current
    pair_revenue = pair_month_revenue(history)
    pair_units = pair_month_units(history)
    usual = usual_delays(history, today=today)
    reported = [
        m
        for m, status in month_statuses(
            history, today=today, grace_days=grace_days, pair_revenue=pair_revenue, usual=usual
        ).items()
        if status is MonthStatus.REPORTED
    ]
    lines: dict[tuple[date, Hashable], int] = defaultdict(int)
    for month, distributor, count in _columns(history, "sale_month", "distributor", "lines"):
        lines[(month, distributor)] += int(count)
    rows: list[LedgerRow] = []
    for distributor in sorted({pair[0] for pair in pair_revenue}, key=str):
        own = {pair: months for pair, months in pair_revenue.items() if pair[0] == distributor}
        first = min(m for months in own.values() for m in months)
        for month in month_range(max(first, start_month or first), last):
            expected = expected_by_pair(
                month=month,
                reported_months=reported,
                run_rate_revenue=own,
                rate_revenue=pair_revenue,
                rate_units=pair_units,
                streams={p: m for p, m in (streams or {}).items() if p[0] == distributor},
            )
            rows.append(
                _ledger_row(own, month, distributor, usual, today, grace_days)(
                    lines=lines.get((month, distributor), 0),
                    expected=money(sum((expected or {}).values(), Decimal(0))),
                )
            )
    return rows


def _ledger_row(
    own: PairMonthRevenue,
    month: date,
    distributor: Hashable,
    usual: Mapping[Pair, int],
    today: date,
    grace_days: int,
) -> Callable[..., LedgerRow]:
    state = sale_month_status(own, month, usual=usual, today=today, grace_days=grace_days)
    active = active_pairs(own, month)
    if state.missing_pairs:
        delay_pairs, pick = state.missing_pairs, min
    else:
        delay_pairs, pick = active, max
    report_by = (
        pick(
            report_by_date(month, usual_delay_of(usual, p), grace_days=grace_days)
            for p in delay_pairs
        )
        if delay_pairs
        else report_by_date(month, DEFAULT_USUAL_DELAY_MONTHS, grace_days=grace_days)
    )
    revenue = sum((months.get(month, Decimal(0)) for months in own.values()), Decimal(0))

    def build(*, lines: int, expected: Decimal) -> LedgerRow:
        return LedgerRow(
            sale_month=month,
            distributor=distributor,
            status=state.status,
            report_by=report_by,
            lines=lines,
            revenue_usd=money(revenue),
            expected_revenue_usd=expected,
            missing_platforms=sorted((pair[1] for pair in state.missing_pairs), key=str),
        )

    return build


# --- net revenue after splits (SPEC 5.3.3) ----------------------------------------------------


@dataclass(frozen=True)
class Split:
    party: str
    share: Decimal
    effective_from: date
    effective_to: date | None
    flat_fee_usd: Decimal
    is_label: bool

    def applies_to(self, month: date) -> bool:
        """Effective on the first day of the sale month."""
        return self.effective_from <= month and (
            self.effective_to is None or month <= self.effective_to
        )


@dataclass(frozen=True)
class MonthSlice:
    """The part of a track's sale month being reported: gross and its positive lines."""

    gross: Decimal
    positive: Decimal


def paid_to_parties(
    splits: list[Split],
    *,
    month_positive: Mapping[date, Decimal],
    slices: Mapping[date, MonthSlice],
) -> Decimal:
    """What the label passes on to parties that are not the label, out of `slices`.

    `month_positive` is the track's positive earnings per sale month over its whole history, so
    a flat fee is recouped in sale-month order from its `effective_from` whatever is selected;
    a selected slice of a month takes the month's fee in proportion to its positive earnings.
    After the fees, the rest is divided by the percentages effective that month; a negative line
    is divided in the same proportions. Fees are recouped one after another in split order.
    """
    fees = [split for split in splits if split.flat_fee_usd > 0]
    remaining = [split.flat_fee_usd for split in fees]
    paid = Decimal(0)
    for month in sorted(set(month_positive) | set(slices)):
        available = month_positive.get(month, Decimal(0))
        fee_total = fee_to_parties = Decimal(0)
        for index, fee in enumerate(fees):
            if available <= 0 or remaining[index] <= 0 or not fee.applies_to(month):
                continue
            take = min(available, remaining[index])
            remaining[index] -= take
            available -= take
            fee_total += take
            fee_to_parties += take if not fee.is_label else Decimal(0)
        selected = slices.get(month)
        if selected is None:
            continue
        whole = month_positive.get(month, Decimal(0))
        ratio = selected.positive / whole if whole > 0 else Decimal(0)
        party_share = sum(
            (s.share for s in splits if s.applies_to(month) and not s.is_label), Decimal(0)
        )
        paid += fee_to_parties * ratio + (selected.gross - fee_total * ratio) * party_share / 100
    return paid


# --- streams ----------------------------------------------------------------------------------


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class RealtimeRow:
    platform: str
    date: date
    streams: int
    previous_streams: int
    change: int
    change_rate: float


@dataclass(frozen=True)
class GrowthRow:
    period_start: date
    streams: int
    previous_streams: int
    growth_rate: float


def latest_complete_days(latest: Iterable[tuple[str, Hashable, date]]) -> dict[str, date]:
    """Per platform, the newest date present for every distributor reporting it (SPEC 5.2)."""
    days: dict[str, date] = {}
    for platform, _distributor, newest in latest:
        days[platform] = min(days.get(platform, newest), newest)
    return days


def realtime_rows(
    latest_days: Mapping[str, date], streams: Mapping[tuple[str, date], int]
) -> list[RealtimeRow]:
    """Latest complete day vs the day before, per platform, sorted by platform."""
    rows: list[RealtimeRow] = []
    for platform in sorted(latest_days):
        day = latest_days[platform]
        current = streams.get((platform, day), 0)
        previous = streams.get((platform, day - timedelta(days=1)), 0)
        rows.append(
            RealtimeRow(
                platform=platform,
                date=day,
                streams=current,
                previous_streams=previous,
                change=current - previous,
                change_rate=fraction(current - previous, previous),
            )
        )
    return rows


def period_start(day: date, period: Period) -> date:
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def shift_period(start: date, period: Period, count: int) -> date:
    """The start of the period `count` periods after the one starting on `start`."""
    if period is Period.MONTH:
        return add_months(start, count)
    return start + timedelta(days=count * (7 if period is Period.WEEK else 1))


def growth_periods(
    *, period: Period, today: date, start: date | None, end: date | None, count: int
) -> tuple[date, date]:
    """First and last period starts shown: complete periods only (the current one excluded),
    the last `count` of them by default, or those within start..end."""
    last = shift_period(period_start(today, period), period, -1)
    if end is not None:
        last = min(last, period_start(end, period))
    first = period_start(start, period) if start else shift_period(last, period, -(count - 1))
    return first, last


def growth_rows(
    daily: Mapping[date, int], *, period: Period, first: date, last: date
) -> list[GrowthRow]:
    """Streams per calendar period from `first` to `last` with the period before each."""
    totals: dict[date, int] = defaultdict(int)
    for day, streams in daily.items():
        totals[period_start(day, period)] += streams
    rows: list[GrowthRow] = []
    start = first
    while start <= last:
        current = totals.get(start, 0)
        previous = totals.get(shift_period(start, period, -1), 0)
        rows.append(GrowthRow(start, current, previous, fraction(current - previous, previous)))
        start = shift_period(start, period, 1)
    return rows


# --- Meta Ads ---------------------------------------------------------------------------------

# Finer grains win: per (campaign, date) only the finest grain present is summed (SPEC 4.2).
GRAIN_RANK = {"campaign": 0, "adset": 1, "ad": 2}


@dataclass(frozen=True)
class AdGroup:
    """SQL sums of one (campaign, date, grain)."""

    campaign_id: int
    date: date
    grain: str
    spend_usd: Decimal
    impressions: int
    clicks: int
    max_reach: int | None


@dataclass(frozen=True)
class AdDay:
    spend_usd: Decimal
    impressions: int
    clicks: int
    reach: int | None


def finest_grain_days(groups: Iterable[AdGroup]) -> dict[tuple[int, date], AdDay]:
    """One (campaign, date): spend, impressions and clicks of its finest grain; reach of the
    coarsest grain that has one (the widest unique count there is for the day; never summed).
    A grain without reach (an export with no Reach column) must not hide a finer grain's."""
    by_day: dict[tuple[int, date], list[AdGroup]] = defaultdict(list)
    for group in groups:
        by_day[(group.campaign_id, group.date)].append(group)
    days: dict[tuple[int, date], AdDay] = {}
    for key, grains in by_day.items():
        ranked = sorted(grains, key=lambda g: GRAIN_RANK.get(g.grain, -1))
        finest = ranked[-1]
        reach = next((g.max_reach for g in ranked if g.max_reach is not None), None)
        days[key] = AdDay(finest.spend_usd, finest.impressions, finest.clicks, reach)
    return days


def cost_per(spend: Decimal, count: int, *, per: int = 1) -> Decimal:
    """CPC (per=1) or CPM (per=1000): spend / count * per, 0 when the count is 0."""
    return money(spend * per / count) if count else money(0)


# --- goals (SPEC 5.4) -------------------------------------------------------------------------

GOAL_ON_TRACK_RATIO = Decimal("0.75")
GOAL_BEHIND_RATIO = Decimal("0.5")


class GoalStatus(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    AT_RISK = "at_risk"


def goal_progress(
    current: Decimal, target: Decimal, *, elapsed_fraction: Decimal | None = None
) -> tuple[float, GoalStatus]:
    """`progress = min(current / target, 1)` and the status from the pace ratio: current over
    the target scaled by the elapsed part of the period (month-to-date goals) or the target."""
    if target <= 0 or current >= target:
        return 1.0, GoalStatus.ACHIEVED
    progress = min(fraction(float(current), float(target)), 1.0)
    paced_target = target * elapsed_fraction if elapsed_fraction is not None else target
    ratio = current / paced_target if paced_target > 0 else Decimal(0)
    if ratio >= GOAL_ON_TRACK_RATIO:
        return progress, GoalStatus.ON_TRACK
    if ratio >= GOAL_BEHIND_RATIO:
        return progress, GoalStatus.BEHIND
    return progress, GoalStatus.AT_RISK


def elapsed_month_fraction(today: date) -> Decimal:
    """Share of the calendar month elapsed, counting today as elapsed."""
    return Decimal(today.day) / Decimal(month_end(today).day)


# --- TikTok -> streams lag (SPEC 5.3.5) --------------------------------------------------------

LAG_MAX_DAYS = 84
LAG_SMOOTHING_DAYS = 7
LAG_MIN_OVERLAP_DAYS = 90


@dataclass(frozen=True)
class LagCorrelation:
    lag_days: int
    correlation: float | None


@dataclass(frozen=True)
class LagResult:
    status: str  # "ok" or "insufficient_data"
    overlap_days: int
    best_lag_days: int | None
    results: list[LagCorrelation]


def lag_correlations(views: Mapping[date, int], streams: Mapping[date, int]) -> LagResult:
    """Pearson correlation of smoothed, differenced TikTok views with S4A streams `lag` days
    later, for lags 0..84; needs 90 days present in both series."""
    overlap = len(set(views) & set(streams))
    if overlap < LAG_MIN_OVERLAP_DAYS:
        return LagResult("insufficient_data", overlap, None, [])
    first, last = min(min(views), min(streams)), max(max(views), max(streams))
    index = pd.date_range(first, last, freq="D")

    def prepared(series: Mapping[date, int]) -> pd.Series:
        values = pd.Series(
            {pd.Timestamp(day): float(value) for day, value in series.items()}, dtype="float64"
        ).reindex(index)
        return values.rolling(LAG_SMOOTHING_DAYS).mean().diff()

    view_changes, stream_changes = prepared(views), prepared(streams)
    results: list[LagCorrelation] = []
    for lag in range(LAG_MAX_DAYS + 1):
        value = view_changes.corr(stream_changes.shift(-lag))
        results.append(
            LagCorrelation(lag, None if pd.isna(value) else round(float(value), RATE_PLACES))
        )
    known = [row for row in results if row.correlation is not None]
    best = max(known, key=lambda row: (row.correlation, -row.lag_days)) if known else None
    return LagResult("ok", overlap, best.lag_days if best else None, results)


# --- ROAS per release (SPEC 5.3.4) -------------------------------------------------------------


def prorated_revenue(
    monthly: Mapping[date, Decimal], *, start: date, end: date
) -> tuple[Decimal, list[date]]:
    """Revenue of the sale months overlapping start..end, each pro-rated by the share of its
    days inside; also the months used (so the caller can tell whether all are reported)."""
    total = Decimal(0)
    months = month_range(start, end)
    for month in months:
        inside = (min(end, month_end(month)) - max(start, month)).days + 1
        total += monthly.get(month, Decimal(0)) * inside / month_end(month).day
    return total, months


# --- spike and drop alerts (SPEC 5.3.6) ----------------------------------------------------------

ANOMALY_BASELINE_POINTS = 28
# Scales the MAD to a standard deviation for normally distributed data (Iglewicz and Hoaglin).
MAD_TO_SIGMA = 0.6745


@dataclass(frozen=True)
class Anomaly:
    latest: float
    median: float
    change: float  # latest - median
    z_score: float  # inf when the baseline is flat (MAD 0) and the latest point differs


def robust_anomaly(points: list[float], *, z_threshold: float, floor: float) -> Anomaly | None:
    """The last of `points` against the 28 before it: an anomaly when the robust z-score
    (0.6745 * (x - median) / MAD) reaches `z_threshold` and |x - median| exceeds `floor`.
    Fewer than 29 points: no judgement (the baseline would be too short)."""
    if len(points) < ANOMALY_BASELINE_POINTS + 1:
        return None
    baseline = pd.Series(points[-ANOMALY_BASELINE_POINTS - 1 : -1], dtype="float64")
    latest = float(points[-1])
    median = float(baseline.median())
    mad = float((baseline - median).abs().median())
    change = latest - median
    if abs(change) <= floor:
        return None
    z_score = math.copysign(math.inf, change) if mad == 0 else MAD_TO_SIGMA * change / mad
    if abs(z_score) < z_threshold:
        return None
    return Anomaly(latest=latest, median=median, change=change, z_score=z_score)


@dataclass(frozen=True)
class ReleaseAttribution:
    start: date
    end: date
    attributed: Decimal
    baseline: Decimal
    is_final: bool  # every sale month used, attributed and baseline, is reported


def track_month_revenue(
    monthly: Mapping[date, Decimal], month: date, reported: Collection[date]
) -> tuple[Decimal, bool]:
    """A track's revenue for a sale month and whether it is final. A month not yet fully
    reported uses the expected value instead: the track's average over the run-rate basis
    (the 6 most recent reported months before it, SPEC 5.3.1), a month without lines being 0."""
    if month in reported:
        return monthly.get(month, Decimal(0)), True
    basis = run_rate_basis(month, reported)
    if not basis:
        return Decimal(0), False
    return sum((monthly.get(m, Decimal(0)) for m in basis), Decimal(0)) / len(basis), False


def release_attribution(
    monthly: Mapping[date, Decimal],
    *,
    reported: Collection[date],
    first_spend: date,
    last_spend: date,
    window_days: int,
) -> ReleaseAttribution:
    """SPEC 5.3.4: revenue pro-rated over first spend .. last spend + window, and the baseline
    over an equal period just before the first spend day."""
    end = last_spend + timedelta(days=window_days)
    length = (end - first_spend).days + 1
    baseline_start = first_spend - timedelta(days=length)
    is_final = True
    used: dict[date, Decimal] = {}
    for month in month_range(baseline_start, end):
        used[month], month_final = track_month_revenue(monthly, month, reported)
        is_final = is_final and month_final
    attributed, _ = prorated_revenue(used, start=first_spend, end=end)
    baseline, _ = prorated_revenue(used, start=baseline_start, end=first_spend - timedelta(days=1))
    return ReleaseAttribution(first_spend, end, attributed, baseline, is_final)


# --- cross-source Spotify check (SPEC 4.5, 5.6) ------------------------------------------------

# Bands of the daily gap: within 5 % OK, 5-15 % note, above 15 % investigate (SPEC 4.5).
CROSS_SOURCE_NOTE_ABOVE = 0.05
CROSS_SOURCE_INVESTIGATE_ABOVE = 0.15


class CrossSourceBand(StrEnum):
    OK = "ok"
    NOTE = "note"
    INVESTIGATE = "investigate"
    NO_S4A = "no_s4a"  # S4A has no figure for the day yet: nothing to compare


@dataclass(frozen=True)
class CrossSourceDay:
    date: date
    distributor_streams: int
    s4a_streams: int | None
    difference: int | None  # distributors - S4A, signed
    gap: float | None  # |difference| / the larger of the two, a fraction
    band: CrossSourceBand


def cross_source_gap(distributor: int, s4a: int) -> float:
    """|distributor - S4A| / the larger of the two (0 when both are 0): the same measure as the
    warehouse validation report, so the page and the report flag the same days."""
    larger = max(distributor, s4a)
    return round(abs(distributor - s4a) / larger, RATE_PLACES) if larger else 0.0


def cross_source_band(gap: float) -> CrossSourceBand:
    if gap > CROSS_SOURCE_INVESTIGATE_ABOVE:
        return CrossSourceBand.INVESTIGATE
    if gap > CROSS_SOURCE_NOTE_ABOVE:
        return CrossSourceBand.NOTE
    return CrossSourceBand.OK


def cross_source_days(
    distributor: Mapping[date, int], s4a: Mapping[date, int]
) -> list[CrossSourceDay]:
    """Day by day, oldest first: the distributors' Spotify streams against the S4A sum over
    artists. Days without distributor streams are not shown; days without S4A are `no_s4a`."""
    days = []
    for day in sorted(distributor):
        streams = int(distributor[day])
        if day not in s4a:
            days.append(CrossSourceDay(day, streams, None, None, None, CrossSourceBand.NO_S4A))
            continue
        other = int(s4a[day])
        gap = cross_source_gap(streams, other)
        days.append(
            CrossSourceDay(day, streams, other, streams - other, gap, cross_source_band(gap))
        )
    return days
