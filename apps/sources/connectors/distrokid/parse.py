"""Parse a DistroKid bank statement (all three layouts) into typed `statement_lines`, vectorised.

pyarrow reads the file in blocks, every column as text and all but the earnings dictionary-encoded;
each block is checked and converted with pyarrow compute and numpy, once per distinct value of a
column (columns.Distinct), so the cost per line is a few array operations, not Python code.
Line numbers are physical (the header is line 1; CR, LF and CRLF each end a line): a row's
number is its position among the file's records, counting the lines pyarrow sets aside (wrong
field count, whitespace-only). Only a quoted value holding a line break, which DistroKid never
writes, would make later numbers count records instead of lines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from apps.sources.connectors.base import SNIFF_HEAD_BYTES, FileRejected, ParsedFile, RowError
from apps.sources.connectors.distrokid import columns, identity
from apps.sources.connectors.distrokid.schemas import (
    HEADER_COLUMNS,
    KIND_BANK_STATEMENT,
    HeaderMatch,
    StatementSchema,
    header_mismatch_message,
    match_header,
)
from apps.sources.connectors.distrokid.textfile import TextScan, first_line, scan_text_file
from apps.sources.datasets import STATEMENT_LINES

logger = logging.getLogger(__name__)

DISTRIBUTOR = "distrokid"

# More than this share of rejected rows quarantines the whole file (SPEC 3.3; editable per source).
MAX_REJECTED_FRACTION = 0.05

# Block pyarrow parses at a time: about 12k current-layout lines. Measured on 1M lines: 1 MiB
# costs 30 % more time (Python overhead per block), 4 MiB 25 MB more memory (blocks in flight).
READ_BLOCK_BYTES = 2 << 20

# Columns with a different value on nearly every line, read as plain text; every other column is
# read dictionary-encoded (see columns.Distinct).
DISTINCT_PER_LINE = frozenset({"earnings_usd"})
_DICTIONARY_TEXT = pa.dictionary(pa.int32(), pa.string())

# A garbage "line" can be megabytes long; staging needs enough to recognise it, not all of it.
RAW_LINE_MAX_CHARS = 2000

# How many rejected rows a whole-file rejection message quotes.
REJECTIONS_QUOTED = 3

# Column of a rejection that concerns the whole row (wrong number of fields).
WHOLE_ROW = "*"

# The statement_lines columns computed once the whole file is read.
_FILE_LEVEL_COLUMNS = ("line_fingerprint", "occurrence", "line_number")
_BATCH_SCHEMA = pa.schema(
    [column for column in STATEMENT_LINES.schema if column.name not in _FILE_LEVEL_COLUMNS]
)


@dataclass(frozen=True)
class _PendingError:
    """A rejection found in a block, before its line number is known."""

    index: int
    column: str
    code: str
    message: str
    raw_line: str


@dataclass
class _Progress:
    """Everything kept across blocks; details stop once the file is certainly quarantined."""

    detail_limit: int
    records: int = 0
    rejected: int = 0
    batches: list[pa.RecordBatch] = field(default_factory=list)
    kept_indices: list[np.ndarray] = field(default_factory=list)
    blank_indices: list[np.ndarray] = field(default_factory=list)
    digests: bytearray = field(default_factory=bytearray)
    pending: list[_PendingError] = field(default_factory=list)

    @property
    def keeps_details(self) -> bool:
        return self.rejected <= self.detail_limit

    def wants_detail(self, quoted_so_far: int) -> bool:
        """Details of every rejection while the file may load; else only the few quoted."""
        return self.keeps_details or quoted_so_far < REJECTIONS_QUOTED


class _SetAsideRows:
    """pyarrow's invalid_row_handler: lines with the wrong number of fields, set aside."""

    def __init__(self, progress: _Progress) -> None:
        self.progress = progress
        self.lines: list[int] = []
        self.blank_lines: list[int] = []
        self.rejections: list[RowError] = []

    def __call__(self, row: pacsv.InvalidRow) -> str:
        # Numbers are always known with use_threads=False, which is how the reader is opened.
        line = row.number or 0
        self.lines.append(line)
        if not row.text.strip():
            self.blank_lines.append(line)
            return "skip"
        self.progress.rejected += 1
        if self.progress.wants_detail(len(self.rejections)):
            message = f"expected {row.expected_columns} fields, found {row.actual_columns}"
            raw = row.text[:RAW_LINE_MAX_CHARS]
            self.rejections.append(RowError(line, WHOLE_ROW, columns.RAGGED_ROW, message, raw))
        return "skip"


def parse_statement(
    path: Path, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed statement lines of one file, or FileRejected naming why the whole file cannot load."""
    scan = scan_text_file(path)
    with path.open("rb") as stream:
        header = first_line(stream.read(SNIFF_HEAD_BYTES)).decode(scan.encoding, "replace")
    match = match_header(header)
    if match is None:
        raise FileRejected(header_mismatch_message(header))
    # Upper bound of data rows: past this many rejections the file is quarantined for sure.
    detail_limit = int(max_rejected_fraction * max(scan.max_lines - 1, 0))
    progress = _Progress(detail_limit=detail_limit)
    set_aside = _SetAsideRows(progress)
    if scan.line_ending:
        _read_blocks(path, match, scan, set_aside, progress)
    return _finish(match, scan, set_aside, progress, max_rejected_fraction)


def _read_blocks(
    path: Path, match: HeaderMatch, scan: TextScan, set_aside: _SetAsideRows, progress: _Progress
) -> None:
    read_options, parse_options, convert_options = _csv_options(match, scan, set_aside)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
        for batch in reader:
            _add_block(batch, match, progress)
    except (pa.ArrowException, UnicodeError) as error:
        # pyarrow's text says what broke (an unterminated quote, a block boundary); keep it short.
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise FileRejected(f"file cannot be read as {match.schema.schema_id}: {detail}") from None


def _csv_options(
    match: HeaderMatch, scan: TextScan, set_aside: Callable[[pacsv.InvalidRow], str]
) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    is_utf8 = scan.encoding.startswith("utf-8")
    return (
        pacsv.ReadOptions(
            # Single-threaded so every set-aside row comes with its line number.
            use_threads=False,
            block_size=READ_BLOCK_BYTES,
            skip_rows=1,
            column_names=list(match.file_columns),
            encoding="utf8" if is_utf8 else scan.encoding,
        ),
        pacsv.ParseOptions(
            delimiter=match.dialect.delimiter,
            # Legacy TAB files have no quoting at all: a `"` inside a title is a literal character.
            quote_char='"' if match.dialect.is_quoted else False,
            double_quote=True,
            escape_char=False,
            newlines_in_values=False,
            # Empty lines must stay rows (dropped later) so that row positions are line numbers.
            ignore_empty_lines=False,
            invalid_row_handler=set_aside,
        ),
        pacsv.ConvertOptions(
            column_types={header: _read_type(header) for header in match.file_columns},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _read_type(header: str) -> pa.DataType:
    return pa.string() if HEADER_COLUMNS.get(header) in DISTINCT_PER_LINE else _DICTIONARY_TEXT


def _add_block(batch: pa.RecordBatch, match: HeaderMatch, progress: _Progress) -> None:
    first_index = progress.records
    progress.records += batch.num_rows
    schema = match.schema
    blank = _blank_rows(batch)
    text = {
        header: _trimmed(columns.Distinct.of(batch.column(header))) for header in schema.headers
    }
    # Checked and typed once per distinct value; each row picks its result below.
    converted = _convert({header: column.values for header, column in text.items()}, schema)
    problems = [
        replace(problem, is_bad=text[header].per_row(problem.is_bad))
        for header in schema.headers
        for problem in converted[header].problems
    ]
    rejected, first_problem = _first_problems(problems, blank)
    progress.rejected += int(rejected.sum())
    progress.blank_indices.append(np.flatnonzero(blank) + first_index)
    _record_rejections(batch, match, text, problems, rejected, first_problem, first_index, progress)
    if not progress.keeps_details:
        # Quarantined for sure: keep counting, stop holding rows.
        return
    keep = ~rejected & ~blank
    _keep_rows(converted, text, schema, keep, progress)
    progress.kept_indices.append(np.flatnonzero(keep) + first_index)


def _trimmed(column: columns.Distinct) -> columns.Distinct:
    return column.with_values(columns.trimmed(column.values))


def _record_rejections(
    batch: pa.RecordBatch,
    match: HeaderMatch,
    text: dict[str, columns.Distinct],
    problems: list[columns.ColumnProblem],
    rejected: np.ndarray,
    first_problem: np.ndarray,
    first_index: int,
    progress: _Progress,
) -> None:
    """One pending error per rejected row, naming its first problem (Python only for these)."""
    for index in np.flatnonzero(rejected).tolist():
        if not progress.wants_detail(len(progress.pending)):
            return
        problem = problems[first_problem[index]]
        value = text[problem.header].value(index)
        shown = "" if problem.code == columns.MISSING_VALUE else f" {_shown(value)}"
        progress.pending.append(
            _PendingError(
                index=first_index + index,
                column=problem.header,
                code=problem.code,
                message=f"{problem.header}{shown} {problem.reason}",
                raw_line=_raw_line(batch, index, match),
            )
        )


def _blank_rows(batch: pa.RecordBatch) -> np.ndarray:
    """Rows whose every field is empty: blank lines, which pyarrow keeps as rows of empties.

    A line of bare separators carries no data either and cannot be told apart, so it counts as
    blank too.
    """
    blank = columns.is_empty(batch.column(0))
    # Only rows with an empty first field can be blank; real files have none, so this is cheap.
    for position in range(1, batch.num_columns):
        if not blank.any():
            break
        blank &= columns.is_empty(batch.column(position))
    return blank


def _first_problems(
    problems: list[columns.ColumnProblem], blank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which rows are rejected and, for each, its first problem in file column order."""
    stacked = np.vstack([problem.is_bad for problem in problems])
    rejected = stacked.any(axis=0) & ~blank
    return rejected, stacked.argmax(axis=0)


def _convert(text: dict[str, pa.Array], schema: StatementSchema) -> dict[str, columns.Converted]:
    """Each vendor column checked and typed; keyed by vendor header, in any order."""
    converted: dict[str, columns.Converted] = {}
    for header, values in text.items():
        column = HEADER_COLUMNS[header]
        if column in ("date_inserted", "reporting_date", "sale_month"):
            converted[header] = columns.dates(
                values,
                header,
                is_required=column != "date_inserted",
                is_month=column == "sale_month",
            )
        elif column == "quantity":
            converted[header] = columns.counts(values, header)
        elif column == "team_percentage":
            converted[header] = columns.percentages(values, header)
        elif column.endswith("_usd"):
            is_required = column == "earnings_usd"
            converted[header] = columns.amounts(values, header, is_required=is_required)
        else:
            is_required = column == "store"
            converted[header] = columns.texts(values, header, is_required=is_required)
    return converted


def _keep_rows(
    converted: dict[str, columns.Converted],
    text: dict[str, columns.Distinct],
    schema: StatementSchema,
    keep: np.ndarray,
    progress: _Progress,
) -> None:
    rows = int(keep.sum())
    typed = {HEADER_COLUMNS[header]: item.values for header, item in converted.items()}
    rows_of = {HEADER_COLUMNS[header]: column for header, column in text.items()}
    kept = {name: rows_of[name].kept(values, keep) for name, values in typed.items()}
    kept["distributor"] = pa.repeat(pa.scalar(DISTRIBUTOR), rows)
    kept["schema_id"] = pa.repeat(pa.scalar(schema.schema_id), rows)
    arrays = [kept.get(f.name, pa.nulls(rows, f.type)) for f in _BATCH_SCHEMA]
    progress.batches.append(pa.RecordBatch.from_arrays(arrays, schema=_BATCH_SCHEMA))
    # Each identity field is normalised per distinct value too, then spread over the kept rows.
    fields = [
        rows_of[name].kept(normalise(typed[name]), keep) for name, normalise in identity.FIELDS
    ]
    progress.digests += identity.digests(identity.joined(fields))


def _finish(
    match: HeaderMatch,
    scan: TextScan,
    set_aside: _SetAsideRows,
    progress: _Progress,
    max_rejected_fraction: float,
) -> ParsedFile:
    line_of = _line_numbering(set_aside.lines)
    rows_in = progress.records - _count(progress.blank_indices)
    rows_in += len(set_aside.lines) - len(set_aside.blank_lines)
    rejections = sorted(
        [*set_aside.rejections, *_resolved(progress.pending, line_of)],
        key=lambda error: error.row,
    )
    if progress.rejected > max_rejected_fraction * rows_in:
        message = _too_many_message(progress.rejected, rows_in, rejections, max_rejected_fraction)
        raise FileRejected(message)
    kept_lines = line_of(_concatenated(progress.kept_indices))
    table = _table(progress, kept_lines)
    blank_lines = np.concatenate(
        [line_of(_concatenated(progress.blank_indices)), np.asarray(set_aside.blank_lines, int)]
    )
    last_row = max(int(kept_lines.max(initial=0)), max((e.row for e in rejections), default=0))
    warnings = _warnings(match, scan, interior_blank=int((blank_lines < last_row).sum()))
    logger.info(
        "distrokid_statement_parsed schema=%s rows_in=%s rows_out=%s rejected=%s",
        match.schema.schema_id,
        rows_in,
        table.num_rows,
        len(rejections),
    )
    return ParsedFile(
        kind=KIND_BANK_STATEMENT,
        schema_id=match.schema.schema_id,
        tables={STATEMENT_LINES.name: table},
        rows_in=rows_in,
        rejections=rejections,
        encoding=scan.encoding,
        delimiter=match.dialect.delimiter,
        line_ending=scan.line_ending,
        warnings=warnings,
        unknown_columns=list(match.extra_columns),
    )


def _line_numbering(set_aside_lines: list[int]) -> Callable[[np.ndarray], np.ndarray]:
    """Map record positions of table rows to physical lines, stepping over set-aside lines."""
    skipped = np.sort(np.asarray(set_aside_lines, dtype=np.int64))
    # Record k (0-based, header is line 1) sits on line k + 2 plus the set-aside lines before it.
    shifted = skipped - np.arange(len(skipped), dtype=np.int64)

    def line_of(indices: np.ndarray) -> np.ndarray:
        base = np.asarray(indices, dtype=np.int64) + 2
        return base + np.searchsorted(shifted, base, side="right")

    return line_of


def _resolved(
    pending: list[_PendingError], line_of: Callable[[np.ndarray], np.ndarray]
) -> list[RowError]:
    if not pending:
        return []
    lines = line_of(np.array([error.index for error in pending], dtype=np.int64))
    return [
        RowError(int(line), error.column, error.code, error.message, error.raw_line)
        for line, error in zip(lines, pending, strict=True)
    ]


def _table(progress: _Progress, kept_lines: np.ndarray) -> pa.Table:
    partial = pa.Table.from_batches(progress.batches, schema=_BATCH_SCHEMA)
    packed = bytes(progress.digests)
    progress.digests.clear()
    # Occurrences first: its sort scratch is freed before the hex column is allocated.
    occurrence = pa.array(identity.occurrences(packed), pa.int32())
    computed = {
        "line_fingerprint": identity.hex_digests(packed),
        "occurrence": occurrence,
        "line_number": pa.array(kept_lines, pa.int64()),
    }
    arrays = [
        computed[column.name] if column.name in computed else partial.column(column.name)
        for column in STATEMENT_LINES.schema
    ]
    return pa.Table.from_arrays(arrays, schema=STATEMENT_LINES.schema)


def _warnings(match: HeaderMatch, scan: TextScan, *, interior_blank: int) -> list[str]:
    """Kept-but-noted facts for the lineage row; ASCII only, because they end up in logs."""
    warnings = []
    if match.extra_columns:
        names = ",".join(ascii(name) for name in match.extra_columns)
        warnings.append(f"schema_changed schema={match.schema.schema_id} new_columns={names}")
    if scan.has_mixed_line_endings:
        warnings.append(f"mixed_line_endings first={scan.line_ending}")
    if interior_blank:
        # Trailing blank lines are normal; blank lines between rows are worth a note.
        warnings.append(f"blank_lines_skipped count={interior_blank}")
    return warnings


def _too_many_message(
    rejected: int, rows_in: int, rejections: list[RowError], max_rejected_fraction: float
) -> str:
    share = 100 * rejected / rows_in if rows_in else 100.0
    quoted = "; ".join(
        f"line {error.row} column {error.column!r} {error.code}: {error.message}"
        for error in rejections[:REJECTIONS_QUOTED]
    )
    return (
        f"{rejected} of {rows_in} rows rejected ({share:.1f}%, more than the "
        f"{100 * max_rejected_fraction:g}% allowed); first: {quoted}"
    )


def _raw_line(batch: pa.RecordBatch, index: int, match: HeaderMatch) -> str:
    """The rejected line written back in the file's own dialect (identical for vendor files)."""
    values = [str(batch.column(name)[index].as_py()) for name in match.file_columns]
    if match.dialect.is_quoted:
        values = ['"' + value.replace('"', '""') + '"' for value in values]
    return match.dialect.delimiter.join(values)[:RAW_LINE_MAX_CHARS]


def _shown(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _count(arrays: list[np.ndarray]) -> int:
    return sum(len(array) for array in arrays)


def _concatenated(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
