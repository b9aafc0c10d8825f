"""Pure calculations: the KPI-card trend vs the previous period (SPEC 5.1) and the day-by-day
cross-source Spotify check (SPEC 4.5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.kpis.calculations import (
    CrossSourceBand,
    CrossSourceDay,
    cross_source_days,
    cross_source_gap,
    period_trend,
)


@pytest.mark.parametrize(
    ("current", "previous", "trend"),
    [
        (Decimal("4.606789"), Decimal("6.55"), -0.2966734351145038),  # the overview's -29.7 %
        (150, 100, 0.5),
        (100, 100, 0.0),
        (0, 40, -1.0),
        (Decimal("-10"), Decimal("20"), -1.5),  # a negative month (refunds) is still compared
        (Decimal("10"), Decimal("-20"), -1.5),  # sign follows the formula, not the direction
    ],
)
def test_period_trend_is_the_change_over_the_previous_period(
    current: Decimal | int, previous: Decimal | int, trend: float
) -> None:
    assert period_trend(current, previous) == pytest.approx(trend, abs=1e-12)


@pytest.mark.parametrize("previous", [0, Decimal("0"), Decimal("0.000000000000")])
def test_period_trend_is_none_without_a_previous_figure(previous: Decimal | int) -> None:
    # shown as "—": a percentage of nothing is not a trend
    assert period_trend(125, previous) is None


def test_cross_source_gap_is_the_difference_over_the_larger_figure() -> None:
    assert cross_source_gap(1000, 950) == 0.05
    assert cross_source_gap(880, 1000) == 0.12
    assert cross_source_gap(1400, 500) == 0.642857
    assert cross_source_gap(0, 0) == 0.0


def test_cross_source_days_band_each_day_and_mark_days_without_s4a() -> None:
    distributor = {
        date(2025, 7, 4): 1000,
        date(2025, 7, 1): 1000,
        date(2025, 7, 2): 1000,
        date(2025, 7, 3): 1000,
    }
    s4a = {
        date(2025, 7, 1): 950,
        date(2025, 7, 2): 850,
        date(2025, 7, 3): 1180,
        date(2025, 7, 9): 5,
    }

    assert cross_source_days(distributor, s4a) == [
        CrossSourceDay(date(2025, 7, 1), 1000, 950, 50, 0.05, CrossSourceBand.OK),  # 5 %: ok
        CrossSourceDay(date(2025, 7, 2), 1000, 850, 150, 0.15, CrossSourceBand.NOTE),  # 15 %
        # 180 / 1180 = 15.3 %: investigate; S4A above the distributors gives a negative difference
        CrossSourceDay(date(2025, 7, 3), 1000, 1180, -180, 0.152542, CrossSourceBand.INVESTIGATE),
        CrossSourceDay(date(2025, 7, 4), 1000, None, None, None, CrossSourceBand.NO_S4A),
    ]
