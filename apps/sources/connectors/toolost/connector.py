"""TooLost: the analytics JSON the portal fetches (Spotify, Apple Music) and sales reports."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import (
    SNIFF_HEAD_BYTES,
    Connector,
    FileRejected,
    ParsedFile,
    Payload,
)
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION
from apps.sources.connectors.toolost.parse import parse_analytics
from apps.sources.connectors.toolost.sales import KIND_SALES_REPORT, parse_sales_report
from apps.sources.connectors.toolost.sniff import ANALYTICS_KINDS, looks_like_json, sniff_kind


class TooLostConnector(Connector):
    source_id = "toolost"
    parser_version = "1"
    # Share of rejected rows above which a file is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION
    possibly_cached_kinds: ClassVar[frozenset[str]] = frozenset(ANALYTICS_KINDS)

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """An analytics kind by its JSON keys, `sales_report` by its header; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows of one file; unreadable input ends as FileRejected, never another error."""
        check_extension(payload.path, payload.original_name)
        kind = payload.kind or self._kind_from_head(payload)
        if kind == KIND_SALES_REPORT:
            return parse_sales_report(
                payload.path, max_rejected_fraction=self.max_rejected_fraction
            )
        if kind in ANALYTICS_KINDS or not kind:
            # Without a kind, JSON lands here and is recognised (or refused) by its keys.
            return parse_analytics(
                payload.path,
                kind=kind,
                captured_at=payload.captured_at,
                max_rejected_fraction=self.max_rejected_fraction,
            )
        raise FileRejected(f"TooLost files of kind {kind!r} are unknown")

    def _kind_from_head(self, payload: Payload) -> str:
        """The sniffed kind; else JSON goes to the analytics parser and text to the sales-report
        parser, whose rejections say precisely what is missing."""
        with payload.path.open("rb") as stream:
            head = stream.read(SNIFF_HEAD_BYTES)
        kind = sniff_kind(head)
        if kind:
            return kind
        return "" if looks_like_json(head) else KIND_SALES_REPORT
