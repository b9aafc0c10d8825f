"""Helpers of the Meta Ads parser tests: fixture paths, parsing a file, picking columns."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from apps.sources.connectors.base import ParsedFile, Payload
from apps.sources.connectors.metaads.connector import MetaAdsConnector

FIXTURES = Path(__file__).parent / "fixtures"


def parse_path(path: Path, *, kind: str = "") -> ParsedFile:
    """What the connector makes of a file, as the lake calls it."""
    return MetaAdsConnector().parse(Payload(path=path, original_name=path.name, kind=kind))


def parse_fixture(name: str) -> ParsedFile:
    return parse_path(FIXTURES / name)


def columns(table: pa.Table, *names: str) -> list[tuple[object, ...]]:
    """The named columns of every row, in row order, as tuples."""
    picked = table.select(list(names)).to_pylist()
    return [tuple(row[name] for name in names) for row in picked]


def non_null(table: pa.Table) -> list[dict[str, object]]:
    """Every row with its null columns left out, so an exact comparison stays readable."""
    return [{k: v for k, v in row.items() if v is not None} for row in table.to_pylist()]
