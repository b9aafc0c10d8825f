"""The Meta Business Suite CSV (SPEC 2.9): UTF-16 LE with BOM; line 1 `sep=,`; line 2 the
metric's title (`Reach`); line 3 the header `"Date","Primary"`; then `"2026-05-10T00:00:00","88"`.

One metric per file, named by the title line through `METRIC_ALIASES`; a title the table does
not know becomes a snake_case name and a warning, so a new metric loads without a code change.
The date is the calendar day written (only Graph's `end_time` is shifted). Multi-section
audience exports (top countries, age and gender, cities) are provisional and refused for now.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import (
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    parse_count,
    parse_iso_date,
    shown,
)
from apps.sources.datasets_social import INSTAGRAM_DAILY

KIND_BUSINESS_SUITE_CSV = "business_suite_csv"

# Folded title -> metric name, as Graph names the same figure.
METRIC_ALIASES: dict[str, str] = {
    "reach": "reach",
    "alcance": "reach",
    "views": "views",
    "visualizacoes": "views",
    "impressions": "impressions",
    "impressoes": "impressions",
    "follows": "follows",
    "seguimentos": "follows",
    "profile visits": "profile_views",
    "visitas ao perfil": "profile_views",
}
HEADER = ("date", "primary")
RAGGED_ROW = "ragged_row"

_SEPARATOR_LINE = re.compile(r'"?sep=(.)"?', re.IGNORECASE)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xef\xbb\xbf", "utf-8"),
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Line:
    number: int
    fields: tuple[str, ...]
    raw: str

    @property
    def is_blank(self) -> bool:
        return not any(field.strip() for field in self.fields)


@dataclass(frozen=True)
class SuiteFile:
    encoding: str
    delimiter: str
    line_ending: str
    title: str
    metric: str
    rows: tuple[Line, ...]
    warnings: tuple[str, ...]


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding): the BOM decides; without one only UTF-8 is accepted."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _decoded(content[len(bom) :], encoding), encoding
    if b"\x00" in content:
        raise FileRejected("content is not text (NUL bytes; UTF-16 without a BOM?)")
    return _decoded(content, "utf-8"), "utf-8"


def read_suite_file(content: bytes) -> SuiteFile:
    """The metric, the data lines and the text facts of one Business Suite export."""
    text, encoding = decode(content)
    physical = text.splitlines()
    delimiter = _delimiter(physical[0] if physical else "")
    lines = [line for line in _lines(physical[1:], delimiter, first_number=2) if not line.is_blank]
    if len(lines) < 2:
        raise FileRejected("Business Suite export needs a title line and a Date,Primary header")
    title_line, header, *rest = lines
    title = title_line.fields[0].strip()
    _check_header(header)
    rows = _first_section(rest)
    metric, warnings = metric_name(title)
    ending = (
        "CRLF" if "\r\n" in text else ("LF" if "\n" in text else ("CR" if "\r" in text else ""))
    )
    return SuiteFile(encoding, delimiter, ending, title, metric, rows, warnings)


def metric_name(title: str) -> tuple[str, tuple[str, ...]]:
    folded = fold(title)
    if not folded:
        raise FileRejected("Business Suite export has an empty metric title on line 2")
    if folded in METRIC_ALIASES:
        return METRIC_ALIASES[folded], ()
    metric = _NOT_WORD.sub("_", folded).strip("_") or "metric"
    return metric, (f"metric_not_in_alias_table title={title!a} stored_as={metric}",)


def read_suite_rows(book: RowBook, suite: SuiteFile, account: str) -> None:
    for line in suite.rows:
        book.count()
        try:
            if len(line.fields) != len(HEADER):
                raise RowInvalid("*", RAGGED_ROW, f"expected 2 fields, found {len(line.fields)}")
            day = parse_iso_date(line.fields[0], "Date", is_required=True)
            value = parse_count(line.fields[1], "Primary")
            if value is None:
                raise RowInvalid("Primary", MISSING_VALUE, "Primary is missing")
        except RowInvalid as invalid:
            book.reject(
                row=line.number,
                column=invalid.column,
                code=invalid.code,
                message=invalid.message,
                raw_line=line.raw,
            )
            continue
        values = {"account": account, "date": day, "metric": suite.metric, "value": value}
        key = (account, day, suite.metric)
        book.keep(INSTAGRAM_DAILY, key, values, row=line.number, raw_line=line.raw)


def _decoded(content: bytes, encoding: str) -> str:
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        raise FileRejected(f"content is not valid {encoding.upper()} text") from None
    if "\x00" in text:
        raise FileRejected("content is not text (it holds NUL characters)")
    return text


def _delimiter(first_line: str) -> str:
    match = _SEPARATOR_LINE.fullmatch(first_line.strip())
    if match is None:
        raise FileRejected(
            f"not a Business Suite export: line 1 is {shown(first_line[:60])}, expected 'sep=,'"
        )
    return match.group(1)


def _lines(physical: list[str], delimiter: str, *, first_number: int) -> list[Line]:
    """One Line per physical line; Business Suite never breaks a value across lines."""
    lines = []
    for offset, text in enumerate(physical):
        try:
            fields = next(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True), [])
        except csv.Error as error:
            number = first_number + offset
            raise FileRejected(f"line {number} cannot be read as CSV: {error}") from None
        lines.append(Line(first_number + offset, tuple(fields), text))
    return lines


def _check_header(header: Line) -> None:
    found = tuple(fold(field) for field in header.fields)
    if found != HEADER:
        shown_found = ", ".join(shown(field) for field in header.fields)
        raise FileRejected(
            f"line {header.number}: expected the header Date,Primary; found {shown_found} "
            "(multi-section audience exports are provisional and not loaded yet)"
        )


def _first_section(rest: list[Line]) -> tuple[Line, ...]:
    """The data lines up to the first blank line; another section after it is refused."""
    rows: list[Line] = []
    for line in rest:
        if rows and line.number > rows[-1].number + 1:
            raise FileRejected(
                "multi-section Business Suite exports are provisional and not read yet "
                f"(a second section starts on line {line.number}: {shown(line.fields[0])})"
            )
        rows.append(line)
    return tuple(rows)


def fold(text: str) -> str:
    """Accents dropped, case folded, spaces collapsed: how titles and headers are compared."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.split()).casefold()
