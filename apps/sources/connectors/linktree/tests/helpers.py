"""Helpers of the Linktree parser tests: fixture paths and a payload builder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from apps.sources.connectors.base import ParsedFile, Payload
from apps.sources.connectors.linktree.connector import LinktreeConnector

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED_AT = datetime(2025, 5, 27, 21, 18, tzinfo=UTC)


def parse_fixture(name: str, *, account: str = "") -> ParsedFile:
    return parse_path(FIXTURES / name, account=account)


def parse_path(path: Path, *, account: str = "") -> ParsedFile:
    payload = Payload(
        path=path,
        original_name=path.name,
        account=account,
        kind="analytics",
        captured_at=CAPTURED_AT,
    )
    return LinktreeConnector().parse(payload)


def rows(parsed: ParsedFile, dataset: str) -> list[dict[str, object]]:
    return parsed.tables[dataset].to_pylist()
