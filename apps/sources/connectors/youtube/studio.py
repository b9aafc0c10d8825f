"""Parse a YouTube Studio export zip (SPEC 2.7) into `youtube_video_snapshots` and the channel's
daily views in `youtube_daily`.

The zip holds `Table data.csv` (one row per video over the export's period), `Totals.csv` (the
channel's views per day, read by `studio_totals`) and the provisional `Chart data.csv`, which is
not loaded. Totals.csv, else the arrival name, else Chart data.csv gives the period. Every limit
of the archive is checked before extraction (R13).

`Table data.csv` may be UTF-8 or UTF-16 with preamble lines, so the header is searched for by
its text. Its first data row, `Total`, is the control total: it is recorded as an expected
rejection (not loaded), and each additive column of the video rows must add up to it, or the
file is quarantined naming both numbers (SPEC 3.3).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.exporttext import (
    DELIMITERS,
    Record,
    decode_export,
    first_records,
    line_ending_of,
    split_records,
)
from apps.sources.connectors.rowbook import (
    DUPLICATE_KEY,
    INVALID_VALUE,
    MAX_REJECTED_FRACTION,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    shown,
    text_key,
)
from apps.sources.connectors.youtube import studio_values as values
from apps.sources.connectors.youtube.archive import ZipContents, read_zip
from apps.sources.connectors.youtube.channels import resolve_channel
from apps.sources.connectors.youtube.studio_headers import (
    ADDITIVE_FIELDS,
    TOTAL_LABEL,
    TableHeader,
    date_position,
    match_table_header,
    table_header_mismatch,
)
from apps.sources.connectors.youtube.studio_totals import read_daily_views
from apps.sources.datasets_channels import (
    YOUTUBE_DAILY,
    YOUTUBE_DAILY_SCHEMA,
    YOUTUBE_VIDEO_SNAPSHOTS,
    YOUTUBE_VIDEO_SNAPSHOTS_SCHEMA,
)

logger = logging.getLogger(__name__)

KIND_STUDIO_ZIP = "studio_zip"
SCHEMA_ID = "youtube_studio_table_v1"
TABLE_DATA = "table data.csv"
CHART_DATA = "chart data.csv"
TOTALS = "totals.csv"
WANTED_ENTRIES = frozenset({TABLE_DATA, CHART_DATA, TOTALS})
# Preamble lines (channel name, period, a blank line) come before the header in re-saved files.
HEADER_SEARCH_RECORDS = 30
CONTROL_TOTAL_ROW = "control_total_row"
RAGGED_ROW = "ragged_row"
# Studio names its zip `Content 2024-03-01_2024-03-31 <channel>.zip`.
_NAME_PERIOD = re.compile(r"(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})")
_SCHEMAS = {
    YOUTUBE_VIDEO_SNAPSHOTS: YOUTUBE_VIDEO_SNAPSHOTS_SCHEMA,
    YOUTUBE_DAILY: YOUTUBE_DAILY_SCHEMA,
}
# Staged rows in a stable order: videos by id, days by date.
_SORT_COLUMNS = {YOUTUBE_VIDEO_SNAPSHOTS: "video_id", YOUTUBE_DAILY: "date"}


@dataclass(frozen=True)
class StudioTable:
    """`Table data.csv`: its header and the records after it."""

    header: TableHeader
    records: list[Record]
    encoding: str
    delimiter: str
    line_ending: str


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    origin: str


@dataclass(frozen=True)
class Context:
    channel: str
    period: Period
    header: TableHeader


@dataclass
class Control:
    """The `Total` row's figures and, per additive column, the video rows' values."""

    total_line: int | None = None
    totals: dict[str, Decimal] = field(default_factory=dict)
    summed: dict[str, list[Decimal]] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)


def parse_studio_zip(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed per-video rows of one Studio export, or FileRejected naming why not."""
    contents = read_zip(payload.path, WANTED_ENTRIES)
    entry = contents.entries.get(TABLE_DATA)
    if entry is None:
        found = ", ".join(shown(name) for name in contents.other_names) or "none"
        raise FileRejected(f"Studio export has no 'Table data.csv'; entries found: {found}")
    channel = resolve_channel(given=payload.account, named_ids=[])
    table = read_table_data(entry[1])
    period, warnings = export_period(contents, payload.original_name)
    context = Context(channel=channel, period=period, header=table.header)
    book = RowBook()
    control = _read_records(book, table, context)
    _check_control_total(control, table.header)
    totals = contents.entries.get(TOTALS)
    if totals is not None:
        warnings += read_daily_views(book, totals[1], channel)
    book.check_share(max_rejected_fraction)
    warnings += _header_notes(table.header, control)
    logger.info("youtube_studio_parsed rows_in=%s rejected=%s", book.rows_in, len(book.rejections))
    return ParsedFile(
        kind=KIND_STUDIO_ZIP,
        schema_id=SCHEMA_ID,
        tables={name: t.sort_by(_SORT_COLUMNS[name]) for name, t in book.tables(_SCHEMAS).items()},
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding=table.encoding,
        delimiter=table.delimiter,
        line_ending=table.line_ending,
        warnings=warnings,
        account=channel,
        captured_at=payload.captured_at,
        unknown_columns=list(table.header.unknown),
    )


def read_table_data(content: bytes) -> StudioTable:
    """The header (searched for by its text, past any preamble) and the records below it."""
    text, encoding = decode_export(content, what="a Studio Table data.csv")
    for delimiter in DELIMITERS:
        for index, record in enumerate(first_records(text, delimiter, HEADER_SEARCH_RECORDS)):
            header = match_table_header(record.cells)
            if header is not None:
                records = split_records(text, delimiter)
                return StudioTable(
                    header=header,
                    records=records[index + 1 :],
                    encoding=encoding,
                    delimiter=delimiter,
                    line_ending=line_ending_of(text),
                )
    raise FileRejected(table_header_mismatch(_first_line_cells(text)))


def _first_line_cells(text: str) -> tuple[str, ...]:
    """The first non-blank record, split by whichever delimiter gives it the most cells."""
    candidates = [
        next((r.cells for r in first_records(text, delimiter, 5) if not r.is_blank), ())
        for delimiter in DELIMITERS
    ]
    return max(candidates, key=len)


def export_period(contents: ZipContents, original_name: str) -> tuple[Period, list[str]]:
    """The period the export covers: Totals.csv dates, else the zip's name, else Chart data."""
    notes: list[str] = []
    totals = contents.entries.get(TOTALS)
    if totals is not None:
        found = entry_dates(totals[1], "Totals.csv", notes)
        if found:
            return Period(min(found), max(found), "Totals.csv"), notes
    named = _named_period(original_name)
    if named is not None:
        return named, notes
    chart = contents.entries.get(CHART_DATA)
    if chart is not None:
        found = entry_dates(chart[1], "Chart data.csv", notes)
        if found:
            return Period(min(found), max(found), "Chart data.csv"), notes
    raise FileRejected(
        "period of the Studio export unknown: no dates in Totals.csv or Chart data.csv and no "
        "YYYY-MM-DD_YYYY-MM-DD in the file name"
    )


def entry_dates(content: bytes, what: str, notes: list[str]) -> list[date]:
    """Every readable date of the entry's date column; unreadable parts become notes."""
    try:
        text, _ = decode_export(content, what=what)
    except FileRejected as rejection:
        name = what.replace(" ", "_")
        notes.append(f"entry_unreadable name={name} reason={shown(rejection.message)}")
        return []
    for delimiter in DELIMITERS:
        for index, record in enumerate(first_records(text, delimiter, HEADER_SEARCH_RECORDS)):
            position = date_position(record.cells)
            if position is not None:
                return _dates_below(text, delimiter, index, position)
    headers = ",".join(shown(cell) for cell in _first_line_cells(text))
    notes.append(f"header_not_recognised name={what.replace(' ', '_')} headers={headers}")
    return []


def _dates_below(text: str, delimiter: str, index: int, position: int) -> list[date]:
    try:
        records = split_records(text, delimiter)[index + 1 :]
    except FileRejected:
        return []
    found: list[date] = []
    for record in records:
        try:
            day = values.date_of(record.cell(position), "date")
        except RowInvalid:
            continue
        if day is not None:
            found.append(day)
    return found


def _named_period(original_name: str) -> Period | None:
    match = _NAME_PERIOD.search(original_name)
    if match is None:
        return None
    try:
        start, end = (date.fromisoformat(part) for part in match.groups())
    except ValueError:
        return None
    return Period(start, end, "file name") if start <= end else None


def _read_records(book: RowBook, table: StudioTable, context: Context) -> Control:
    control = Control()
    seen: dict[str, int] = {}
    id_position = table.header.positions["video_id"]
    for record in table.records:
        if record.is_blank:
            continue
        book.count()
        if text_key(record.cell(id_position)) == TOTAL_LABEL:
            _take_control(book, control, record, table.header)
            continue
        # Every video row counts towards the control total, kept or not: the Total checks the
        # export as a whole, while rejected rows are judged by the rejected-row share.
        _add_to_sums(control, record, table.header)
        try:
            row = _typed_row(record, context)
            _check_repeat(seen, row)
        except RowInvalid as invalid:
            book.reject(
                row=record.line,
                column=invalid.column,
                code=invalid.code,
                message=invalid.message,
                raw_line=record.raw_line,
            )
            continue
        seen[str(row["video_id"])] = record.line
        key = (context.channel, row["video_id"], context.period.start, context.period.end)
        book.keep(YOUTUBE_VIDEO_SNAPSHOTS, key, row, row=record.line, raw_line=record.raw_line)
    return control


def _check_repeat(seen: dict[str, int], row: dict[str, object]) -> None:
    video_id = str(row["video_id"])
    if video_id in seen:
        message = f"video {shown(video_id)} was already given on row {seen[video_id]}"
        raise RowInvalid("*", DUPLICATE_KEY, message)


def _typed_row(record: Record, context: Context) -> dict[str, object]:
    header = context.header
    if len(record.cells) > len(header.texts) and any(
        cell.strip() for cell in record.cells[len(header.texts) :]
    ):
        message = f"row has {len(record.cells)} cells for {len(header.texts)} headers"
        raise RowInvalid("*", RAGGED_ROW, message)

    def cell(name: str) -> tuple[str, str]:
        if name not in header.positions:
            return "", name
        return record.cell(header.positions[name]), header.label(name)

    return {
        "channel": context.channel,
        "video_id": _video_id(*cell("video_id")),
        "period_start": context.period.start,
        "period_end": context.period.end,
        "title": cell("title")[0].strip() or None,
        "published_on": values.date_of(*cell("published_on")),
        "duration_s": values.duration_of(*cell("duration_s")),
        "views": values.count_of(*cell("views")),
        "watch_time_hours": values.hours_of(*cell("watch_time_hours")),
        "subscribers": values.signed_of(*cell("subscribers")),
        "impressions": values.count_of(*cell("impressions")),
        "impressions_ctr": values.percent_fraction_of(*cell("impressions_ctr")),
        "estimated_revenue_usd": values.amount_of(*cell("estimated_revenue_usd")),
    }


def _video_id(text: str, column: str) -> str:
    """`Content` is the video id, text at every stage; a number Excel shortened is lost."""
    cleaned = text.strip()
    if not cleaned:
        raise RowInvalid(column, MISSING_VALUE, f"{column} (video id) is missing")
    if values.is_scientific(cleaned):
        message = f"{column} {shown(cleaned)} is in scientific notation: the id lost digits"
        raise RowInvalid(column, values.ID_LOST_PRECISION, message)
    if any(character.isspace() for character in cleaned):
        raise RowInvalid(column, INVALID_VALUE, f"{column} {shown(cleaned)} is not a video id")
    return cleaned


def _take_control(book: RowBook, control: Control, record: Record, header: TableHeader) -> None:
    if control.total_line is not None:
        raise FileRejected(
            f"Table data.csv has two Total rows (lines {control.total_line} and {record.line})"
        )
    control.total_line = record.line
    for name in ADDITIVE_FIELDS:
        if name not in header.positions:
            continue
        text = record.cell(header.positions[name])
        try:
            total = values.decimal_of(text, header.label(name))
        except RowInvalid:
            label = shown(header.label(name))
            raise FileRejected(
                f"Total row (line {record.line}) {label} {shown(text)} is unreadable"
            ) from None
        if total is not None:
            control.totals[name] = total
    book.reject(
        row=record.line,
        column="*",
        code=CONTROL_TOTAL_ROW,
        message="Total row: the control total, not loaded",
        raw_line=record.raw_line,
        is_expected=True,
    )


def _add_to_sums(control: Control, record: Record, header: TableHeader) -> None:
    for name in ADDITIVE_FIELDS:
        if name not in header.positions:
            continue
        try:
            value = values.decimal_of(record.cell(header.positions[name]), name)
        except RowInvalid:
            # Unreadable here means unreadable in the row too: the row is rejected, and the
            # sum check below says how many values it could not add.
            control.unreadable[name] = control.unreadable.get(name, 0) + 1
            continue
        if value is not None:
            control.summed.setdefault(name, []).append(value)


def _check_control_total(control: Control, header: TableHeader) -> None:
    """Each additive column of the video rows must add up to the Total row (SPEC 3.3)."""
    for name, total in control.totals.items():
        parts = control.summed.get(name, [])
        summed = sum(parts, Decimal(0))
        if abs(summed - total) <= _rounding_allowance([total, *parts]):
            continue
        unreadable = control.unreadable.get(name, 0)
        note = f" ({unreadable} unreadable values not added)" if unreadable else ""
        raise FileRejected(
            f"control total mismatch in Table data.csv: Total row {shown(header.label(name))} "
            f"is {total}, the video rows sum to {summed}{note}"
        )


def _rounding_allowance(numbers: list[Decimal]) -> Decimal:
    """Whole numbers must match exactly; rounded decimals may each be off by half a unit."""
    places = max((_places(number) for number in numbers), default=0)
    if places == 0:
        return Decimal(0)
    return len(numbers) * Decimal(5).scaleb(-(places + 1))


def _places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _header_notes(header: TableHeader, control: Control) -> list[str]:
    notes: list[str] = []
    if header.unknown:
        names = ",".join(shown(name) for name in header.unknown[:20])
        notes.append(f"columns_ignored names={names}")
    if control.total_line is None:
        notes.append("control_total_missing no Total row to check the sums against")
    return notes
