"""Linktree: one account; daily views and clicks, link totals and audience breakdowns (SPEC 2.6)."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import SNIFF_HEAD_BYTES, Connector, ParsedFile, Payload
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.linktree.parse import parse_analytics
from apps.sources.connectors.linktree.sniff import sniff_kind
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION


class LinktreeConnector(Connector):
    source_id = "linktree"
    parser_version = "1"
    # Share of rejected rows above which a file is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """`analytics` when the content is a Linktree analytics response; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows; any unreadable input ends as FileRejected, never another error."""
        check_extension(payload.path, payload.original_name)
        return parse_analytics(payload, max_rejected_fraction=self.max_rejected_fraction)
