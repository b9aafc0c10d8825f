"""Pure revenue calculations: no database, `today` passed in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

from apps.kpis import calculations
from apps.kpis.calculations import (
    DelayBucket,
    DelayDistribution,
    MonthlyRevenueRow,
    MonthStatus,
    PlatformDelay,
)

JAN, FEB, MAR, APR, MAY, JUN, JUL = (date(2025, month, 1) for month in range(1, 8))
DEC = date(2024, 12, 1)

# The label of `factories.label_statements_create`, one history row per line:
# (sale month, reporting month, distributor, platform, lines, revenue, units)
LABEL_LINES = [
    (JAN, MAR, "distrokid", "Spotify", 1, "3.50", 1000),
    (JAN, MAR, "distrokid", "Apple Music", 1, "1.20", 200),
    (JAN, MAR, "distrokid", "YouTube", 1, "0.75", 500),
    (JAN, APR, "distrokid", "Spotify", 1, "-0.50", 0),
    (JAN, APR, "toolost", "Spotify", 1, "1.60", 400),
    (FEB, APR, "distrokid", "Spotify", 1, "2.80", 800),
    (FEB, APR, "distrokid", "Spotify", 1, "0.60", 100),
    (FEB, APR, "distrokid", "YouTube", 1, "0.456789", 300),
    (FEB, MAY, "distrokid", "YouTube", 1, "-0.25", 0),
    (FEB, MAY, "toolost", "Spotify", 1, "1.00", 250),
]


def _history(rows: list[tuple[date, date, str, str, int, str, int]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        [(s, r, d, p, n, Decimal(usd), u) for s, r, d, p, n, usd, u in rows],
        columns=list(calculations.HISTORY_COLUMNS),
    )


def _row(
    month: date, revenue: str, units: int, expected: str, status: MonthStatus, *, basis: bool = True
) -> MonthlyRevenueRow:
    return MonthlyRevenueRow(
        month=month,
        revenue_usd=calculations.money(Decimal(revenue)),
        units=units,
        expected_revenue_usd=calculations.money(Decimal(expected)),
        has_rate_basis=basis,
        status=status,
    )


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.345600000000"), "12.3456"),
        (Decimal("11.156789"), "11.156789"),
        (Decimal("1234567.5"), "1234567.50"),
        (Decimal("-1.5"), "-1.50"),
        (Decimal("0"), "0.00"),
        (Decimal("-0.000"), "0.00"),
        (Decimal("0.000000000001"), "0.000000000001"),
        (Decimal("0.0000000000005"), "0.00"),  # half-even at the 12th place
        (Decimal("0.0000000000015"), "0.000000000002"),
        (7, "7.00"),
    ],
)
def test_money_str_is_exact_with_at_least_two_decimals(value: Decimal | int, text: str) -> None:
    assert calculations.money_str(value) == text


def test_per_unit_is_zero_without_units() -> None:
    assert calculations.per_unit(Decimal("5.00"), 0) == 0
    assert calculations.money_str(calculations.per_unit(Decimal("11.156789"), 3550)) == (
        "0.003142757465"
    )


def test_fraction_is_zero_when_the_denominator_is_zero() -> None:
    assert calculations.fraction(1, 3) == 0.333333
    assert calculations.fraction(5, 0) == 0.0


@pytest.mark.parametrize(
    ("sale_month", "reported", "months"),
    [
        (date(2025, 1, 1), date(2025, 1, 31), 0),
        (date(2025, 1, 1), date(2025, 3, 5), 2),
        (date(2024, 11, 1), date(2025, 2, 3), 3),
        (date(2023, 12, 1), date(2025, 1, 1), 13),
    ],
)
def test_delay_months_counts_calendar_months(sale_month: date, reported: date, months: int) -> None:
    assert calculations.delay_months(sale_month, reported) == months


def test_add_months_and_month_range_cross_year_ends() -> None:
    assert calculations.add_months(date(2024, 11, 17), 3) == date(2025, 2, 1)
    assert calculations.add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert calculations.month_range(date(2024, 11, 20), date(2025, 1, 1)) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
    ]
    assert calculations.month_range(FEB, JAN) == []
    assert calculations.month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert calculations.month_end(date(9999, 12, 1)) == date(9999, 12, 31)


# --- weighted order statistics ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "quantile"),
    [
        ({2: 9, 3: 1}, 2),  # rank 9 of 10 exactly: no float rounding up to 10
        ({2: 8, 5: 2}, 5),
        ({2: 2, 3: 1}, 3),  # rank ceil(2.7) = 3
        ({4: 1}, 4),
        ({}, None),
    ],
)
def test_weighted_quantile_is_nearest_rank(counts: dict[int, int], quantile: int | None) -> None:
    assert calculations.weighted_quantile(counts, Fraction(9, 10)) == quantile


@pytest.mark.parametrize(
    ("counts", "median", "mean"),
    [
        ({2: 6, 3: 4}, 2.0, 2.4),
        ({2: 3, 3: 3}, 2.5, 2.5),
        ({1: 1, 2: 1, 7: 1}, 2.0, 3.3333),
        ({}, None, None),
    ],
)
def test_weighted_median_and_mean_count_every_line(
    counts: dict[int, int], median: float | None, mean: float | None
) -> None:
    assert calculations.weighted_median(counts) == median
    assert calculations.weighted_mean(counts) == mean


# --- statement completeness -------------------------------------------------------------------


def test_usual_delays_need_three_reporting_months_in_the_last_twelve() -> None:
    # given: a pair reporting in 4 months (one of them outside the 12-month window), one in 2
    history = _history(
        [
            (date(2024, 3, 1), date(2024, 6, 1), "distrokid", "Spotify", 50, "1", 1),  # too old
            (JAN, MAR, "distrokid", "Spotify", 9, "1", 1),
            (FEB, APR, "distrokid", "Spotify", 5, "1", 1),
            (FEB, MAY, "distrokid", "Spotify", 1, "1", 1),
            (JAN, MAY, "toolost", "Spotify", 4, "1", 1),
            (FEB, JUN, "toolost", "Spotify", 4, "1", 1),
        ]
    )

    # when
    usual = calculations.usual_delays(history, today=date(2025, 7, 20))

    # then: distrokid delays {2: 14, 3: 1} -> p90 is 2; toolost has 2 months -> the default
    assert usual == {("distrokid", "Spotify"): 2}
    assert calculations.usual_delay_of(usual, ("toolost", "Spotify")) == 3


@pytest.mark.parametrize(
    ("month", "delay", "report_by"),
    [
        (MAR, 3, date(2025, 7, 10)),
        (JAN, 2, date(2025, 4, 10)),
        (date(2023, 11, 1), 3, date(2024, 3, 10)),  # end of a leap February + 10 days
    ],
)
def test_report_by_date_is_month_end_after_the_delay_plus_grace(
    month: date, delay: int, report_by: date
) -> None:
    assert calculations.report_by_date(month, delay) == report_by


def test_active_pairs_need_two_of_three_months_and_five_percent_of_revenue() -> None:
    history = _history(
        [
            # distrokid's Dec-Feb revenue is 180 + 14 + 1 + 50 = 245; 5 % of it is 12.25
            (JAN, MAR, "distrokid", "Spotify", 1, "90", 1),
            (FEB, APR, "distrokid", "Spotify", 1, "90", 1),
            (JAN, MAR, "distrokid", "Tidal", 1, "6", 1),  # 14 >= 12.25: active
            (FEB, APR, "distrokid", "Tidal", 1, "8", 1),
            (JAN, MAR, "distrokid", "Flo", 1, "0.5", 1),  # two months, but 1 < 12.25
            (FEB, APR, "distrokid", "Flo", 1, "0.5", 1),
            (FEB, APR, "distrokid", "Deezer", 1, "50", 1),  # one month only
            (DEC, MAR, "toolost", "Spotify", 1, "1", 1),  # all of toolost's revenue
            (FEB, APR, "toolost", "Spotify", 1, "1", 1),
        ]
    )
    revenue = calculations.pair_month_revenue(history)

    assert calculations.active_pairs(revenue, MAR) == {
        ("distrokid", "Spotify"),
        ("distrokid", "Tidal"),
        ("toolost", "Spotify"),
    }
    # for April the window is Jan-Mar: still two months for the distrokid pairs, one for toolost
    assert calculations.active_pairs(revenue, APR) == {
        ("distrokid", "Spotify"),
        ("distrokid", "Tidal"),
    }
    assert calculations.active_pairs(revenue, DEC) == frozenset()


def test_sale_month_status_reported_pending_late() -> None:
    history = _history(LABEL_LINES)
    revenue = calculations.pair_month_revenue(history)
    usual = calculations.usual_delays(history, today=date(2025, 7, 10))
    active = {("distrokid", "Spotify"), ("distrokid", "YouTube"), ("toolost", "Spotify")}

    def status(month: date, today: date) -> calculations.SaleMonthStatus:
        return calculations.sale_month_status(revenue, month, usual=usual, today=today)

    # January and February have no active pair (no history before them) but have lines
    assert status(JAN, date(2025, 7, 10)).status is MonthStatus.REPORTED
    assert status(FEB, date(2025, 7, 10)).status is MonthStatus.REPORTED
    # March: three active pairs, none reported; report-by 2025-07-10 (usual delay 3 + 10 days)
    assert status(MAR, date(2025, 7, 10)) == calculations.SaleMonthStatus(
        MAR, MonthStatus.PENDING, frozenset(active)
    )
    assert status(MAR, date(2025, 7, 11)).status is MonthStatus.LATE
    # May: no pair had lines in 2 of Feb-Apr, and May has none -> pending
    assert status(MAY, date(2025, 7, 10)).status is MonthStatus.PENDING


def test_sale_month_status_reported_when_every_active_pair_has_lines() -> None:
    # given a pair active for March that also has March lines, and a small one that has not
    history = _history(
        [
            (JAN, MAR, "distrokid", "Spotify", 1, "10", 1),
            (FEB, APR, "distrokid", "Spotify", 1, "10", 1),
            (MAR, MAY, "distrokid", "Spotify", 1, "10", 1),
            (JAN, MAR, "distrokid", "Flo", 1, "0.1", 1),
            (FEB, APR, "distrokid", "Flo", 1, "0.1", 1),
        ]
    )
    revenue = calculations.pair_month_revenue(history)

    result = calculations.sale_month_status(revenue, MAR, usual={}, today=date(2025, 12, 31))

    assert result == calculations.SaleMonthStatus(MAR, MonthStatus.REPORTED, frozenset())


# --- expected revenue -------------------------------------------------------------------------


def test_run_rate_basis_takes_the_six_latest_reported_months_before_the_month() -> None:
    reported = [date(2024, month, 1) for month in range(1, 13)] + [FEB]
    assert calculations.run_rate_basis(MAR, reported) == [
        FEB,
        date(2024, 12, 1),
        date(2024, 11, 1),
        date(2024, 10, 1),
        date(2024, 9, 1),
        date(2024, 8, 1),
    ]
    assert calculations.run_rate_basis(FEB, [FEB, MAR]) == []


def test_expected_revenue_averages_each_pair_over_the_basis_months() -> None:
    # a pair with no lines in one basis month counts 0 for it
    revenue = pd.DataFrame.from_records(
        [
            (JAN, "distrokid", "Spotify", Decimal("3.00"), 10),
            (FEB, "distrokid", "Spotify", Decimal("5.00"), 10),
            (FEB, "toolost", "Tidal", Decimal("1.00"), 10),
            (MAR, "distrokid", "Spotify", Decimal("100.00"), 10),  # not reported: not a basis
        ],
        columns=list(calculations.REVENUE_COLUMNS),
    )

    by_pair = calculations.pair_month_revenue(revenue)

    assert calculations.run_rates(by_pair, [FEB, JAN]) == {
        ("distrokid", "Spotify"): Decimal("4"),
        ("toolost", "Tidal"): Decimal("0.5"),
    }
    expected = calculations.expected_revenue(by_pair, month=APR, reported_months=[JAN, FEB])
    assert expected == Decimal("4.5")
    assert calculations.expected_revenue(by_pair, month=JAN, reported_months=[JAN, FEB]) is None


def test_monthly_revenue_rows_for_the_label() -> None:
    history = _history(LABEL_LINES)

    rows = calculations.monthly_revenue_rows(
        history=history,
        revenue=calculations.revenue_from_history(history),
        today=date(2025, 7, 20),
    )

    # Feb expects January's revenue; later months the average of Jan and Feb (11.156789 / 2)
    assert rows == [
        _row(JAN, "6.55", 2100, "0", MonthStatus.REPORTED, basis=False),
        _row(FEB, "4.606789", 1450, "6.55", MonthStatus.REPORTED),
        _row(MAR, "0", 0, "5.5783945", MonthStatus.LATE),
        _row(APR, "0", 0, "5.5783945", MonthStatus.PENDING),
        _row(MAY, "0", 0, "5.5783945", MonthStatus.PENDING),
        _row(JUN, "0", 0, "5.5783945", MonthStatus.PENDING),
        _row(JUL, "0", 0, "5.5783945", MonthStatus.PENDING),
    ]


def test_monthly_revenue_rows_range_limits_rows_not_history() -> None:
    history = _history(LABEL_LINES)
    revenue = calculations.revenue_from_history(history)

    rows = calculations.monthly_revenue_rows(
        history=history, revenue=revenue, today=date(2025, 7, 20), start_month=FEB, end_month=MAR
    )
    future = calculations.monthly_revenue_rows(
        history=history, revenue=revenue, today=date(2025, 3, 2), end_month=date(2026, 1, 1)
    )
    empty = calculations.monthly_revenue_rows(
        history=history, revenue=revenue, today=date(2025, 7, 20), start_month=MAR
    )

    # February still expects from January, which lies before the range
    assert rows == [
        _row(FEB, "4.606789", 1450, "6.55", MonthStatus.REPORTED),
        _row(MAR, "0", 0, "5.5783945", MonthStatus.LATE),
    ]
    # an end after today stops at the current month; March is pending on 2025-03-02
    assert [(row.month, row.status) for row in future] == [
        (JAN, MonthStatus.REPORTED),
        (FEB, MonthStatus.REPORTED),
        (MAR, MonthStatus.PENDING),
    ]
    # no revenue lines from March on: no rows at all
    assert empty == []


def test_monthly_revenue_rows_without_history() -> None:
    history = _history([])

    rows = calculations.monthly_revenue_rows(
        history=history, revenue=calculations.revenue_from_history(history), today=JUL
    )

    assert rows == []


# --- delay distribution -----------------------------------------------------------------------


def test_delay_distribution_of_the_label() -> None:
    frame = _history(LABEL_LINES)[list(calculations.DELAY_COLUMNS)]

    result = calculations.delay_distribution(frame)

    assert result == DelayDistribution(
        average_delay_months=2.4,
        median_delay_months=2.0,
        buckets=[DelayBucket(2, 6, 0.6), DelayBucket(3, 4, 0.4)],
        by_platform=[
            PlatformDelay("Apple Music", 2.0),
            PlatformDelay("Spotify", 2.5),
            PlatformDelay("YouTube", 2.0),
        ],
    )


def test_delay_distribution_of_nothing() -> None:
    frame = pd.DataFrame(columns=list(calculations.DELAY_COLUMNS))

    assert calculations.delay_distribution(frame) == DelayDistribution(None, None, [], [])


# --- spike and drop alerts (SPEC 5.3.6) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "floor", "expected"),
    [
        # baseline 100/110 x 14: median 105, MAD 5; z = 0.6745 * (x - 105) / 5
        (130.0, 10.0, None),  # z = 3.37 < 3.5
        (131.0, 10.0, (26.0, 3.5074)),  # z = 3.5074: fires
        (131.0, 26.0, None),  # but not over a 26 floor
        (20.0, 50.0, (-85.0, -11.4665)),  # a drop
    ],
)
def test_robust_anomaly_needs_the_z_score_and_the_floor(
    latest: float, floor: float, expected: tuple[float, float] | None
) -> None:
    anomaly = calculations.robust_anomaly(
        [100.0, 110.0] * 14 + [latest], z_threshold=3.5, floor=floor
    )

    if expected is None:
        assert anomaly is None
    else:
        assert anomaly is not None
        assert (anomaly.median, anomaly.change, round(anomaly.z_score, 4)) == (105.0, *expected)


def test_robust_anomaly_needs_28_previous_points_and_handles_a_flat_baseline() -> None:
    assert calculations.robust_anomaly([5.0] * 28, z_threshold=3.5, floor=0) is None
    flat = calculations.robust_anomaly([5.0] * 28 + [6.0], z_threshold=3.5, floor=0)
    assert flat is not None
    assert flat.z_score == float("inf")
    assert calculations.robust_anomaly([5.0] * 29, z_threshold=3.5, floor=0) is None


# --- ROAS per release (SPEC 5.3.4) ---------------------------------------------------------------


def test_release_attribution_prorates_and_uses_the_run_rate_for_unreported_months() -> None:
    jan, feb, mar = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
    monthly = {jan: Decimal("4.70"), feb: Decimal("2.80"), mar: Decimal("0.10")}

    result = calculations.release_attribution(
        monthly, reported={jan, feb}, first_spend=date(2025, 2, 10),
        last_spend=date(2025, 2, 14), window_days=28,
    )  # fmt: skip

    # 02-10..03-14: 19/28 of 2.80 + 14/31 of March's run-rate (4.70 + 2.80) / 2, never the
    # 0.10 reported so far; baseline 01-08..02-09: 24/31 of 4.70 + 9/28 of 2.80
    assert (result.start, result.end, result.is_final) == (
        date(2025, 2, 10),
        date(2025, 3, 14),
        False,
    )
    assert calculations.money(result.attributed) == calculations.money(
        Decimal("1.9") + Decimal("3.75") * 14 / 31
    )
    assert calculations.money(result.baseline) == calculations.money(
        Decimal("4.70") * 24 / 31 + Decimal("0.9")
    )


def test_track_month_revenue_without_a_basis_is_zero_and_provisional() -> None:
    assert calculations.track_month_revenue({}, date(2025, 1, 1), reported=set()) == (
        Decimal(0),
        False,
    )


def test_finest_grain_days_take_reach_from_the_coarsest_grain_that_has_one() -> None:
    def group(day: int, grain: str, spend: str, reach: int | None) -> calculations.AdGroup:
        return calculations.AdGroup(1, date(2025, 7, day), grain, Decimal(spend), 10, 1, reach)

    days = calculations.finest_grain_days(
        [
            # 07-04: campaign grain without reach (export with no Reach column), ad sets 800
            group(4, "campaign", "3.00", None),
            group(4, "adset", "3.00", 800),
            # 07-05: campaign 900 beats the ad set's 850 (widest unique count)
            group(5, "campaign", "2.00", 900),
            group(5, "adset", "2.00", 850),
            # 07-06: no grain has reach
            group(6, "campaign", "1.00", None),
            group(6, "ad", "1.00", None),
        ]
    )

    assert {day.day: (d.spend_usd, d.reach) for (_, day), d in days.items()} == {
        4: (Decimal("3.00"), 800),
        5: (Decimal("2.00"), 900),
        6: (Decimal("1.00"), None),
    }
