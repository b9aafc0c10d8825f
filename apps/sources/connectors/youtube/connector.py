"""YouTube: one account per channel; Analytics API daily figures and Studio video tables
(SPEC 2.7)."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import SNIFF_HEAD_BYTES, Connector, ParsedFile, Payload
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION
from apps.sources.connectors.youtube.api_report import KIND_API_REPORT, parse_api_report
from apps.sources.connectors.youtube.sniff import ZIP_MAGIC, sniff_kind
from apps.sources.connectors.youtube.studio import parse_studio_zip


class YouTubeConnector(Connector):
    source_id = "youtube"
    # 2: a Studio export also yields its Totals.csv daily views; `replay --source youtube`
    # brings them in for the exports loaded before.
    parser_version = "2"
    # Share of rejected rows above which a file is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION
    # A Studio export's views-only days never replace the API report's full days in curated.
    api_payload_kinds: ClassVar[frozenset[str]] = frozenset({KIND_API_REPORT})

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """The YouTube kind when the content carries one of its signatures; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows; any unreadable input ends as FileRejected, never another error."""
        check_extension(payload.path, payload.original_name)
        # The content decides, as in `sniff`: a claimed kind cannot route a zip to the JSON parser.
        with payload.path.open("rb") as stream:
            is_zip = stream.read(len(ZIP_MAGIC)) == ZIP_MAGIC
        if is_zip:
            return parse_studio_zip(payload, max_rejected_fraction=self.max_rejected_fraction)
        return parse_api_report(payload, max_rejected_fraction=self.max_rejected_fraction)

    def requires_account(self) -> bool:
        return True
