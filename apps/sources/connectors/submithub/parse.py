"""Parse a SubmitHub campaign export (SPEC 2.10, provisional) into `submithub_submissions`.

The layout is a guess held in `aliases.py`: a file whose header does not carry the required
fields is rejected with a message listing the headers it has and the ones required, so a real
sample replaces the guess by adding aliases. `submission_key` is the export's own id when it
has one, else a stable hash of (date, artist, track, outlet, curator) after `text_key`
normalisation, so the same submission exported twice is stored once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.exporttext import (
    DELIMITERS,
    Record,
    amount_of,
    date_of,
    decimal_of,
    decode_export,
    first_records,
    is_scientific,
    line_ending_of,
    split_records,
)
from apps.sources.connectors.rowbook import (
    INVALID_NUMBER,
    INVALID_VALUE,
    MAX_REJECTED_FRACTION,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    RowBook,
    RowInvalid,
    parse_count,
    shown,
    text_key,
)
from apps.sources.connectors.submithub.aliases import (
    KIND_SUBMISSIONS,
    STATUS_BY_WORD,
    STATUS_VALUES,
    HeaderMatch,
    header_mismatch,
    is_link_analytics,
    match_submissions,
)
from apps.sources.datasets_channels import SUBMITHUB_SUBMISSIONS, SUBMITHUB_SUBMISSIONS_SCHEMA

logger = logging.getLogger(__name__)

SCHEMA_ID = "submithub_submissions_provisional_v1"
# SubmitHub is one account (SPEC 2.10): without --account its files carry the landing's "_".
DEFAULT_ACCOUNT = "_"
# The header is the first non-blank record, or the second below a title line.
HEADER_SEARCH_RECORDS = 5
WHAT = "a SubmitHub CSV export"
# Credits as CREDITS holds them (decimal128(18, 4)).
MAX_CREDIT_PLACES = 4
MAX_CREDIT_INTEGER_DIGITS = 14
LINK_ANALYTICS_NOT_SUPPORTED = (
    "SubmitHub link analytics (artist, track, utm_*, opened, clicked) is not supported yet: "
    "no real export of it has been seen, so nothing is loaded from it"
)
_SCHEMAS = {SUBMITHUB_SUBMISSIONS: SUBMITHUB_SUBMISSIONS_SCHEMA}


@dataclass(frozen=True)
class FoundHeader:
    """Where the header is and what it is: a submissions header, link analytics, or neither."""

    delimiter: str
    index: int
    cells: tuple[str, ...]
    submissions: HeaderMatch | None
    is_link_analytics: bool


def parse_submithub(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed submissions of one export, or FileRejected naming why it cannot load."""
    text, encoding = decode_export(payload.path.read_bytes(), what=WHAT)
    found = find_header(text)
    if found.is_link_analytics:
        headers = ", ".join(shown(cell.strip()) for cell in found.cells if cell.strip())
        raise FileRejected(f"{LINK_ANALYTICS_NOT_SUPPORTED}; headers found: {headers}")
    if found.submissions is None:
        raise FileRejected(header_mismatch(found.cells))
    header = Header(match=found.submissions, texts=found.cells)
    book = RowBook()
    warnings: list[str] = []
    for record in split_records(text, found.delimiter)[found.index + 1 :]:
        _read_record(book, record, header, warnings)
    book.check_share(max_rejected_fraction)
    if header.match.ignored:
        names = ",".join(shown(name) for name in header.match.ignored[:20])
        warnings.append(f"columns_ignored names={names}")
    logger.info("submithub_file_parsed rows_in=%s rejected=%s", book.rows_in, len(book.rejections))
    return ParsedFile(
        kind=KIND_SUBMISSIONS,
        schema_id=SCHEMA_ID,
        tables=book.tables(_SCHEMAS),
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding=encoding,
        delimiter=found.delimiter,
        line_ending=line_ending_of(text),
        warnings=warnings,
        account=payload.account.strip().lower() or DEFAULT_ACCOUNT,
        captured_at=payload.captured_at,
    )


def find_header(text: str) -> FoundHeader:
    """The first header the alias tables recognise, else the first non-blank line as found."""
    fallback: FoundHeader | None = None
    for delimiter in DELIMITERS:
        for index, record in enumerate(first_records(text, delimiter, HEADER_SEARCH_RECORDS)):
            if record.is_blank:
                continue
            match = match_submissions(record.cells)
            is_links = match is None and is_link_analytics(record.cells)
            if match is not None or is_links:
                return FoundHeader(delimiter, index, record.cells, match, is_links)
            if fallback is None or len(record.cells) > len(fallback.cells):
                fallback = FoundHeader(delimiter, index, record.cells, None, False)
    return fallback or FoundHeader(",", 0, (), None, False)


@dataclass(frozen=True)
class Header:
    match: HeaderMatch
    texts: tuple[str, ...]

    def cell(self, record: Record, field: str) -> tuple[str, str]:
        """(the record's cell for `field`, the header text naming it); "" when absent."""
        position = self.match.positions.get(field)
        if position is None:
            return "", field
        return record.cell(position), self.texts[position].strip() or field


def _read_record(book: RowBook, record: Record, header: Header, warnings: list[str]) -> None:
    if record.is_blank:
        return
    book.count()
    try:
        row = typed_row(record, header, warnings)
    except RowInvalid as invalid:
        book.reject(
            row=record.line,
            column=invalid.column,
            code=invalid.code,
            message=invalid.message,
            raw_line=record.raw_line,
        )
        return
    key = (row["submission_key"],)
    book.keep(SUBMITHUB_SUBMISSIONS, key, row, row=record.line, raw_line=record.raw_line)


def typed_row(record: Record, header: Header, warnings: list[str]) -> dict[str, object]:
    submitted_on = date_of(*header.cell(record, "submitted_on"))
    if submitted_on is None:
        raise RowInvalid(header.cell(record, "submitted_on")[1], MISSING_VALUE, "date is missing")
    row: dict[str, object] = {
        "submitted_on": submitted_on,
        "artist_name": _required_text(*header.cell(record, "artist_name")),
        "track_title": _required_text(*header.cell(record, "track_title")),
        "outlet": _required_text(*header.cell(record, "outlet")),
        "curator": _optional_text(header.cell(record, "curator")[0]),
        "outlet_type": _optional_text(header.cell(record, "outlet_type")[0]),
        "status": normalised_status(*header.cell(record, "status")),
        "feedback": _optional_text(header.cell(record, "feedback")[0]),
        "listens": parse_count(*header.cell(record, "listens")),
        "shares": parse_count(*header.cell(record, "shares")),
        "clicks": parse_count(*header.cell(record, "clicks")),
        "cost_credits": credits_of(*header.cell(record, "cost_credits")),
        "cost_usd": amount_of(*header.cell(record, "cost_usd")),
    }
    row["submission_key"] = _submission_key(record, header, row, warnings)
    return row


def _required_text(text: str, column: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise RowInvalid(column, MISSING_VALUE, f"{column} is missing")
    return cleaned


def _optional_text(text: str) -> str | None:
    return text.strip() or None


def normalised_status(text: str, column: str) -> str:
    """`pending`, `approved`, `declined` or `expired`, from the words the status table knows."""
    word = text_key(text)
    if not word:
        raise RowInvalid(column, MISSING_VALUE, f"{column} is missing")
    status = STATUS_BY_WORD.get(word)
    if status is None:
        known = ", ".join(STATUS_VALUES)
        message = f"{column} {shown(text.strip())} is not a known status ({known})"
        raise RowInvalid(column, INVALID_VALUE, message)
    return status


def credits_of(text: str, column: str) -> Decimal | None:
    value = decimal_of(text, column)
    if value is None:
        return None
    if value < 0:
        raise RowInvalid(column, NEGATIVE_COUNT, f"{column} {shown(text)} is negative")
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > MAX_CREDIT_PLACES or value.adjusted() >= MAX_CREDIT_INTEGER_DIGITS:
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(text)} is out of range")
    return value


def _submission_key(
    record: Record, header: Header, row: dict[str, object], warnings: list[str]
) -> str:
    """The export's id, else a hash of the submission's identity (SPEC 2.10)."""
    given, column = header.cell(record, "submission_id")
    given = given.strip()
    if given and is_scientific(given):
        # The id lost digits in a spreadsheet: discarded, and the names decide (SPEC conventions).
        warnings.append(f"id_lost_precision row={record.line} column={shown(column)}")
    elif given:
        return given
    return submission_hash(row)


def submission_hash(row: dict[str, object]) -> str:
    """sha256 over the normalised date, artist, track, outlet and curator."""
    submitted_on = row["submitted_on"]
    parts = [
        submitted_on.isoformat() if isinstance(submitted_on, date) else "",
        *(text_key(str(row[name] or "")) for name in ("artist_name", "track_title", "outlet")),
        text_key(str(row["curator"] or "")),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
