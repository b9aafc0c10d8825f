"""One row of an export as read from a CSV line or a worksheet row, before any typing."""

from __future__ import annotations

from dataclasses import dataclass

from apps.sources.connectors.metaads.values import Cell


@dataclass(frozen=True)
class Record:
    """Cells of one row; `row` is the 1-based line (CSV) or worksheet row (XLSX)."""

    row: int
    cells: tuple[Cell, ...]
    raw_line: str

    @property
    def is_blank(self) -> bool:
        return all(
            cell is None or (isinstance(cell, str) and not cell.strip()) for cell in self.cells
        )
