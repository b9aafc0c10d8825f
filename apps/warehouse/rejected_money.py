"""Money in the statement rows a parser rejected (SPEC 3.3, 4.5: Σ earnings in a statement file =
Σ loaded + Σ rejected). The lake keeps each rejected row's raw line; its earnings are read back
with the file's own header, so the validation report can account for them row by row. A row
whose amount itself cannot be read (the reason it was rejected, or a ragged line) is listed
without one."""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from apps.lake.models import LakeFile, RejectedRow
from apps.lake.storage import lake_storage
from apps.sources.connectors.base import SNIFF_HEAD_BYTES
from apps.sources.connectors.distrokid.schemas import match_header, split_header
from apps.sources.connectors.distrokid.textfile import first_line
from apps.sources.connectors.toolost.sales import map_header

logger = logging.getLogger(__name__)

DISTROKID_EARNINGS = "Earnings (USD)"
# "$1,234.50" as a spreadsheet writes it (TooLost reports are re-saved by hand).
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")

# A rejected raw line -> its earnings, or None when they cannot be read.
EarningsReader = Callable[[str], Decimal | None]


@dataclass(frozen=True)
class RejectedLine:
    row: int
    code: str
    amount_usd: Decimal | None


@dataclass
class FileRejections:
    lines: list[RejectedLine] = field(default_factory=list)

    @property
    def total_usd(self) -> Decimal:
        return sum(
            (line.amount_usd for line in self.lines if line.amount_usd is not None), Decimal(0)
        )

    @property
    def unreadable_rows(self) -> list[int]:
        return [line.row for line in self.lines if line.amount_usd is None]


def _amount(text: str) -> Decimal | None:
    value = text.strip().strip('"').replace("$", "", 1).strip()
    if _GROUPED.fullmatch(value):
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _header_line(lake_file: LakeFile) -> str | None:
    if not lake_file.raw_key:
        return None
    try:
        with lake_storage().open(lake_file.raw_key, "rb") as handle:
            head = handle.read(SNIFF_HEAD_BYTES)
    except FileNotFoundError:
        return None
    return first_line(head).decode(lake_file.encoding or "utf-8", "replace").lstrip("\ufeff")


def _distrokid_reader(header: str) -> EarningsReader | None:
    match = match_header(header)
    if match is None or DISTROKID_EARNINGS not in match.file_columns:
        return None
    width = len(match.file_columns)
    position = match.file_columns.index(DISTROKID_EARNINGS)

    def read(raw_line: str) -> Decimal | None:
        cells = split_header(raw_line, match.dialect)
        # A line with the wrong number of fields has no reliable earnings cell.
        return _amount(cells[position]) if len(cells) == width else None

    return read


def _cells(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _toolost_reader(header: str, delimiter: str) -> EarningsReader | None:
    """As the sales parser: net revenue when the report has it, else revenue minus the fee."""
    mapped = map_header(_cells(header, delimiter))
    width = len(mapped.cells)
    net, gross, fee = (mapped.columns.get(n) for n in ("net_revenue", "revenue", "revenue_fee"))
    if net is None and gross is None:
        return None

    def read(raw_line: str) -> Decimal | None:
        cells = _cells(raw_line, delimiter)
        if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
            cells = cells[:width]  # a trailing delimiter, as the parser allows
        if len(cells) != width:
            return None
        if net is not None:
            return _amount(cells[net])
        amount = _amount(cells[gross])  # type: ignore[index]
        charged = _amount(cells[fee]) if fee is not None and cells[fee].strip() else Decimal(0)
        return None if amount is None or charged is None else amount - charged

    return read


def _earnings_reader(lake_file: LakeFile) -> EarningsReader | None:
    header = _header_line(lake_file)
    if header is None:
        return None
    if lake_file.source == "distrokid":
        return _distrokid_reader(header)
    if lake_file.source == "toolost":
        return _toolost_reader(header, lake_file.delimiter or ",")
    return None


def rejected_money_by_file(file_ids: list[int]) -> dict[int, FileRejections]:
    """Statement file id -> its rejected rows with their earnings (files with none are absent)."""
    rows = (
        RejectedRow.objects.filter(lake_file_id__in=file_ids)
        .order_by("lake_file_id", "row_number", "pk")
        .values_list("lake_file_id", "row_number", "code", "raw_line")
    )
    found: dict[int, FileRejections] = {}
    readers: dict[int, EarningsReader | None] = {}
    files = {f.pk: f for f in LakeFile.objects.filter(pk__in={row[0] for row in rows})}
    for file_id, row_number, code, raw_line in rows:
        rejections = found.setdefault(file_id, FileRejections())
        if rejections.lines and rejections.lines[-1].row == row_number:
            continue  # one row rejected on two columns holds its money once
        if file_id not in readers:
            readers[file_id] = _earnings_reader(files[file_id])
        reader = readers[file_id]
        amount = reader(raw_line) if reader is not None and raw_line else None
        rejections.lines.append(RejectedLine(row=row_number, code=code, amount_usd=amount))
    unreadable = sum(len(r.unreadable_rows) for r in found.values())
    if unreadable:
        logger.info("rejected_money_unreadable rows=%s files=%s", unreadable, len(found))
    return found
