"""Helpers of the S4A parser tests: fixture paths and a payload builder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from apps.sources.connectors.base import ParsedFile, Payload
from apps.sources.connectors.spotify.connector import SpotifyConnector

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED_AT = datetime(2025, 3, 31, 21, 30, tzinfo=UTC)


def parse_fixture(
    name: str, *, account: str = "zonea0", original_name: str | None = None, kind: str = ""
) -> ParsedFile:
    """Parse a fixture as the lake would: its arrival name, an account, the capture time."""
    return parse_path(FIXTURES / name, account=account, original_name=original_name, kind=kind)


def parse_path(
    path: Path, *, account: str = "zonea0", original_name: str | None = None, kind: str = ""
) -> ParsedFile:
    payload = Payload(
        path=path,
        original_name=path.name if original_name is None else original_name,
        account=account,
        kind=kind,
        captured_at=CAPTURED_AT,
    )
    return SpotifyConnector().parse(payload)


def rows(parsed: ParsedFile, dataset: str) -> list[dict[str, object]]:
    return parsed.tables[dataset].to_pylist()
