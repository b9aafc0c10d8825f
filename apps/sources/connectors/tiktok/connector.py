"""TikTok: one account per persona; legacy web exports, Studio exports, follower snapshots."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import SNIFF_HEAD_BYTES, Connector, ParsedFile, Payload
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION
from apps.sources.connectors.tiktok.parse import parse_tiktok
from apps.sources.connectors.tiktok.sniff import sniff_kind


class TikTokConnector(Connector):
    source_id = "tiktok"
    parser_version = "1"
    # Share of rejected rows above which a file is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """The TikTok kind when the content carries one of its signatures; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows; any unreadable input ends as FileRejected, never another error."""
        check_extension(payload.path, payload.original_name)
        # The content decides, as in `sniff`: a claimed kind cannot route a CSV to the zip reader.
        return parse_tiktok(payload, max_rejected_fraction=self.max_rejected_fraction)

    def requires_account(self) -> bool:
        return True
