"""Typed values and header labels: locale numbers and dates, ids, the alias table."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from apps.sources.connectors.metaads import values
from apps.sources.connectors.metaads.headers import read_label
from apps.sources.connectors.metaads.values import Cell, IdValue, NumberStyle
from apps.sources.connectors.rowbook import RowInvalid

POINT = NumberStyle(decimal_mark=".")
COMMA = NumberStyle(decimal_mark=",", is_day_first=True)


@pytest.mark.parametrize(
    ("cell", "style", "expected"),
    [
        ("3.41", POINT, Decimal("3.41")),
        ("1,234.56", POINT, Decimal("1234.56")),
        ("1234,56", COMMA, Decimal("1234.56")),
        ("1.234,56", COMMA, Decimal("1234.56")),
        ("1\u00a0234,56", COMMA, Decimal("1234.56")),
        ("1\u202f234,56", COMMA, Decimal("1234.56")),
        ("0,4 %", COMMA, Decimal("0.4")),
        (5963.0, POINT, Decimal(5963)),
        (30.299999999999997, POINT, Decimal("30.3")),
        (12, POINT, Decimal(12)),
        ("", POINT, None),
        ("-", POINT, None),
        (None, POINT, None),
    ],
)
def test_decimal_reads_each_locale_and_workbook_floats(
    cell: Cell, style: NumberStyle, expected: Decimal | None
) -> None:
    # given a number as a locale writes it; when read; then it is the exact decimal
    assert values.decimal(cell, "spend", style) == expected


@pytest.mark.parametrize("cell", ["1,2,3", "12.5.1", "abc", "1e5", "9" * 41, float("nan"), True])
def test_decimal_rejects_what_is_not_a_number(cell: Cell) -> None:
    # given garbage; when read; then the row is rejected naming the column
    with pytest.raises(RowInvalid) as invalid:
        values.decimal(cell, "spend", POINT)
    assert (invalid.value.column, invalid.value.code) == ("spend", "invalid_number")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("10 de dez. de 2022", date(2022, 12, 10)),
        ("10 déc. 2022", date(2022, 12, 10)),
        ("8 janv. 2023", date(2023, 1, 8)),
        ("1 août 2023", date(2023, 8, 1)),
        ("15 de março de 2024", date(2024, 3, 15)),
        ("10 dic. 2022", date(2022, 12, 10)),
        ("10 de sept. de 2022", date(2022, 9, 10)),
        ("Dec 10, 2022", date(2022, 12, 10)),
        ("10 December 2022", date(2022, 12, 10)),
        ("2022-12-10", date(2022, 12, 10)),
        ("2022-12-10 00:00:00", date(2022, 12, 10)),
        ("2022/12/10", date(2022, 12, 10)),
        (datetime.fromisoformat("2022-12-10T00:00"), date(2022, 12, 10)),
    ],
)
def test_calendar_date_reads_written_and_iso_dates(cell: Cell, expected: date) -> None:
    # given a date as Ads Manager writes it in EN, FR, PT or ES; when read; then it is the day
    assert values.calendar_date(cell, "day", POINT) == expected


@pytest.mark.parametrize("cell", ["31 de fev. de 2022", "10 foo 2022", "2022-13-01", "someday"])
def test_calendar_date_rejects_impossible_dates(cell: str) -> None:
    with pytest.raises(RowInvalid) as invalid:
        values.calendar_date(cell, "day", POINT)
    assert invalid.value.code == "invalid_date"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("120212345678901234", IdValue("120212345678901234")),
        (" 120212345678901234 ", IdValue("120212345678901234")),
        ("'120212345678901234", IdValue("120212345678901234")),
        (120212345678901234, IdValue("120212345678901234")),
        (23851234567890.0, IdValue("23851234567890")),
        ("1.20253E+17", IdValue(None, is_lost=True, raw="1.20253E+17")),
        ("1,20253E+17", IdValue(None, is_lost=True, raw="1,20253E+17")),
        (1.2025301234567e17, IdValue(None, is_lost=True, raw="1.2025301234567e+17")),
        ("", IdValue(None)),
    ],
)
def test_meta_id_keeps_exact_ids_as_text_and_discards_lost_ones(
    cell: Cell, expected: IdValue
) -> None:
    # given an id as text, a workbook number, or a value that lost its digits
    # when read; then it is exact text, or discarded (never rounded)
    assert values.meta_id(cell, "campaign_id") == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Ongoing", (None, True)),
        ("En cours", (None, True)),
        ("Em andamento", (None, True)),
        ("2023-01-05", (date(2023, 1, 5), False)),
        ("", (None, None)),
    ],
)
def test_ends_reads_a_date_or_ongoing(cell: str, expected: tuple[date | None, bool | None]) -> None:
    assert values.ends(cell, "ends", POINT) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Daily", "daily"),
        ("Lifetime", "lifetime"),
        ("Using campaign budget", "campaign"),
        ("Quotidien", "daily"),
        ("Diário", "daily"),
        ("Something new", "Something new"),
        ("-", None),
    ],
)
def test_budget_type_maps_known_wordings_and_keeps_unknown_ones(
    cell: str, expected: str | None
) -> None:
    assert values.budget_type(cell) == expected


def test_percent_is_a_fraction_and_rankings_dash_is_null() -> None:
    assert values.percent("1.234567", "ctr", POINT) == 0.01234567
    assert values.percent("0,4", "ctr", COMMA) == 0.004
    assert values.ranking("-") is None
    assert (
        values.ranking("Below average (bottom 35% of ads)") == "Below average (bottom 35% of ads)"
    )


@pytest.mark.parametrize(
    ("label", "field", "currency"),
    [
        ("Amount spent (USD)", "spend", "USD"),
        ("Amount Spent (usd) ", "spend", "USD"),
        ("Montant dépensé\u00a0(EUR)", "spend", "EUR"),
        ("Valor usado (IDR)", "spend", "IDR"),
        ("Importe gastado (EUR)", "spend", "EUR"),
        ("\ufeffReporting starts", "reporting_starts", ""),
        ("REPORTING  STARTS", "reporting_starts", ""),
        ("Début des rapports", "reporting_starts", ""),
        ("Início dos relatórios", "reporting_starts", ""),
        ("Inicio del informe", "reporting_starts", ""),
        ("Cost per results", "cost_per_result", ""),
        ("Cost per result", "cost_per_result", ""),
        ("CPM (cost per 1,000 impressions) (USD)", "cpm", "USD"),
        ("CTR (all)", "ctr", ""),
        ("Type de budget de l\u2019ensemble de publicités", "adset_budget_type", ""),
        ("Website purchases", None, ""),
    ],
)
def test_read_label_absorbs_known_variants(label: str, field: str | None, currency: str) -> None:
    # given a header label with Title case, NBSP, a BOM, double spaces or a currency suffix
    # when it is read; then the alias table names its field and the currency
    read = read_label(label)
    assert (read.field, read.currency) == (field, currency)


@pytest.mark.parametrize("cell", ["\u0661\u0662\u0663", "12a", "-5", True])
def test_meta_id_rejects_what_is_not_ascii_digits(cell: Cell) -> None:
    # given an id cell of other digits or garbage; when read; then the row is rejected
    with pytest.raises(RowInvalid) as invalid:
        values.meta_id(cell, "campaign_id")
    assert (invalid.value.column, invalid.value.code) == ("campaign_id", "invalid_value")
