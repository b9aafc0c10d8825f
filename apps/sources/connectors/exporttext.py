"""Read a small CSV export a person downloaded (YouTube Studio, SubmitHub): refuse binary
content, find the encoding (UTF-8, UTF-16 with a byte-order mark, cp1252), split the text into
records that know their line, so a rejected row names where it was, and read the cells people's
exports hold: numbers as text (`1,234`), amounts (`$1.50`) and dates (`Mar 5, 2024`).

Each cell reader returns None for an empty cell and raises `RowInvalid` (row rejected) for a
value it cannot read, so no unreadable value silently becomes null.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import (
    INVALID_DATE,
    INVALID_NUMBER,
    RowInvalid,
    is_blank,
    parse_iso_date,
    shown,
)

# Magic bytes of files uploaded by mistake, named in the rejection.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"%PDF-", "PDF document"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
)
# A byte-order mark decides UTF-16; without one, NUL bytes mean the file is not text we read
# (R12: UTF-16 without a BOM is refused rather than guessed).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Tried in this order when there is no BOM; cp1252 covers an export re-saved by Excel.
_FALLBACK_ENCODINGS = ("utf-8", "cp1252")
DELIMITERS = (",", "\t", ";")
# Longer numbers are garbage, and Decimal would otherwise take them whole.
MAX_NUMBER_CHARS = 32
# Amounts as MONEY holds them: at most 10 integer digits and 12 decimals.
MAX_AMOUNT_INTEGER_DIGITS = 10
MAX_AMOUNT_PLACES = 12

_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?|-?\.\d+")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_CURRENCY = re.compile(r"^(?:USD|US\$|\$)\s*|\s*(?:USD)$", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
# Both services are American: a slash date is month/day/year.
_US_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\b")
# English month names; the first three letters decide ("Sept" too).
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


@dataclass(frozen=True)
class Record:
    """One CSV record and the physical line it ends on (1-based)."""

    line: int
    cells: tuple[str, ...]

    @property
    def is_blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)

    @property
    def raw_line(self) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(self.cells)
        return buffer.getvalue()

    def cell(self, position: int) -> str:
        """The cell at `position`, or "" for a short (ragged) record."""
        return self.cells[position] if position < len(self.cells) else ""


def decode_export(content: bytes, *, what: str) -> tuple[str, str]:
    """(text, encoding) of an export; FileRejected saying why the bytes are not `what`."""
    if not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise FileRejected(f"{what} is empty")
    for magic, name in BINARY_MAGIC:
        if content.startswith(magic):
            raise FileRejected(f"content is not {what} (looks like a {name})")
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _decoded(content, encoding, what), encoding
    if b"\x00" in content:
        raise FileRejected(f"content is not {what} (NUL bytes and no UTF-16 byte-order mark)")
    for encoding in _FALLBACK_ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected(f"content is not {what} (not UTF-8, UTF-16 or cp1252 text)")


def _decoded(content: bytes, encoding: str, what: str) -> str:
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        raise FileRejected(f"content is not {what} (invalid {encoding} text)") from None
    if "\x00" in text:
        raise FileRejected(f"content is not {what} (NUL characters in the text)")
    return text


def first_records(text: str, delimiter: str, limit: int) -> list[Record]:
    """Up to `limit` leading records (blank ones included); a CSV error ends the list early."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[Record] = []
    try:
        for cells in itertools.islice(reader, limit):
            records.append(Record(line=reader.line_num, cells=tuple(cells)))
    except csv.Error:
        return records
    return records


def split_records(text: str, delimiter: str) -> list[Record]:
    """Every record with its line number; FileRejected when the text cannot be read as CSV."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[Record] = []
    try:
        for cells in reader:
            records.append(Record(line=reader.line_num, cells=tuple(cells)))
    except csv.Error as error:
        raise FileRejected(
            f"file cannot be read as CSV near line {reader.line_num}: {error}"
        ) from None
    return records


def line_ending_of(text: str) -> str:
    """ "CRLF", "CR" or "LF" from the first line break; "" for a one-line file."""
    for index, char in enumerate(text):
        if char == "\n":
            return "LF"
        if char == "\r":
            return "CRLF" if text[index + 1 : index + 2] == "\n" else "CR"
    return ""


def decimal_of(text: str, column: str) -> Decimal | None:
    """A number as written (`1234`, `1,234`, `12.3456`, `-3`); empty is None."""
    if is_blank(text):
        return None
    cleaned = text.strip()
    if len(cleaned) <= MAX_NUMBER_CHARS:
        if _GROUPED.fullmatch(cleaned):
            cleaned = cleaned.replace(",", "")
        if _NUMBER.fullmatch(cleaned):
            try:
                return Decimal(cleaned)
            except InvalidOperation:  # pragma: no cover - the pattern admits only digits
                pass
    raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(text)} is not a number")


def amount_of(text: str, column: str) -> Decimal | None:
    """An exact USD amount that fits MONEY; `$`, `USD` and grouping commas are accepted."""
    value = decimal_of(_CURRENCY.sub("", text.strip()), column)
    if value is None:
        return None
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > MAX_AMOUNT_PLACES or value.adjusted() >= MAX_AMOUNT_INTEGER_DIGITS:
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(text)} is out of range")
    return value


def date_of(text: str, column: str) -> date | None:
    """`Mar 5, 2024`, `5 Mar 2024`, `3/5/2024` (US) or `2024-03-05`; a time after it is ignored."""
    if is_blank(text):
        return None
    cleaned = " ".join(text.split())
    for pattern, order in ((_MONTH_DAY_YEAR, (1, 2, 3)), (_DAY_MONTH_YEAR, (2, 1, 3))):
        match = pattern.match(cleaned)
        if match:
            month_name, day, year = (match.group(index) for index in order)
            month = _MONTHS.get(month_name[:3].casefold(), 0)
            return _calendar_date(int(year), month, int(day), column, text)
    slashed = _US_SLASHED.match(cleaned)
    if slashed:
        month, day, year = (int(part) for part in slashed.groups())
        return _calendar_date(year, month, day, column, text)
    try:
        return parse_iso_date(cleaned, column, is_required=False)
    except RowInvalid:
        raise RowInvalid(column, INVALID_DATE, f"{column} {shown(text)} is not a date") from None


def _calendar_date(year: int, month: int, day: int, column: str, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise RowInvalid(column, INVALID_DATE, f"{column} {shown(text)} is not a date") from None


def is_scientific(text: str) -> bool:
    """True for `1.20253E+17`: an id Excel shortened, whose digits are gone (SPEC conventions)."""
    return bool(_SCIENTIFIC.fullmatch(text.strip()))
