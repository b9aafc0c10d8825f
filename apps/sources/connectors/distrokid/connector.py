"""DistroKid: bank statements and the two stream-chart pages (Spotify and Apple Music)."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import (
    SNIFF_HEAD_BYTES,
    Connector,
    FileRejected,
    ParsedFile,
    Payload,
)
from apps.sources.connectors.distrokid.charts import parse_chart
from apps.sources.connectors.distrokid.parse import MAX_REJECTED_FRACTION, parse_statement
from apps.sources.connectors.distrokid.schemas import KIND_BANK_STATEMENT
from apps.sources.connectors.distrokid.sniff import (
    KIND_APPLE_CHART,
    KIND_STREAMS_CHART,
    sniff_chart_kind,
    sniff_kind,
)
from apps.sources.connectors.filetype import check_extension


class DistroKidConnector(Connector):
    source_id = "distrokid"
    parser_version = "1"
    # Share of rejected rows above which a statement is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """`bank_statement` by header set, or a chart kind by its page signature; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows of a statement or chart page; unreadable input ends as FileRejected only."""
        check_extension(payload.path, payload.original_name)
        # Without a kind, anything that is not a chart page goes to the statement parser, whose
        # rejection says precisely why it is not a statement (binary, empty, header mismatch).
        kind = payload.kind or self._chart_kind(payload) or KIND_BANK_STATEMENT
        if kind == KIND_BANK_STATEMENT:
            return parse_statement(payload.path, max_rejected_fraction=self.max_rejected_fraction)
        if kind in (KIND_STREAMS_CHART, KIND_APPLE_CHART):
            return parse_chart(
                payload.path,
                kind=kind,
                captured_at=payload.captured_at,
                max_rejected_fraction=self.max_rejected_fraction,
            )
        raise FileRejected(f"DistroKid files of kind {kind!r} are unknown")

    def _chart_kind(self, payload: Payload) -> str | None:
        with payload.path.open("rb") as stream:
            return sniff_chart_kind(stream.read(SNIFF_HEAD_BYTES))
