"""Helpers of the Mailchimp parser tests: fixture paths and a payload builder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from apps.sources.connectors.base import ParsedFile, Payload
from apps.sources.connectors.mailchimp.connector import MailchimpConnector

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED_AT = datetime(2025, 3, 10, 8, 30, tzinfo=UTC)


def parse_fixture(name: str, *, account: str = "") -> ParsedFile:
    return parse_path(FIXTURES / name, account=account)


def parse_path(path: Path, *, account: str = "") -> ParsedFile:
    payload = Payload(
        path=path, original_name=path.name, account=account, kind="", captured_at=CAPTURED_AT
    )
    return MailchimpConnector().parse(payload)


def rows(parsed: ParsedFile, dataset: str) -> list[dict[str, object]]:
    return parsed.tables[dataset].to_pylist()
