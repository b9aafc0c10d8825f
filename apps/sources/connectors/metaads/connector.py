"""Meta Ads: one ad account; Ads Manager exports (CSV, XLSX) and Marketing API pages (SPEC 2.5).

Fetching through the Marketing API is a later issue; this connector recognises and parses.
"""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import SNIFF_HEAD_BYTES, Connector, ParsedFile, Payload
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.metaads.api import parse_api_page
from apps.sources.connectors.metaads.csvfile import read_csv
from apps.sources.connectors.metaads.export import ExportSource, parse_export
from apps.sources.connectors.metaads.rows import (
    KIND_ADS_MANAGER_CSV,
    KIND_ADS_MANAGER_XLSX,
    KIND_API_ENTITIES,
    KIND_API_INSIGHTS,
)
from apps.sources.connectors.metaads.sniff import sniff_kind
from apps.sources.connectors.metaads.xlsxfile import read_sheet
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION

_ZIP_MAGIC = b"PK\x03\x04"
_JSON_LEAD = b"\xef\xbb\xbf \t\r\n"


class MetaAdsConnector(Connector):
    source_id = "metaads"
    parser_version = "1"
    # Share of rejected rows above which a file is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION
    # An Ads Manager export never replaces Marketing API rows in curated.
    api_payload_kinds: ClassVar[frozenset[str]] = frozenset({KIND_API_INSIGHTS, KIND_API_ENTITIES})

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """The Meta kind when the content carries one of its signatures; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows; any unreadable input ends as FileRejected, never another error."""
        check_extension(payload.path, payload.original_name)
        # The content decides, as in `sniff`: a claimed kind cannot send a CSV to the JSON parser
        # (and a workbook too large for the sniff to see its sheets still parses).
        with payload.path.open("rb") as stream:
            head = stream.read(SNIFF_HEAD_BYTES)
        if head.startswith(_ZIP_MAGIC):
            return self._parse_xlsx(payload)
        if head.lstrip(_JSON_LEAD).startswith((b"{", b"[")):
            return parse_api_page(payload, max_rejected_fraction=self.max_rejected_fraction)
        return self._parse_csv(payload)

    def _parse_csv(self, payload: Payload) -> ParsedFile:
        text = read_csv(payload.path)
        source = ExportSource(
            records=text.records,
            kind=KIND_ADS_MANAGER_CSV,
            is_formatted=False,
            encoding=text.encoding,
            delimiter=text.delimiter,
            line_ending=text.line_ending,
            checks_ragged_rows=True,
        )
        return parse_export(source, payload, max_rejected_fraction=self.max_rejected_fraction)

    def _parse_xlsx(self, payload: Payload) -> ParsedFile:
        sheet = read_sheet(payload.path)
        source = ExportSource(
            records=sheet.records, kind=KIND_ADS_MANAGER_XLSX, is_formatted=sheet.is_formatted
        )
        return parse_export(source, payload, max_rejected_fraction=self.max_rejected_fraction)
