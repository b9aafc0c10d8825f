"""Year-less legacy days and their year inference (SPEC 2.4), and Studio dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from apps.sources.connectors.tiktok.dates import (
    MonthDay,
    gap_warnings,
    infer_years,
    parse_date_time,
    parse_day,
    parse_full_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("December 30", MonthDay(12, 30)),
        ("december 30", MonthDay(12, 30)),
        ("Dec 30", MonthDay(12, 30)),
        ("30 de dezembro", MonthDay(12, 30)),
        ("1 de março", MonthDay(3, 1)),
        ("1 de marco", MonthDay(3, 1)),
        ("February 29", MonthDay(2, 29)),
        ("  January  3 ", MonthDay(1, 3)),
        ("2025-12-30", date(2025, 12, 30)),
    ],
)
def test_parse_day_reads_english_portuguese_and_iso_days(
    text: str, expected: MonthDay | date
) -> None:
    # given a legacy Date cell; when it is read; then the day without (or with) its year
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    "text", ["", "undefined", "February 30", "Smarch 3", "December 0", "30/12", "2025-13-01"]
)
def test_parse_day_refuses_what_is_not_a_day(text: str) -> None:
    # given a cell that names no day; when it is read; then None
    assert parse_day(text) is None


def test_infer_years_crosses_new_year_from_the_anchor() -> None:
    # given December 28 .. January 3 captured on 2026-01-03
    days = [MonthDay(12, day) for day in range(28, 32)] + [MonthDay(1, day) for day in (1, 2, 3)]

    # when the years are inferred
    years = infer_years(days, date(2026, 1, 3))

    # then December is 2025 and January 2026
    assert years == [2025, 2025, 2025, 2025, 2026, 2026, 2026]


def test_infer_years_last_row_after_the_anchor_is_the_year_before() -> None:
    # given rows ending December 31 in a file captured on 2026-01-02 (month/day after anchor)
    days = [MonthDay(12, 30), MonthDay(12, 31)]

    # when the years are inferred; then both are 2025
    assert infer_years(days, date(2026, 1, 2)) == [2025, 2025]


def test_infer_years_last_row_on_the_anchor_keeps_the_anchor_year() -> None:
    # given a single row on the anchor's own day
    # when inferred; then the anchor's year
    assert infer_years([MonthDay(5, 10)], date(2027, 5, 10)) == [2027]


def test_infer_years_follows_the_anchor_not_the_clock() -> None:
    # given the same rows captured in two different years
    days = [MonthDay(6, 1), MonthDay(6, 2)]

    # when inferred against each anchor; then each anchor's year, nothing hard-coded
    assert infer_years(days, date(2019, 6, 5)) == [2019, 2019]
    assert infer_years(days, date(2031, 6, 5)) == [2031, 2031]


def test_gap_warnings_name_each_hole() -> None:
    # given days with two missing after March 2
    days = [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 5)]

    # when checked; then one ASCII warning naming the hole
    assert gap_warnings(days, "Overview.csv") == [
        "date_gap entry=Overview.csv after=2026-03-02 next=2026-03-05 missing_days=2"
    ]


def test_studio_dates_and_post_times() -> None:
    # given Studio's YYYY/MM/DD and YYYY/MM/DD HH:MM
    # when read; then a date and a naive wall-clock time; nonsense is None
    assert parse_full_date("2026/05/04") == date(2026, 5, 4)
    assert parse_full_date("2026/02/30") is None
    assert parse_date_time("2026/05/01 18:30") == datetime(2026, 5, 1, 18, 30)  # noqa: DTZ001
    assert parse_date_time("2026/05/01 24:30") is None
