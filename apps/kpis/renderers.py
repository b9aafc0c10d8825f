"""CSV export of the KPI list endpoints (`?format=csv`, SPEC 5.7).

UTF-8 with a BOM (so spreadsheets detect the encoding), RFC 4180 quoting, one row per result.
Text cells that a spreadsheet would run as a formula are prefixed with `'`; numbers, negative
ones included, are written as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE]-?\d+)?$")
LIST_SEPARATOR = "; "


def csv_cell(value: Any) -> str:
    """One cell: numbers plain, lists joined, text escaped against formula injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(csv_cell(item) for item in value)
    text = str(value)
    if _NUMBER.match(text):
        return text
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_rows(data: Any) -> list[Mapping[str, Any]]:
    """The rows a response exports: its `results`, or the object itself (an error body)."""
    if isinstance(data, Mapping) and isinstance(data.get("results"), list):
        return [row for row in data["results"] if isinstance(row, Mapping)]
    return [data] if isinstance(data, Mapping) else []


class KpiCsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        rows = csv_rows(data)
        columns: list[str] = []
        for row in rows:
            columns.extend(key for key in row if key not in columns)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(row.get(column)) for column in columns])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
