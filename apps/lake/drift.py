"""Schema drift (SPEC 3.3): a file's columns measured against the header set its parser declares.

Parsers absorb the known variants through their alias tables (localised labels, trailing
spaces, NBSP, Title case) and quarantine a file missing a required column. A parser that
declares its set reports the header cells outside it (`ParsedFile.unknown_columns`): those are
the new columns, and an alias variant is never drift. For a parser that declares no set the
raw header is compared with the previous file of the same source and kind. Either way a typed
column that the previous file filled but this one leaves entirely empty is reported too (the
way a renamed optional column turns into nulls); a file with no data rows empties nothing.
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
    """Per dataset holding rows, the typed columns with at least one value in this file. A
    dataset without rows (a header-only statement) says nothing about which columns it fills."""
    return {
        name: sorted(
            column
            for column in table.column_names
            if table.column(column).null_count < table.num_rows
        )
        for name, table in tables.items()
        if table.num_rows
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


def _declared_drift(unknown_columns: list[str]) -> dict[str, list]:
    """Drift against the parser's declared header set: only the cells it did not recognise."""
    new = list(dict.fromkeys(_normalised(name) for name in unknown_columns if name.strip()))
    return {"new_columns": new[:MAX_REPORTED_COLUMNS], "missing_columns": []}


def _header_drift(before: list[str], after: list[str]) -> dict[str, list]:
    """Raw header against the previous file's, for a parser that declares no header set."""
    if not before or not after:
        return {"new_columns": [], "missing_columns": []}
    before_keys = {name.casefold() for name in before}
    after_keys = {name.casefold() for name in after}
    return {
        "new_columns": [name for name in after if name.casefold() not in before_keys],
        "missing_columns": [name for name in before if name.casefold() not in after_keys],
    }


def _emptied(populated: dict[str, list[str]], before_populated: dict) -> list[str]:
    return [
        f"{dataset}.{column}"
        for dataset, names in populated.items()
        for column in before_populated.get(dataset, [])
        if column not in names
    ]


def drift_report(
    *,
    lake_file: LakeFile,
    columns: list[str],
    populated: dict[str, list[str]],
    unknown_columns: list[str] | None = None,
) -> dict[str, object]:
    """The drift record stored on the lineage row (always holds this file's own columns).
    `unknown_columns` is what the parser did not recognise, None when it declares no set."""
    report: dict[str, object] = {"columns": columns, "populated": populated}
    if unknown_columns is not None:
        # Measured against the parser's set, so even the first file of its kind can drift.
        report.update(_declared_drift(unknown_columns))
    previous = _previous_file(lake_file)
    if previous is None:
        return report
    report["compared_with"] = previous.pk
    if unknown_columns is None:
        report.update(_header_drift(list(previous.schema_drift.get("columns") or []), columns))
    report["emptied_columns"] = _emptied(populated, previous.schema_drift.get("populated") or {})
    return report


def drift_summary(report: dict[str, object]) -> str:
    """One ASCII-safe line for the API and the page; empty when nothing drifted."""
    parts = []
    for label, key in (("new", "new_columns"), ("missing", "missing_columns")):
        names = report.get(key) or []
        if names:
            parts.append(f"{label}: {', '.join(map(str, names))}")
    # Only reports stored before drift followed the declared header set carry renames.
    renamed = report.get("renamed_columns") or []
    if renamed:
        pairs = ", ".join(f"{item['from']} -> {item['to']}" for item in renamed)  # type: ignore[index]
        parts.append(f"renamed: {pairs}")
    emptied = report.get("emptied_columns") or []
    if emptied:
        parts.append(f"now empty: {', '.join(map(str, emptied))}")
    if not parts:
        return ""
    compared_with = report.get("compared_with")
    against = f" vs file {compared_with}" if compared_with else ""
    return f"schema drift{against}: " + "; ".join(parts)
