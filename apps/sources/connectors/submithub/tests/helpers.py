"""Helpers of the SubmitHub parser tests: fixture paths, a payload builder and the key recipe."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from apps.sources.connectors.base import ParsedFile, Payload
from apps.sources.connectors.submithub.connector import SubmitHubConnector

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED_AT = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def parse_fixture(name: str, *, account: str = "") -> ParsedFile:
    return parse_path(FIXTURES / name, account=account)


def parse_path(path: Path, *, account: str = "") -> ParsedFile:
    payload = Payload(
        path=path, original_name=path.name, account=account, kind="", captured_at=CAPTURED_AT
    )
    return SubmitHubConnector().parse(payload)


def rows(parsed: ParsedFile, dataset: str) -> list[dict[str, object]]:
    return parsed.tables[dataset].to_pylist()


def key_of(day: str, artist: str, track: str, outlet: str, curator: str) -> str:
    """The documented recipe, written out: sha256 of the lower-cased parts joined by 0x1F."""
    joined = "\x1f".join([day, artist.lower(), track.lower(), outlet.lower(), curator.lower()])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
