"""Instagram: one account per IG account; Graph insights and profile, Business Suite CSV."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import SNIFF_HEAD_BYTES, Connector, ParsedFile, Payload
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.instagram.graph import KIND_API_INSIGHTS, KIND_API_PROFILE
from apps.sources.connectors.instagram.parse import parse_instagram
from apps.sources.connectors.instagram.sniff import sniff_kind
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION


class InstagramConnector(Connector):
    source_id = "instagram"
    parser_version = "1"
    # Share of rejected rows above which a file is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION
    # A Business Suite CSV never replaces Graph API days in curated.
    api_payload_kinds: ClassVar[frozenset[str]] = frozenset({KIND_API_INSIGHTS, KIND_API_PROFILE})

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """The Instagram kind when the content carries one of its signatures; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows; any unreadable input ends as FileRejected, never another error."""
        check_extension(payload.path, payload.original_name)
        # The content decides, as in `sniff`: a claimed kind cannot route a CSV to the JSON reader.
        return parse_instagram(payload, max_rejected_fraction=self.max_rejected_fraction)

    def requires_account(self) -> bool:
        return True
