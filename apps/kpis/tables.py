"""Tables the pages show, and the same tables as CSV downloads (SPEC 5.7).

A `Table` is the rows a selector returned plus typed columns. The page renders it through
`kpis/partials/table.html` and the CSV export writes the very same rows, so the screen and the
download can never disagree. Formatting for the screen (thousands separators, percents) and
for the file (plain numbers, fractions, formula-escaped text) both live on `Column`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.http import HttpResponse

from apps.kpis.calculations import money_str

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Excel reads UTF-8 only when the file starts with a byte order mark.
UTF8_BOM = "\ufeff"
# A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
MISSING = "—"


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    MONEY = "money"  # 2 decimals on screen, exact in the file
    MONEY4 = "money4"  # per-unit money: 4 decimals on screen
    RATE = "rate"  # a fraction: a percent on screen, the fraction in the file
    RATIO = "ratio"  # ROAS: "1.25x" on screen, 1.25 in the file
    DECIMAL = "decimal"  # a plain number with one decimal on screen (months of delay)
    DATE = "date"
    MONTH = "month"
    LIST = "list"
    STATUS = "status"  # text shown as a badge (reported, late, achieved, ...)


NUMERIC_KINDS = frozenset({Kind.INT, Kind.MONEY, Kind.MONEY4, Kind.RATE, Kind.RATIO, Kind.DECIMAL})


def escape_text_cell(value: str) -> str:
    """Prefix text a spreadsheet would run as a formula with `'` (SPEC 5.7)."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


@dataclass(frozen=True)
class Column:
    """One column: where its value comes from, its header and how it is written."""

    key: str
    header: str
    kind: Kind = Kind.TEXT
    # Screen-only text replacing the figure for some rows ("no rate basis"); the CSV keeps it.
    placeholder: Callable[[Any], str | None] | None = None

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def value(self, row: Any) -> Any:
        if isinstance(row, Mapping):
            return row.get(self.key)
        return getattr(row, self.key, None)

    def display(self, row: Any) -> str:
        """The value as the page shows it."""
        if self.placeholder is not None and (text := self.placeholder(row)):
            return text
        value = self.value(row)
        if value is None or value == "":
            return MISSING if self.kind != Kind.TEXT else ""
        formatter = _DISPLAY.get(self.kind, str)
        return formatter(value)

    def cell(self, row: Any) -> Cell:
        text = self.display(row)
        badge = str(self.value(row) or "") if self.kind == Kind.STATUS else ""
        return Cell(text=text, is_numeric=self.is_numeric, badge=badge)

    def csv(self, row: Any) -> str:
        """The value as the CSV file holds it: plain numbers, escaped text."""
        value = self.value(row)
        if value is None:
            return ""
        if self.kind in (Kind.TEXT, Kind.STATUS):
            return escape_text_cell(str(value))
        if self.kind == Kind.LIST:
            return escape_text_cell("; ".join(str(item) for item in value))
        formatter = _CSV.get(self.kind, str)
        return formatter(value)


def _month(value: date | str) -> str:
    return value.strftime("%Y-%m") if isinstance(value, date) else str(value)


def _date(value: date | datetime | str) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, date) else str(value)


def _percent(value: float | Decimal) -> str:
    return f"{float(value) * 100:,.1f} %"


_DISPLAY: dict[Kind, Callable[[Any], str]] = {
    Kind.INT: lambda value: f"{int(value):,}",
    Kind.MONEY: lambda value: f"{Decimal(value):,.2f}",
    Kind.MONEY4: lambda value: f"{Decimal(value):,.4f}",
    Kind.RATE: _percent,
    Kind.DECIMAL: lambda value: f"{float(value):,.1f}",
    Kind.RATIO: lambda value: f"{float(value):,.2f}x",
    Kind.DATE: _date,
    Kind.MONTH: _month,
    Kind.LIST: lambda value: ", ".join(str(item) for item in value),
}
_CSV: dict[Kind, Callable[[Any], str]] = {
    Kind.INT: lambda value: str(int(value)),
    Kind.MONEY: lambda value: money_str(Decimal(value)),
    Kind.MONEY4: lambda value: money_str(Decimal(value)),
    Kind.RATE: lambda value: repr(float(value)),
    Kind.DECIMAL: lambda value: repr(float(value)),
    Kind.RATIO: lambda value: repr(float(value)),
    Kind.DATE: lambda value: value.isoformat() if isinstance(value, date) else str(value),
    Kind.MONTH: _month,
}


@dataclass(frozen=True)
class Cell:
    text: str
    is_numeric: bool
    badge: str = ""  # a status name, drawn as a labelled badge


@dataclass
class Table:
    """Rows from a selector with the columns to show and export them by."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Any]
    empty_text: str = "Nothing in this selection."
    note: str = ""
    # A chart drawn above the table (the table stays as its fallback): the dashboard.js builder
    # name, its data (embedded with json_script) and a text alternative.
    chart_builder: str = ""
    chart_data: dict[str, Any] = field(default_factory=dict)
    chart_label: str = ""
    # Set by the page: where the table downloads, refreshes, and what data it depends on.
    export_url: str = ""
    fragment_url: str = ""
    datasets: str = ""

    @property
    def element_id(self) -> str:
        return f"table-{self.name.replace('_', '-')}"

    @property
    def chart_data_id(self) -> str:
        return f"{self.element_id}-chart-data"

    def cells(self) -> list[list[Cell]]:
        """Every row as display cells, in column order (what the template renders)."""
        return [[column.cell(row) for column in self.columns] for row in self.rows]

    def csv_rows(self) -> Iterable[list[str]]:
        yield [column.header for column in self.columns]
        for row in self.rows:
            yield [column.csv(row) for column in self.columns]


def export_filename(parts: Sequence[str], start: str = "", end: str = "") -> str:
    """`bedrot_<page>_<table>[_<start>_<end>].csv`, the range as the user chose it."""
    stem = "_".join(["bedrot", *parts])
    if start or end:
        stem = f"{stem}_{start or 'begin'}_{end or 'today'}"
    safe = "".join(char if char.isalnum() or char in "-_" else "-" for char in stem)
    return f"{safe}.csv"


def csv_response(table: Table, *, filename: str) -> HttpResponse:
    """The table as an RFC 4180 CSV download: UTF-8 with BOM, CRLF line ends."""
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows(table.csv_rows())
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
