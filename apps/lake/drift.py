"""Schema drift: a file's columns compared with the previous file of the same source and kind.

Parsers absorb the known variants (aliases, localised labels) and quarantine a file missing a
required column. What remains is reported here so it is never silent: a header that gained,
lost or renamed columns, and a typed column that the previous file filled but this one leaves
entirely empty (the way a renamed optional column turns into nulls).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from pathlib import Path

import pyarrow as pa

from apps.lake.models import FileStatus, LakeFile

# Enough of the file to hold any export's preamble and header line.
HEADER_SCAN_BYTES = 64 * 1024
HEADER_SCAN_LINES = 10
MAX_REPORTED_COLUMNS = 200
ARCHIVE_MAGIC = b"PK\x03\x04"
DELIMITED_NAMES = {"comma": ",", "tab": "\t", "semicolon": ";"}


def header_columns(path: Path, *, encoding: str, delimiter: str) -> list[str]:
    """The header cells of a delimited text file (after any `sep=` or title line), else []."""
    if not delimiter or not encoding:
        return []
    delimiter = DELIMITED_NAMES.get(delimiter, delimiter)
    if len(delimiter) != 1:
        return []
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        return []
    with path.open("rb") as handle:
        head = handle.read(HEADER_SCAN_BYTES)
    if head.startswith(ARCHIVE_MAGIC):
        return []  # the parser read a member of the archive; its header is not at the start
    text = head.decode(codec, errors="replace").lstrip("\ufeff")
    if "\x00" in text:
        return []
    for line in text.splitlines()[:HEADER_SCAN_LINES]:
        if not line.strip() or line.lower().startswith("sep="):
            continue
        cells = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
        if len(cells) >= 2:
            return [_normalised(cell) for cell in cells][:MAX_REPORTED_COLUMNS]
    return []


def _normalised(cell: str) -> str:
    return " ".join(cell.replace("\xa0", " ").split())


def header_fingerprint(columns: list[str]) -> str:
    if not columns:
        return ""
    return hashlib.sha256("\x1f".join(c.casefold() for c in columns).encode()).hexdigest()


def populated_columns(tables: dict[str, pa.Table]) -> dict[str, list[str]]:
    """Per dataset, the typed columns holding at least one value in this file."""
    return {
        name: sorted(
            column
            for column in table.column_names
            if table.num_rows and table.column(column).null_count < table.num_rows
        )
        for name, table in tables.items()
    }


def _previous_file(lake_file: LakeFile) -> LakeFile | None:
    """The latest earlier file of the same source and kind that was parsed."""
    return (
        LakeFile.objects.filter(
            source=lake_file.source,
            kind=lake_file.kind,
            pk__lt=lake_file.pk,
            status__in=[FileStatus.STAGED, FileStatus.CURATED, FileStatus.LOADED],
        )
        .exclude(schema_drift={})
        .order_by("-pk")
        .first()
    )


def _renames(before: list[str], after: list[str], missing: list[str], new: list[str]) -> list:
    """A missing column whose position now holds a new column was most likely renamed."""
    renamed = []
    for position, old_name in enumerate(before):
        if old_name in missing and position < len(after) and after[position] in new:
            renamed.append({"from": old_name, "to": after[position]})
    return renamed


def drift_report(
    *, lake_file: LakeFile, columns: list[str], populated: dict[str, list[str]]
) -> dict[str, object]:
    """The drift record stored on the lineage row (always holds this file's own columns)."""
    report: dict[str, object] = {"columns": columns, "populated": populated}
    previous = _previous_file(lake_file)
    if previous is None:
        return report
    report["compared_with"] = previous.pk
    before = list(previous.schema_drift.get("columns") or [])
    if before and columns:
        before_keys = {name.casefold() for name in before}
        after_keys = {name.casefold() for name in columns}
        new = [name for name in columns if name.casefold() not in before_keys]
        missing = [name for name in before if name.casefold() not in after_keys]
        renamed = _renames(before, columns, missing, new)
        moved_from = {item["from"] for item in renamed}
        moved_to = {item["to"] for item in renamed}
        report["new_columns"] = [name for name in new if name not in moved_to]
        report["missing_columns"] = [name for name in missing if name not in moved_from]
        report["renamed_columns"] = renamed
    before_populated = previous.schema_drift.get("populated") or {}
    emptied = [
        f"{dataset}.{column}"
        for dataset, names in populated.items()
        for column in before_populated.get(dataset, [])
        if column not in names and dataset in before_populated
    ]
    report["emptied_columns"] = emptied
    return report


def drift_summary(report: dict[str, object]) -> str:
    """One ASCII-safe line for the API and the page; empty when nothing drifted."""
    parts = []
    for label, key in (("new", "new_columns"), ("missing", "missing_columns")):
        names = report.get(key) or []
        if names:
            parts.append(f"{label}: {', '.join(map(str, names))}")
    renamed = report.get("renamed_columns") or []
    if renamed:
        pairs = ", ".join(f"{item['from']} -> {item['to']}" for item in renamed)  # type: ignore[index]
        parts.append(f"renamed: {pairs}")
    emptied = report.get("emptied_columns") or []
    if emptied:
        parts.append(f"now empty: {', '.join(map(str, emptied))}")
    if not parts:
        return ""
    return f"schema drift vs file {report.get('compared_with')}: " + "; ".join(parts)
