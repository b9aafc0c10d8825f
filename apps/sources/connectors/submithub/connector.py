"""SubmitHub: one account; campaign submissions from a manual export (SPEC 2.10, provisional)."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import SNIFF_HEAD_BYTES, Connector, ParsedFile, Payload
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION
from apps.sources.connectors.submithub.parse import parse_submithub
from apps.sources.connectors.submithub.sniff import sniff_kind


class SubmitHubConnector(Connector):
    source_id = "submithub"
    parser_version = "1"
    # Share of rejected rows above which a file is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """The SubmitHub kind when the header matches the alias table; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows; any unreadable input ends as FileRejected, never another error."""
        check_extension(payload.path, payload.original_name)
        return parse_submithub(payload, max_rejected_fraction=self.max_rejected_fraction)
