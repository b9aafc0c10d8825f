"""The DistroKid bank-statement layouts (SPEC 2.1) and how a header line is matched to one."""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from dataclasses import dataclass

KIND_BANK_STATEMENT = "bank_statement"

# Vendor header -> curated `statement_lines` column. Two pairs of headers feed one column, because
# DistroKid renamed them between layouts; the curated column is the same either way.
HEADER_COLUMNS: dict[str, str] = {
    "Date Inserted": "date_inserted",
    "Reporting Date": "reporting_date",
    "Sale Month": "sale_month",
    "Store": "store",
    "Artist": "artist_name",
    "Title": "title",
    "ISRC": "isrc",
    "UPC": "upc",
    "Quantity": "quantity",
    "Team Percentage": "team_percentage",
    "Song/Album": "source_type",
    "Source Type": "source_type",
    "Country of Sale": "country_code",
    "Songwriter Royalties Withheld": "songwriter_withheld_usd",
    "Songwriter Royalties Withheld (USD)": "songwriter_withheld_usd",
    "Earnings (USD)": "earnings_usd",
    "Recoup (USD)": "recoup_usd",
}


@dataclass(frozen=True)
class StatementSchema:
    """One header layout: its id, its exact header names in file order and how it is written."""

    schema_id: str
    headers: tuple[str, ...]
    delimiter: str
    is_quoted: bool

    @property
    def header_set(self) -> frozenset[str]:
        return frozenset(self.headers)


DK_LEGACY_13 = StatementSchema(
    schema_id="dk_legacy_13",
    headers=(
        "Reporting Date",
        "Sale Month",
        "Store",
        "Artist",
        "Title",
        "ISRC",
        "UPC",
        "Quantity",
        "Team Percentage",
        "Song/Album",
        "Country of Sale",
        "Songwriter Royalties Withheld",
        "Earnings (USD)",
    ),
    delimiter="\t",
    is_quoted=False,
)

DK_CURRENT_15 = StatementSchema(
    schema_id="dk_current_15",
    headers=(
        "Date Inserted",
        "Reporting Date",
        "Sale Month",
        "Store",
        "Artist",
        "Title",
        "ISRC",
        "UPC",
        "Quantity",
        "Team Percentage",
        "Source Type",
        "Country of Sale",
        "Songwriter Royalties Withheld (USD)",
        "Earnings (USD)",
        "Recoup (USD)",
    ),
    delimiter=",",
    is_quoted=True,
)

# The 15-column layout exported while the type column still carried its legacy name.
DK_MIXED_15 = StatementSchema(
    schema_id="dk_mixed_15",
    headers=tuple(
        "Song/Album" if name == "Source Type" else name for name in DK_CURRENT_15.headers
    ),
    delimiter=",",
    is_quoted=True,
)

SCHEMAS: tuple[StatementSchema, ...] = (DK_LEGACY_13, DK_CURRENT_15, DK_MIXED_15)

# The layout a mismatch message compares against when no other is closer: the one in use now.
_PREFERRED: tuple[StatementSchema, ...] = (DK_CURRENT_15, DK_MIXED_15, DK_LEGACY_13)


def header_key(name: str) -> str:
    """Normalise a header cell, so trailing spaces, NBSP, a BOM, quotes or case are not drift."""
    text = unicodedata.normalize("NFKC", name).replace("\ufeff", "")
    text = text.strip().strip('"').strip()
    return " ".join(text.split()).casefold()


# Lookup from a normalised header name to the exact vendor spelling.
_CANONICAL_BY_KEY: dict[str, str] = {header_key(name): name for name in HEADER_COLUMNS}


@dataclass(frozen=True)
class HeaderDialect:
    """How the data lines are written, read from the header line itself."""

    delimiter: str
    is_quoted: bool


@dataclass(frozen=True)
class HeaderMatch:
    """A header recognised as one schema; `file_columns` is every column in file order."""

    schema: StatementSchema
    dialect: HeaderDialect
    file_columns: tuple[str, ...]
    extra_columns: tuple[str, ...]


def header_dialect(line: str) -> HeaderDialect:
    """TAB when the header has one (legacy), else comma.

    Comma files are always read with quoting, since any CSV writer quotes a title with a comma;
    TAB files only when their header is quoted, because legacy exports have no quoting at all.
    """
    delimiter = "\t" if "\t" in line else ","
    is_quoted = delimiter == "," or line.lstrip("\ufeff").startswith('"')
    return HeaderDialect(delimiter=delimiter, is_quoted=is_quoted)


def split_header(line: str, dialect: HeaderDialect) -> list[str]:
    if not dialect.is_quoted:
        return line.split(dialect.delimiter)
    try:
        return next(csv.reader([line], delimiter=dialect.delimiter), [])
    except csv.Error:
        # A malformed quoted header is simply not ours; the caller reports the mismatch.
        return [line]


def canonical_names(cells: list[str]) -> list[str]:
    """Each header cell as its exact vendor spelling when known, else the trimmed cell."""
    return [_CANONICAL_BY_KEY.get(header_key(cell), cell.strip()) for cell in cells]


def match_header(line: str) -> HeaderMatch | None:
    """The one schema whose whole header set the line carries; new extra columns are allowed."""
    dialect = header_dialect(line)
    names = canonical_names(split_header(line, dialect))
    if len(set(names)) != len(names):
        return None
    present = set(names)
    candidates = [schema for schema in SCHEMAS if schema.header_set <= present]
    if not candidates:
        return None
    fewest_extras = min(len(present - schema.header_set) for schema in candidates)
    best = [s for s in candidates if len(present - s.header_set) == fewest_extras]
    if len(best) > 1:
        # Both `Source Type` and `Song/Album`: no way to tell which one is the type column.
        return None
    schema = best[0]
    # A blank cell is a trailing delimiter at the end of the header, not a new column.
    extras = tuple(name for name in names if name not in schema.header_set and name)
    return HeaderMatch(
        schema=schema, dialect=dialect, file_columns=tuple(names), extra_columns=extras
    )


def header_mismatch_message(line: str) -> str:
    """Why a header is not a statement: missing and unexpected columns against the closest set."""
    names = canonical_names(split_header(line, header_dialect(line)))
    present = set(names)
    duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
    closest = max(_PREFERRED, key=lambda schema: len(schema.header_set & present))
    missing = [name for name in closest.headers if name not in present]
    unexpected = [name for name in names if name not in closest.header_set]
    parts = [
        "header is not a DistroKid bank statement",
        f"missing columns: {_quoted(missing)}",
        f"unexpected columns: {_quoted(unexpected)}",
    ]
    if duplicates:
        parts.append(f"duplicated columns: {_quoted(duplicates)}")
    if not missing and not duplicates:
        parts.append("the header fits more than one layout")
    parts.append(f"expected ({closest.schema_id}): {_quoted(list(closest.headers))}")
    return "; ".join(parts)


def _quoted(names: list[str]) -> str:
    if not names:
        return "none"
    # Header cells come from the file: cap them so a garbage header cannot flood the message.
    shown = [repr(name[:60]) for name in names[:20]]
    more = f" (+{len(names) - 20} more)" if len(names) > 20 else ""
    return ", ".join(shown) + more
