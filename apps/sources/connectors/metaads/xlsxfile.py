"""Read an Ads Manager XLSX into records: zip safety first, then the preferred sheet.

The archive is checked before openpyxl opens it (R13: entry count, declared sizes, compression
ratio, no `../`, absolute or symlink entries), so a zip bomb is refused from its directory alone.
`Raw Data Report` is preferred to `Formatted Report` (one row per line, no merged look); names
are forward-filled only in the formatted sheet, where child rows leave them blank.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.metaads.headers import match_header
from apps.sources.connectors.metaads.records import Record
from apps.sources.connectors.metaads.values import Cell
from apps.sources.connectors.rowbook import RAW_LINE_MAX_CHARS, shown

RAW_SHEET = "Raw Data Report"
FORMATTED_SHEET = "Formatted Report"
PREFERRED_SHEETS = (RAW_SHEET, FORMATTED_SHEET)
WORKBOOK_ENTRY = "xl/workbook.xml"

# R13 limits. An XLSX has about 15 entries; 50 leaves room for many sheets.
MAX_ZIP_ENTRIES = 50
MAX_UNCOMPRESSED_BYTES = 512 << 20
# Sheet XML compresses well (30:1 is common); 200:1 on a large entry is a bomb.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 1 << 20
# Rows looked at for a header when no sheet has a preferred name; the title sits above it.
HEADER_SEARCH_ROWS = 5
# An export of one ad account is thousands of rows; more is not an Ads Manager report.
MAX_SHEET_ROWS = 200_000


@dataclass(frozen=True)
class Sheet:
    name: str
    records: tuple[Record, ...]
    is_formatted: bool


def check_archive(path: Path) -> None:
    """FileRejected unless the file is a zip within the limits that holds a workbook."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRejected("content is not an XLSX workbook (not a readable zip)") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise FileRejected(f"archive has {len(entries)} entries, more than {MAX_ZIP_ENTRIES}")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(f"archive expands to {total} bytes, more than {MAX_UNCOMPRESSED_BYTES}")
    for entry in entries:
        _check_entry(entry)
    if WORKBOOK_ENTRY not in {entry.filename for entry in entries}:
        raise FileRejected(f"content is a zip archive without {WORKBOOK_ENTRY} (not an XLSX)")


def _check_entry(entry: zipfile.ZipInfo) -> None:
    parts = PurePosixPath(entry.filename.replace("\\", "/")).parts
    if entry.filename.startswith(("/", "\\")) or ".." in parts or ":" in entry.filename:
        raise FileRejected(f"archive entry {shown(entry.filename)} points outside the archive")
    if stat.S_ISLNK(entry.external_attr >> 16):
        raise FileRejected(f"archive entry {shown(entry.filename)} is a symbolic link")
    if entry.file_size >= RATIO_CHECKED_FROM_BYTES:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise FileRejected(
                f"archive entry {shown(entry.filename)} has compression ratio {ratio:.0f}, "
                f"more than {MAX_COMPRESSION_RATIO}"
            )


def read_sheet(path: Path) -> Sheet:
    """The report sheet's rows (after `check_archive`), or FileRejected naming the sheets."""
    import openpyxl

    check_archive(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        # openpyxl raises many undocumented types (KeyError, ValueError, ParseError...) on a
        # damaged workbook; each means the same thing here: the file cannot be read.
        raise FileRejected(f"workbook cannot be read ({type(error).__name__})") from None
    try:
        return _report_sheet(workbook)
    except FileRejected:
        raise
    except Exception as error:
        # Rows are parsed lazily, so damage deep in a sheet surfaces only while iterating.
        raise FileRejected(f"worksheet cannot be read ({type(error).__name__})") from None
    finally:
        workbook.close()


def _report_sheet(workbook: Any) -> Sheet:
    names: list[str] = list(workbook.sheetnames)
    for name in PREFERRED_SHEETS:
        if name in names:
            return Sheet(name, _records(workbook[name]), is_formatted=name != RAW_SHEET)
    # A localised export may name its sheets differently: take the first with a header.
    for name in names:
        rows = _records(workbook[name], limit=HEADER_SEARCH_ROWS)
        if any(match_header(record.cells) for record in rows):
            return Sheet(name, _records(workbook[name]), is_formatted=True)
    listed = ", ".join(shown(name) for name in names) or "none"
    raise FileRejected(
        f"no {RAW_SHEET!r} or {FORMATTED_SHEET!r} sheet and no sheet with an Ads Manager "
        f"header; sheets found: {listed}"
    )


def _records(worksheet: Any, limit: int = MAX_SHEET_ROWS + 1) -> tuple[Record, ...]:
    # Without this, read-only rows are padded to the declared dimension, which a damaged
    # file can set to 16384 columns.
    worksheet.reset_dimensions()
    records = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number > limit:
            break
        cells = tuple(_cell(value) for value in values)
        records.append(Record(number, cells, _raw_line(cells)))
    if len(records) > MAX_SHEET_ROWS:
        raise FileRejected(f"sheet has more than {MAX_SHEET_ROWS} rows; not an Ads Manager report")
    return tuple(records)


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | datetime | date):
        return value
    # Times, durations and booleans are not values an export puts in a measured column.
    return str(value)


def _raw_line(cells: tuple[Cell, ...]) -> str:
    text = "\t".join("" if cell is None else str(cell) for cell in cells)
    return text[:RAW_LINE_MAX_CHARS]
