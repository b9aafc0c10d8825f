"""Rows of the stream datasets read from literal nodes (chart pages, analytics JSON).

Each array element of a vendor payload becomes an `Element` that knows its line and source
text, so a rejected element is stored like a rejected CSV line (row, column, raw line). The
values go through the `rowbook` checks, which every small-file parser shares.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from apps.sources.connectors import rowbook
from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.jsliteral import LineIndex, Node, Opaque
from apps.sources.connectors.rowbook import RowBook, RowInvalid, shown

# Magic bytes of files uploaded by mistake, named in the rejection (as for statements).
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"%PDF-", "PDF document"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)

# Counts beyond this many digits are typos or garbage; checked before any int() conversion.
MAX_COUNT_DIGITS = 18
# Dates outside these years are typos (as for statements).
MIN_YEAR = 1900
MAX_YEAR = 2999
# Amounts as statements hold them: at most 10 integer digits and 12 decimals (MONEY).
MAX_AMOUNT_INTEGER_DIGITS = 10
MAX_AMOUNT_PLACES = 12

_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-\d{2})?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SourceText:
    """The decoded text of one file and its line index."""

    text: str
    lines: LineIndex

    @classmethod
    def of(cls, text: str) -> SourceText:
        return cls(text, LineIndex(text))

    def elements(self, array: Node, name: str) -> list[Element]:
        """Every item of an array node, named `name[i]`, with its line and source text."""
        return [
            Element(
                node=item,
                path=f"{name}[{index}]",
                row=self.lines.line_of(item.start),
                raw_line=self.text[item.start : item.end][: rowbook.RAW_LINE_MAX_CHARS],
            )
            for index, item in enumerate(array.items())
        ]


@dataclass(frozen=True)
class Element:
    """One array element of a vendor payload and where it sits, for rejections."""

    node: Node
    path: str
    row: int
    raw_line: str

    def column(self, key: str) -> str:
        return f"{self.path}.{key}"

    def value(self, key: str) -> Node | None:
        """The member `key`; an element that is not an object rejects its row."""
        if not self.node.is_object:
            raise RowInvalid(self.path, rowbook.INVALID_ROW, f"{self.path} is not an object")
        return self.node.member(key)


def keep_or_reject(book: RowBook, element: Element, keep: Callable[[Element], None]) -> None:
    """Count one input row and keep it through `keep`, or record why it was rejected."""
    book.count()
    try:
        keep(element)
    except RowInvalid as invalid:
        book.reject(
            row=element.row,
            column=invalid.column,
            code=invalid.code,
            message=invalid.message,
            raw_line=element.raw_line,
        )


def count_of(element: Element, key: str) -> int:
    """A required non-negative whole number, given as a JSON number or as digits in a string."""
    column = element.column(key)
    count = rowbook.parse_count(plain(element.value(key)), column)
    if count is None:
        raise RowInvalid(column, rowbook.MISSING_VALUE, f"{column} is missing")
    return count


def day_of(element: Element, key: str) -> date:
    """A required `YYYY-MM-DD` date."""
    column = element.column(key)
    value = plain(element.value(key))
    day = rowbook.parse_iso_date(value, column, is_required=True)
    if day is None:  # parse_iso_date already raises for a missing required date
        raise RowInvalid(column, rowbook.MISSING_VALUE, f"{column} is missing")
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        # Year 0001 parses but is garbage, and would open a month partition of its own.
        message = f"{column} {shown(value)} is outside {MIN_YEAR}-{MAX_YEAR}"
        raise RowInvalid(column, rowbook.INVALID_DATE, message)
    return day


def month_of(element: Element, key: str) -> date:
    """A required month, `YYYY-MM` or any `YYYY-MM-DD` in it, as the month's first day."""
    column = element.column(key)
    value = plain(element.value(key))
    if rowbook.is_blank(value):
        raise RowInvalid(column, rowbook.MISSING_VALUE, f"{column} is missing")
    match = _MONTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match and 1 <= int(match.group(2)) <= 12 and MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        return date(int(match.group(1)), int(match.group(2)), 1)
    message = f"{column} {shown(value)} is not a YYYY-MM month"
    raise RowInvalid(column, rowbook.INVALID_DATE, message)


def amount_of(element: Element, key: str) -> Decimal:
    """A required exact decimal amount (a string or a JSON number, never through float)."""
    column = element.column(key)
    node = element.value(key)
    value = node.value if node is not None else None
    if rowbook.is_blank(value):
        raise RowInvalid(column, rowbook.MISSING_VALUE, f"{column} is missing")
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, Decimal):
        text = str(value)
    amount = _bounded_amount(text) if text else None
    if amount is None:
        message = f"{column} {shown(plain(node))} is not a decimal amount (up to 12 decimals)"
        raise RowInvalid(column, rowbook.INVALID_NUMBER, message)
    return amount


def exact_amount(text: str) -> Decimal | None:
    """The decimal `text` holds when it fits MONEY (10 integer digits, 12 decimals), else None."""
    return _bounded_amount(text.strip())


def text_of(element: Element, key: str, *, is_required: bool) -> str | None:
    """Trimmed text (a number is taken as written); empty is None, or rejects when required."""
    column = element.column(key)
    node = element.value(key)
    value = node.value if node is not None else None
    if isinstance(value, Decimal):
        value = str(value)
    if value is not None and not isinstance(value, str):
        raise RowInvalid(
            column, rowbook.INVALID_VALUE, f"{column} {shown(plain(node))} is not text"
        )
    text = value.strip() if value else ""
    if not text and is_required:
        raise RowInvalid(column, rowbook.MISSING_VALUE, f"{column} is missing")
    return text or None


def capture_day(captured_at: datetime | None, path: Path) -> date:
    """UTC day of the capture: the landing time the lake passes, else the file's own mtime."""
    moment = captured_at or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def read_text_file(path: Path, *, what: str, encodings: tuple[str, ...]) -> tuple[str, str]:
    """The file's text and the first of `encodings` that decodes it; binary or empty rejects."""
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected("file is empty")
    for magic, name in BINARY_MAGIC:
        if data.startswith(magic):
            raise FileRejected(f"content is not {what} (looks like a {name})")
    if b"\x00" in data:
        raise FileRejected(f"content is not {what} (NUL bytes found)")
    if data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig", *encodings)
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected(f"content is not {what} (not {' or '.join(encodings)} text)")


def plain(node: Node | None) -> object:
    """A node's value as the rowbook checks take it: exact integers stay ints, code stays text."""
    if node is None:
        return None
    value = node.value
    if isinstance(value, Decimal):
        is_whole = value.is_finite() and value == value.to_integral_value()
        if is_whole and value.adjusted() < MAX_COUNT_DIGITS:
            return int(value)
        return str(value)
    if isinstance(value, Opaque):
        return value.text
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    return value


def _bounded_amount(text: str) -> Decimal | None:
    """The amount when it fits MONEY: up to 10 integer digits and 12 significant decimals."""
    try:
        amount = Decimal(text)
    except ArithmeticError:
        return None
    if not amount.is_finite():
        return None
    if amount.is_zero():
        return Decimal(0)
    # Trailing zeros do not count as places: "3.450000000000000" is 3.45.
    exponent = amount.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > MAX_AMOUNT_PLACES or amount.adjusted() >= MAX_AMOUNT_INTEGER_DIGITS:
        return None
    return amount


def line_ending_of(text: str) -> str:
    """ "CRLF", "CR" or "LF" from the first line break; "" for a one-line file."""
    match = _LINE_BREAK.search(text)
    if match is None:
        return ""
    return {"\r\n": "CRLF", "\r": "CR"}.get(match.group(), "LF")


def sorted_tables(
    book: RowBook, schemas: dict[str, pa.Schema], sort_keys: dict[str, str]
) -> dict[str, pa.Table]:
    """The book's non-empty tables in the order given, each sorted on its `sort_keys` column."""
    tables = book.tables(schemas)
    return {
        name: table.sort_by(sort_keys[name]) if name in sort_keys else table
        for name, table in tables.items()
    }
