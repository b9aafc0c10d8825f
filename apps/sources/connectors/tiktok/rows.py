"""Reading the rows of one TikTok CSV: header, cells, counts and the file's shared context."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import (
    INVALID_NUMBER,
    INVALID_VALUE,
    RowBook,
    RowInvalid,
    parse_count,
    shown,
)
from apps.sources.connectors.tiktok.csvtext import CsvText, Record
from apps.sources.connectors.tiktok.layouts import HeaderMatch, Layout, match_header

RAGGED_ROW = "ragged_row"
SOURCE_ID = "tiktok"
# Texts TikTok writes for "no value": legacy `undefined`, Studio `NaN` (SPEC 2.4).
NULL_TEXTS = frozenset({"", "undefined", "nan", "null"})
_SIGNED = re.compile(r"[+-]?\d{1,18}")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


@dataclass(frozen=True)
class Context:
    """What every row of one file shares."""

    account: str
    # The capture date: year-less days are anchored on it; snapshots and videos carry it.
    anchor: date
    captured_at: datetime | None


def read_table(text: CsvText, layout: Layout, *, what: str, prefix: str = "") -> TableRows:
    """The header (first non-blank record) matched against the layout, and the data records."""
    records = [record for record in text.records if not record.is_blank]
    if not records:
        raise FileRejected(f"{what} is empty")
    header, *rows = records
    match = match_header(layout, header.fields, what=what)
    return TableRows(match=match, header=header.fields, records=tuple(rows), prefix=prefix)


@dataclass(frozen=True)
class TableRows:
    """A CSV's header match and its non-blank data records."""

    match: HeaderMatch
    header: tuple[str, ...]
    records: tuple[Record, ...]
    # Prefix of rejection columns: the zip entry (`Overview.csv:`), empty for a lone file.
    prefix: str

    def cell(self, record: Record, column: str) -> str | None:
        """The trimmed text of a layout column in a record; None when the file lacks it."""
        position = self.match.positions.get(column)
        if position is None or position >= len(record.fields):
            return None
        return record.fields[position].strip()

    def label(self, column: str) -> str:
        """The header as the file wrote it, for messages and rejection columns."""
        position = self.match.positions.get(column)
        return self.header[position].strip() if position is not None else column

    def check_width(self, record: Record) -> None:
        if len(record.fields) != len(self.header):
            raise RowInvalid(
                "*",
                RAGGED_ROW,
                f"expected {len(self.header)} fields, found {len(record.fields)}",
            )

    def reject(self, book: RowBook, record: Record, invalid: RowInvalid) -> None:
        book.reject(
            row=record.line,
            column=f"{self.prefix}{invalid.column}",
            code=invalid.code,
            message=invalid.message,
            raw_line=record.raw,
        )

    def count(self, record: Record, column: str) -> int | None:
        """A non-negative count; `undefined`, `NaN` and blanks are null."""
        text = self.cell(record, column)
        if text is None or text.casefold() in NULL_TEXTS:
            return None
        return parse_count(text, self.label(column))

    def signed(self, record: Record, column: str) -> int | None:
        """A signed whole number (Studio's net growth)."""
        text = self.cell(record, column)
        if text is None or text.casefold() in NULL_TEXTS:
            return None
        cleaned = text.replace(",", "")
        if not _SIGNED.fullmatch(cleaned):
            label = self.label(column)
            raise RowInvalid(label, INVALID_NUMBER, f"{label} {shown(text)} is not a whole number")
        return int(cleaned)

    def share(self, record: Record, column: str) -> float | None:
        """A distribution as a fraction: `0.42` as written, `42%` divided by 100."""
        text = self.cell(record, column)
        if text is None or text.casefold() in NULL_TEXTS:
            return None
        label = self.label(column)
        percent = _PERCENT.fullmatch(text)
        try:
            value = float(percent.group(1)) / 100 if percent else float(text)
        except ValueError:
            raise RowInvalid(
                label, INVALID_NUMBER, f"{label} {shown(text)} is not a share"
            ) from None
        if not math.isfinite(value) or not 0 <= value <= 1:
            raise RowInvalid(label, INVALID_VALUE, f"{label} {shown(text)} is not between 0 and 1")
        return value

    def unknown_cells(self, record: Record) -> dict[str, str | None]:
        """Columns the layout does not know, as written (nulls for `NaN`/`undefined`/blank)."""
        extras: dict[str, str | None] = {}
        for position, header in self.match.unknown:
            text = record.fields[position].strip() if position < len(record.fields) else ""
            extras[header] = None if text.casefold() in NULL_TEXTS else text
        return extras


def extras_json(extras: Mapping[str, object]) -> str | None:
    """JSON text for the `extras` column: keys sorted, so the same values give the same text."""
    if not extras:
        return None
    return json.dumps(extras, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def schema_warnings(rows: TableRows, kind: str) -> list[str]:
    """`schema_changed` for new columns, `columns_missing` for absent optional ones (ASCII)."""
    warnings = []
    if rows.match.unknown:
        names = ",".join(ascii(header) for _position, header in rows.match.unknown)
        warnings.append(f"schema_changed kind={kind} new_columns={names}")
    if rows.match.missing_optional:
        names = ",".join(rows.match.missing_optional)
        warnings.append(f"columns_missing kind={kind} columns={names}")
    return warnings
