"""Row bookkeeping and value checks for parsers that read small files row by row (S4A, Linktree).

A `RowBook` counts every input row, keeps typed rows per dataset keyed by their natural key and
records each rejection with its row, column and code, so `rows_in = rows_out + rows_rejected`
holds by construction (SPEC 3.1) and no row disappears without a trace.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import pyarrow as pa

from apps.sources.connectors.base import FileRejected, Payload, RowError

# More than this share of rejected rows quarantines the whole file (SPEC 3.3; editable per source).
MAX_REJECTED_FRACTION = 0.05
# A garbage "line" can be megabytes long; staging needs enough to recognise it, not all of it.
RAW_LINE_MAX_CHARS = 2000
REJECTIONS_QUOTED = 3
INT64_MAX = 2**63 - 1

MISSING_VALUE = "missing_value"
INVALID_NUMBER = "invalid_number"
NEGATIVE_COUNT = "negative_count"
INVALID_DATE = "invalid_date"
INVALID_VALUE = "invalid_value"
INVALID_ROW = "invalid_row"
DUPLICATE_KEY = "duplicate_key"

# Thousands separators S4A writes in quoted numbers: comma, NBSP, narrow NBSP, space, apostrophe.
_GROUPED = re.compile(r"-?\d{1,3}(?:[,\u00a0\u202f ']\d{3})+")
_PLAIN = re.compile(r"-?\d+")
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+\-Z]*)?")


class RowInvalid(Exception):
    """One value makes its row unusable; the parser turns it into a RowError."""

    def __init__(self, column: str, code: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.code = code
        self.message = message


def shown(value: object) -> str:
    """A value quoted for a message: ASCII only and short, whatever the file contained."""
    text = ascii(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_count(value: object, column: str) -> int | None:
    """A non-negative integer count; None when absent. Accepts `"1,024"` and JSON numbers."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(value)} is not a number")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(value)} is not a count")
        value = int(value)
    if isinstance(value, str):
        value = _count_text(value, column)
    if not isinstance(value, int):
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(value)} is not a number")
    if value < 0:
        raise RowInvalid(column, NEGATIVE_COUNT, f"{column} {value} is negative")
    if value > INT64_MAX:
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(value)} is out of range")
    return value


def _count_text(text: str, column: str) -> int:
    cleaned = text.strip()
    if _PLAIN.fullmatch(cleaned) or _GROUPED.fullmatch(cleaned):
        digits = re.sub(r"[,\u00a0\u202f ']", "", cleaned)
        # Bounded before int(): a 5000-digit string would otherwise raise ValueError.
        if len(digits.lstrip("-")) <= 19:
            return int(digits)
    raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(text)} is not a whole number")


def parse_iso_date(value: object, column: str, *, is_required: bool) -> date | None:
    """`YYYY-MM-DD` (a trailing time is ignored); a required date that is missing rejects."""
    if is_blank(value):
        if is_required:
            raise RowInvalid(column, MISSING_VALUE, f"{column} is missing")
        return None
    match = _ISO_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            pass
    raise RowInvalid(column, INVALID_DATE, f"{column} {shown(value)} is not a YYYY-MM-DD date")


def parse_rate(value: object, column: str) -> float | None:
    """A finite, non-negative fraction as the vendor wrote it (never capped at 1)."""
    if is_blank(value):
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(value)} is not a rate")
    return number


def ratio(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator, or None when either is unknown or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def text_key(text: str) -> str:
    """Normalised text for matching: NFKC, BOM removed, trimmed, spaces collapsed, casefolded."""
    cleaned = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    return " ".join(cleaned.split()).casefold()


@dataclass(frozen=True)
class _Kept:
    row: int
    values: dict[str, object]
    raw_line: str


class RowBook:
    """Every input row of one file: kept per dataset by natural key, or rejected with a reason."""

    def __init__(self) -> None:
        self.rows_in = 0
        self.rejections: list[RowError] = []
        # Rejections the format makes normal (S4A aggregate rows, capture repeats): they are
        # recorded like any other but do not count towards quarantining the file.
        self.expected_rejections = 0
        self._is_expected: list[bool] = []
        self._kept: dict[str, dict[tuple[object, ...], _Kept]] = {}

    def count(self) -> None:
        self.rows_in += 1

    def reject(
        self,
        *,
        row: int,
        column: str,
        code: str,
        message: str,
        raw_line: str,
        is_expected: bool = False,
    ) -> None:
        clean_raw = raw_line.replace("\x00", "\\x00")[:RAW_LINE_MAX_CHARS]
        self.rejections.append(RowError(row, column, code, message, clean_raw))
        self._is_expected.append(is_expected)
        self.expected_rejections += int(is_expected)

    def keep(
        self,
        dataset: str,
        key: tuple[object, ...],
        values: dict[str, object],
        *,
        row: int,
        raw_line: str,
        on_repeat: Literal["reject", "replace"] = "reject",
        repeat_code: str = DUPLICATE_KEY,
    ) -> None:
        """Keep a typed row; a repeated key is rejected, or replaces the earlier row."""
        kept = self._kept.setdefault(dataset, {})
        earlier = kept.get(key)
        if earlier is None:
            kept[key] = _Kept(row, values, raw_line)
            return
        described = ", ".join(
            part.isoformat() if isinstance(part, date) else shown(part) for part in key
        )
        if on_repeat == "replace":
            message = f"key ({described}) is given again on row {row}, which replaces this one"
            del kept[key]
            kept[key] = _Kept(row, values, raw_line)
            self.reject(
                row=earlier.row,
                column="*",
                code=repeat_code,
                message=message,
                raw_line=earlier.raw_line,
                is_expected=True,
            )
            return
        message = f"key ({described}) was already given on row {earlier.row}"
        self.reject(row=row, column="*", code=repeat_code, message=message, raw_line=raw_line)

    def table(self, dataset: str, schema: pa.Schema) -> pa.Table:
        rows = [kept.values for kept in self._kept.get(dataset, {}).values()]
        return pa.Table.from_pylist(rows, schema=schema)

    def tables(self, schemas: dict[str, pa.Schema]) -> dict[str, pa.Table]:
        """The non-empty tables, in the order given (the lake reads the period from the first)."""
        tables = {name: self.table(name, schema) for name, schema in schemas.items()}
        return {name: table for name, table in tables.items() if table.num_rows}

    def sorted_rejections(self) -> list[RowError]:
        return sorted(self.rejections, key=lambda error: error.row)

    def check_share(self, max_fraction: float = MAX_REJECTED_FRACTION) -> None:
        """Quarantine the file when too many rows were rejected (expected rejections aside)."""
        counted = len(self.rejections) - self.expected_rejections
        considered = self.rows_in - self.expected_rejections
        if counted <= max_fraction * considered:
            return
        share = 100 * counted / considered if considered else 100.0
        counted_errors = [
            error
            for error, is_expected in sorted(
                zip(self.rejections, self._is_expected, strict=True), key=lambda pair: pair[0].row
            )
            if not is_expected
        ]
        first = "; ".join(
            f"row {error.row} column {error.column!r} {error.code}: {error.message}"
            for error in counted_errors[:REJECTIONS_QUOTED]
        )
        raise FileRejected(
            f"{counted} of {considered} rows rejected ({share:.1f}%, more than the "
            f"{100 * max_fraction:g}% allowed); first: {first}"
        )


def capture_date(payload: Payload) -> date:
    """The UTC day a payload was captured: its capture time, else the file's modification time.

    S4A and Linktree files carry no capture stamp of their own, so the landing time stands in
    for it (SPEC 3.5 precedence: "else its landing time").
    """
    return capture_time(payload).date()


def capture_time(payload: Payload) -> datetime:
    moment = payload.captured_at
    if moment is None:
        return datetime.fromtimestamp(payload.path.stat().st_mtime, tz=UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def read_json_file(path: Path) -> object:
    """The decoded JSON document, or FileRejected saying why it is not one."""
    content = path.read_bytes()
    if not content.strip():
        raise FileRejected("file is empty")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected("content is not UTF-8 JSON") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError and integers too long to convert.
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise FileRejected(f"content is not valid JSON: {detail}") from None


def json_text(value: object) -> str:
    """A JSON value as one line for the rejected-row store."""
    try:
        return json.dumps(value, ensure_ascii=True, default=str)[:RAW_LINE_MAX_CHARS]
    except (ValueError, RecursionError):
        return "<unprintable>"
