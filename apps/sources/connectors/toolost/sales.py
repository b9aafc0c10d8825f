"""TooLost monthly sales reports (SPEC 2.2, PROVISIONAL: no real sample exists yet).

TooLost documents three dates per line (sale, accounting, reporting) plus split id, share,
revenue fee and original currency. Which headers carry them is a guess, so the mapping is data:
`HEADER_ALIASES` lists, per meaning, the header spellings accepted, best first. A real report
that differs needs a new alias here, not new code. A header set that does not provide every
`REQUIRED_FIELDS` entry quarantines the file with the headers found and the ones required.

Lines become `statement_lines` with `distributor="toolost"` and the same fingerprint recipe as
DistroKid (`distrokid.identity`), so a line exported twice is stored once.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from apps.sources.connectors import rowbook
from apps.sources.connectors.base import FileRejected, ParsedFile
from apps.sources.connectors.distrokid import identity
from apps.sources.connectors.distrokid.schemas import match_header as match_distrokid_header
from apps.sources.connectors.distrokid.textfile import TextScan, scan_text_file
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION, RowBook, RowInvalid, shown
from apps.sources.connectors.streamrows import exact_amount
from apps.sources.datasets import STATEMENT_LINES

logger = logging.getLogger(__name__)

KIND_SALES_REPORT = "sales_report"
SCHEMA_ID = "tl_sales_provisional"
DISTRIBUTOR = "toolost"

INVALID_PERCENTAGE = "invalid_percentage"
TOO_LONG = "too_long"
RAGGED_ROW = "ragged_row"


@dataclass(frozen=True)
class HeaderAlias:
    """One meaning of a report column and the header spellings that carry it, best first."""

    field: str
    aliases: tuple[str, ...]


# Spellings are compared after `header_key` (case, spaces, `_`, NBSP and a BOM do not matter).
# When two columns of one file carry the same meaning, the one whose spelling comes first wins;
# the other is kept as an unknown column (reported as schema_changed).
HEADER_ALIASES: tuple[HeaderAlias, ...] = (
    HeaderAlias("sale_date", ("sale date", "sales date", "date of sale", "transaction date")),
    HeaderAlias(
        "sale_month",
        ("sale month", "sales month", "sale period", "sales period", "usage month", "usage period"),
    ),
    HeaderAlias(
        "accounting_date", ("accounting date", "accounting period", "accounted date", "posted date")
    ),
    HeaderAlias(
        "reporting_date", ("reporting date", "report date", "reported date", "date reported")
    ),
    HeaderAlias(
        "store", ("store", "dsp", "store name", "dsp name", "platform", "service", "retailer")
    ),
    HeaderAlias(
        "artist_name", ("artist", "artist name", "artists", "track artist", "release artist")
    ),
    HeaderAlias(
        "title", ("title", "track", "track title", "track name", "song", "song title", "song name")
    ),
    HeaderAlias("isrc", ("isrc", "track isrc", "isrc code")),
    HeaderAlias("upc", ("upc", "ean", "upc/ean", "release upc", "upc code", "barcode")),
    HeaderAlias("quantity", ("quantity", "units", "qty", "unit count", "count")),
    # What the label is paid for the line, after TooLost's fee.
    HeaderAlias(
        "net_revenue",
        (
            "net revenue",
            "net revenue (usd)",
            "net earnings",
            "net earnings (usd)",
            "net amount",
            "earnings",
            "earnings (usd)",
            "payable",
            "payable (usd)",
        ),
    ),
    # Before TooLost's fee; the earnings when no net column exists (then minus the fee).
    HeaderAlias(
        "revenue",
        ("revenue", "revenue (usd)", "gross revenue", "gross revenue (usd)", "amount", "royalty"),
    ),
    HeaderAlias(
        "revenue_fee", ("revenue fee", "revenue fee (usd)", "fee", "fees", "distribution fee")
    ),
    HeaderAlias(
        "original_currency",
        ("original currency", "currency", "currency code", "sale currency", "local currency"),
    ),
    HeaderAlias(
        "country_code", ("country", "country code", "country of sale", "territory", "sale country")
    ),
    HeaderAlias("split_id", ("split id", "split", "split identifier")),
    HeaderAlias(
        "team_percentage",
        ("share", "split share", "share %", "share (%)", "split percentage", "team percentage"),
    ),
    HeaderAlias(
        "source_type", ("source type", "type", "sale type", "product type", "release type")
    ),
)

# Each entry is met by any one of its fields.
REQUIRED_FIELDS: tuple[tuple[str, ...], ...] = (
    ("reporting_date",),
    ("sale_month", "sale_date"),
    ("store",),
    ("title",),
    ("quantity",),
    ("net_revenue", "revenue"),
)

# Meanings only TooLost's report carries (SPEC 2.2): sniffing needs one of them, so another
# distributor's statement with store/title/quantity/revenue columns is never taken for TooLost's.
TOOLOST_ONLY_FIELDS = ("accounting_date", "split_id", "revenue_fee", "original_currency")

# A report one required meaning short (a renamed or dropped column) is still claimed, so that
# `ingest` without --source reaches the parser, whose rejection names the missing columns
# (SPEC 3.3) instead of "source not recognised". Two TooLost-only meanings are then needed:
# one alone (a currency column) is too common to claim a foreign file on.
MAX_MISSING_WHEN_SNIFFED = 1
TOOLOST_ONLY_WHEN_INCOMPLETE = 2

# Warehouse column widths (apps.warehouse.models): longer text is rejected here, not at load time.
TEXT_LIMITS = {"store": 100, "artist_name": 300, "title": 500, "source_type": 32}

_ALIAS_RANK: dict[str, tuple[str, int]] = {
    alias: (entry.field, rank)
    for entry in HEADER_ALIASES
    for rank, alias in enumerate(entry.aliases)
}
_DATE = re.compile(r"(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ][0-9:.+\-Z]*)?")
_MONTHS = (
    re.compile(r"(?P<year>\d{4})[-/](?P<month>\d{2})(?:[-/]\d{2}(?:[T ][0-9:.+\-Z]*)?)?"),
    re.compile(r"(?P<month>\d{2})[-/](?P<year>\d{4})"),
)
_GROUPED_AMOUNT = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PERCENT = re.compile(r"(\d{1,3})(?:\.0+)?\s*%?")
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}")
_UPC = re.compile(r"\d{8,14}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def header_key(name: str) -> str:
    """A header cell compared by meaning: `Net_Revenue ` and `net revenue` are the same."""
    return rowbook.text_key(name.strip().strip('"').replace("_", " "))


@dataclass(frozen=True)
class SalesHeader:
    """A recognised header: field -> column index, plus the cells no alias knows."""

    cells: tuple[str, ...]
    columns: dict[str, int]
    extras: tuple[str, ...]

    def has(self, name: str) -> bool:
        return name in self.columns


def map_header(cells: list[str]) -> SalesHeader:
    """Which column carries which meaning; unknown or second-best columns become extras."""
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(cells):
        known = _ALIAS_RANK.get(header_key(cell))
        if known is None:
            continue
        name, rank = known
        if name not in best or rank < best[name][0]:
            best[name] = (rank, index)
    columns = {name: index for name, (_rank, index) in best.items()}
    used = set(columns.values())
    # A blank cell is a trailing delimiter at the end of the header, not a new column.
    extras = tuple(cell for index, cell in enumerate(cells) if index not in used and cell.strip())
    return SalesHeader(tuple(cells), columns, extras)


def missing_fields(header: SalesHeader) -> list[tuple[str, ...]]:
    return [group for group in REQUIRED_FIELDS if not any(header.has(name) for name in group)]


def sniff_sales_header(line: str) -> bool:
    """A TooLost sales-report header, never a DistroKid statement header (columns overlap):
    every required meaning and one TooLost-only meaning, or all but one required meaning and
    two TooLost-only meanings (the parser then rejects it, naming what is missing)."""
    if match_distrokid_header(line) is not None:
        return False
    cells = _split_header(line, _delimiter(line))
    header = map_header(cells)
    toolost_only = sum(header.has(name) for name in TOOLOST_ONLY_FIELDS)
    missing = len(missing_fields(header))
    if missing == 0:
        return toolost_only >= 1
    return missing <= MAX_MISSING_WHEN_SNIFFED and toolost_only >= TOOLOST_ONLY_WHEN_INCOMPLETE


def header_mismatch_message(cells: list[str], header: SalesHeader) -> str:
    """Names the missing meanings, every header found, and the spellings each meaning accepts."""
    missing = ", ".join(_named(group) for group in missing_fields(header))
    found = ", ".join(shown(cell) for cell in cells[:40]) or "none"
    required = "; ".join(
        f"{_named(group)} ({', '.join(repr(alias) for alias in _aliases(group))})"
        for group in REQUIRED_FIELDS
    )
    return (
        f"header is not a TooLost sales report; missing: {missing}; headers found: {found}; "
        f"required: {required}"
    )


def _named(group: tuple[str, ...]) -> str:
    return " or ".join(name.replace("_", " ") for name in group)


def _aliases(group: tuple[str, ...]) -> list[str]:
    return [
        alias
        for name in group
        for entry in HEADER_ALIASES
        if entry.field == name
        for alias in entry.aliases
    ]


@dataclass
class _Lines:
    """The kept lines as columns, appended one line at a time."""

    values: dict[str, list[object]] = field(
        default_factory=lambda: {column.name: [] for column in STATEMENT_LINES.schema}
    )
    discarded: dict[str, int] = field(default_factory=dict)

    def append(self, line: dict[str, object]) -> None:
        for name, column in self.values.items():
            column.append(line.get(name))

    def discard(self, what: str) -> None:
        self.discarded[what] = self.discarded.get(what, 0) + 1

    @property
    def count(self) -> int:
        return len(self.values["line_number"])


def parse_sales_report(
    path: Path, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed statement lines of one sales report, or FileRejected naming why it cannot load."""
    scan = scan_text_file(path)
    text = path.read_bytes().decode(scan.encoding, errors="replace")
    first = text.splitlines()[0] if text else ""
    _refuse_distrokid_statement(first)
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    book = RowBook()
    lines = _Lines()
    try:
        cells = next(reader, [])
        header = map_header(cells)
        if missing_fields(header):
            raise FileRejected(header_mismatch_message(cells, header))
        _read_lines(reader, delimiter, header, book, lines)
    except csv.Error as error:
        raise FileRejected(f"line {reader.line_num} cannot be read as CSV: {error}") from None
    book.check_share(max_rejected_fraction)
    return _parsed(scan, delimiter, header, book, lines)


def _refuse_distrokid_statement(header_line: str) -> None:
    """A DistroKid statement forced in as TooLost would book its revenue to the wrong
    distributor: its header carries every required meaning, so it is refused by layout."""
    match = match_distrokid_header(header_line)
    if match is not None:
        raise FileRejected(
            f"header is a DistroKid bank statement ({match.schema.schema_id}), "
            "not a TooLost sales report; pass --source distrokid"
        )


class _CsvReader(Protocol):
    """What `csv.reader` returns, as far as this module uses it."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


def _read_lines(
    reader: _CsvReader, delimiter: str, header: SalesHeader, book: RowBook, lines: _Lines
) -> None:
    width = len(header.cells)
    last_line = reader.line_num
    for cells in reader:
        row, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        book.count()
        raw_line = _raw(cells, delimiter)
        try:
            fitted = _fitted(cells, width)
            lines.append({**_line(fitted, header, lines), "line_number": row})
        except RowInvalid as invalid:
            book.reject(
                row=row,
                column=invalid.column,
                code=invalid.code,
                message=invalid.message,
                raw_line=raw_line,
            )


def _fitted(cells: list[str], width: int) -> list[str]:
    """The line's cells; empty cells past the header (a trailing delimiter) are dropped."""
    if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
        return cells[:width]
    if len(cells) != width:
        message = f"expected {width} fields, found {len(cells)}"
        raise RowInvalid("*", RAGGED_ROW, message)
    return cells


def _line(cells: list[str], header: SalesHeader, lines: _Lines) -> dict[str, object]:
    """One report line as statement_lines values; a bad required value rejects the line."""
    cell = _Cells(cells, header)
    line: dict[str, object] = {
        "distributor": DISTRIBUTOR,
        "schema_id": SCHEMA_ID,
        "reporting_date": cell.day("reporting_date", is_required=True),
        "accounting_date": cell.day("accounting_date", is_required=False),
        "sale_month": _sale_month(cell),
        "quantity": cell.count("quantity"),
        "earnings_usd": _earnings(cell),
        "team_percentage": cell.percentage("team_percentage"),
        "original_currency": _currency(cell.text("original_currency")),
    }
    for name in TEXT_LIMITS:
        line[name] = cell.text(name, is_required=name in ("store", "title"))
    line["isrc"] = _checked(cell.text("isrc"), _normalised_isrc, _ISRC, "isrc", lines)
    line["upc"] = _checked(cell.text("upc"), str.strip, _UPC, "upc", lines)
    line["country_code"] = _checked(
        cell.text("country_code"), str.upper, _COUNTRY, "country", lines
    )
    return line


@dataclass(frozen=True)
class _Cells:
    """The cells of one line, read by meaning."""

    cells: list[str]
    header: SalesHeader

    def column(self, name: str) -> str:
        return self.header.cells[self.header.columns[name]].strip()

    def raw(self, name: str) -> str:
        index = self.header.columns.get(name)
        return self.cells[index].strip() if index is not None else ""

    def text(self, name: str, *, is_required: bool = False) -> str | None:
        value = self.raw(name)
        if not value:
            if is_required:
                raise RowInvalid(self.column(name), rowbook.MISSING_VALUE, "is empty")
            return None
        limit = TEXT_LIMITS.get(name)
        if limit is not None and len(value) > limit:
            message = f"{self.column(name)} is longer than {limit} characters"
            raise RowInvalid(self.column(name), TOO_LONG, message)
        return value

    def day(self, name: str, *, is_required: bool) -> date | None:
        value = self.raw(name)
        if not value:
            if is_required:
                raise RowInvalid(self.column(name), rowbook.MISSING_VALUE, "is empty")
            return None
        match = _DATE.fullmatch(value)
        parsed = _date_or_none(*(int(part) for part in match.groups())) if match else None
        if parsed is None:
            message = f"{self.column(name)} {shown(value)} is not a YYYY-MM-DD date"
            raise RowInvalid(self.column(name), rowbook.INVALID_DATE, message)
        return parsed

    def month(self, name: str) -> date | None:
        value = self.raw(name)
        if not value:
            return None
        for pattern in _MONTHS:
            match = pattern.fullmatch(value)
            parsed = _date_or_none(int(match["year"]), int(match["month"]), 1) if match else None
            if parsed is not None:
                return parsed
        message = f"{self.column(name)} {shown(value)} is not a YYYY-MM month"
        raise RowInvalid(self.column(name), rowbook.INVALID_DATE, message)

    def count(self, name: str) -> int:
        count = rowbook.parse_count(self.raw(name), self.column(name))
        if count is None:
            raise RowInvalid(self.column(name), rowbook.MISSING_VALUE, "is empty")
        return count

    def amount(self, name: str) -> Decimal | None:
        # "$1,234.50" and "-$0.25" as a spreadsheet may write them.
        value = self.raw(name).replace("$", "", 1).strip()
        if not value:
            return None
        if _GROUPED_AMOUNT.fullmatch(value):
            value = value.replace(",", "")
        amount = exact_amount(value)
        if amount is None:
            message = f"{self.column(name)} {shown(value)} is not a decimal amount"
            raise RowInvalid(self.column(name), rowbook.INVALID_NUMBER, message)
        return amount

    def percentage(self, name: str) -> int | None:
        value = self.raw(name)
        if not value:
            return None
        match = _PERCENT.fullmatch(value)
        if match is None or int(match.group(1)) > 100:
            message = f"{self.column(name)} {shown(value)} is not a whole percentage 0-100"
            raise RowInvalid(self.column(name), INVALID_PERCENTAGE, message)
        return int(match.group(1))


def _sale_month(cell: _Cells) -> date:
    """The sale month column, else the month of the sale date."""
    month = cell.month("sale_month") if cell.header.has("sale_month") else None
    if month is None and cell.header.has("sale_date"):
        day = cell.day("sale_date", is_required=False)
        month = day.replace(day=1) if day else None
    if month is None:
        column = cell.column("sale_month" if cell.header.has("sale_month") else "sale_date")
        raise RowInvalid(column, rowbook.MISSING_VALUE, "is empty")
    return month


def _earnings(cell: _Cells) -> Decimal:
    """Net revenue when the report has it; else revenue minus the revenue fee (when given)."""
    name = "net_revenue" if cell.header.has("net_revenue") else "revenue"
    amount = cell.amount(name)
    if amount is None:
        raise RowInvalid(cell.column(name), rowbook.MISSING_VALUE, "is empty")
    if name == "revenue" and cell.header.has("revenue_fee"):
        amount -= cell.amount("revenue_fee") or Decimal(0)
    return amount


def _currency(value: str | None) -> str | None:
    return value.upper() if value and len(value) == 3 and value.isalpha() else value


def _normalised_isrc(value: str) -> str:
    return value.replace("-", "").replace(" ", "").upper()


def _checked(
    value: str | None,
    normalise: Callable[[str], str],
    pattern: re.Pattern[str],
    what: str,
    lines: _Lines,
) -> str | None:
    """A normalised identifier, or None with a count for the file's warnings: the line keeps
    its money even when an id is malformed (SPEC 3.3 row warning)."""
    if value is None:
        return None
    normalised = normalise(value)
    if pattern.fullmatch(normalised):
        return normalised
    lines.discard(what)
    return None


def _date_or_none(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2999:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _delimiter(line: str) -> str:
    """The header's separator: whichever of comma, semicolon and TAB it has most of."""
    counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _split_header(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]


def _raw(cells: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(cells)
    return buffer.getvalue()[: rowbook.RAW_LINE_MAX_CHARS]


def _parsed(
    scan: TextScan, delimiter: str, header: SalesHeader, book: RowBook, lines: _Lines
) -> ParsedFile:
    tables = {STATEMENT_LINES.name: _table(lines)} if lines.count else {}
    warnings = []
    if header.extras:
        names = ",".join(ascii(name) for name in header.extras)
        warnings.append(f"schema_changed schema={SCHEMA_ID} new_columns={names}")
    for what, count in sorted(lines.discarded.items()):
        warnings.append(f"{what}_discarded count={count}")
    if not header.has("net_revenue") and header.has("revenue_fee"):
        warnings.append("earnings_computed as=revenue_minus_revenue_fee")
    logger.info(
        "toolost_sales_report_parsed rows_in=%s rows_out=%s rejected=%s",
        book.rows_in,
        lines.count,
        len(book.rejections),
    )
    return ParsedFile(
        kind=KIND_SALES_REPORT,
        schema_id=SCHEMA_ID,
        tables=tables,
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding=scan.encoding,
        delimiter=delimiter,
        line_ending=scan.line_ending,
        warnings=warnings,
        unknown_columns=list(header.extras),
    )


def _table(lines: _Lines) -> pa.Table:
    """The kept lines with their fingerprint and occurrence (SPEC 3.5, DistroKid's recipe)."""
    partial = pa.table(lines.values, schema=STATEMENT_LINES.schema)
    column = partial.column
    texts = identity.identity_text(
        reporting_date=column("reporting_date").combine_chunks(),
        sale_month=column("sale_month").combine_chunks(),
        store=column("store").combine_chunks(),
        artist=column("artist_name").combine_chunks(),
        title=column("title").combine_chunks(),
        isrc=column("isrc").combine_chunks(),
        upc=column("upc").combine_chunks(),
        country=column("country_code").combine_chunks(),
        quantity=column("quantity").combine_chunks(),
        earnings=column("earnings_usd").combine_chunks(),
        team_percentage=column("team_percentage").combine_chunks(),
        source_type=column("source_type").combine_chunks(),
    )
    packed = identity.digests(texts)
    computed = {
        "line_fingerprint": identity.hex_digests(packed),
        "occurrence": pa.array(identity.occurrences(packed), pa.int32()),
    }
    arrays = [
        computed.get(name, partial.column(name).combine_chunks())
        for name in STATEMENT_LINES.schema.names
    ]
    return pa.Table.from_arrays(arrays, schema=STATEMENT_LINES.schema)
