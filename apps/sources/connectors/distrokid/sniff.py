"""Recognise DistroKid files from their content (SPEC 2.0: the file name never decides)."""

from __future__ import annotations

import re

from apps.sources.connectors.distrokid.schemas import (
    KIND_BANK_STATEMENT,
    SCHEMAS,
    canonical_names,
    header_dialect,
    match_header,
    split_header,
)
from apps.sources.connectors.distrokid.textfile import binary_reason, decode_line, first_line

KIND_STREAMS_CHART = "streams_chart"
KIND_APPLE_CHART = "apple_chart"

# The chart pages' signatures (SPEC 2.1), as bytes: the head is sniffed before it is decoded.
_CHART_DATA_SIGNATURE = re.compile(rb"\b(?:var|let|const)\s+chartData\s*=")
_TREND_SIGNATURE = b"trend365day"


def sniff_kind(head: bytes) -> str | None:
    """The kind of DistroKid file these first bytes start, or None; never raises."""
    if not head or binary_reason(head):
        return None
    header, _encoding = decode_line(first_line(head))
    if match_header(header) is not None or _is_near_statement_header(header):
        return KIND_BANK_STATEMENT
    return sniff_chart_kind(head)


# Headers that only a DistroKid statement carries together; a header holding most of one layout
# is still ours when a column is missing or renamed, so `ingest` without --source reaches the
# parser, whose rejection lists the missing columns (SPEC 3.3) instead of "not recognised".
_NEAR_MATCH_SHARE = 0.75


def _is_near_statement_header(line: str) -> bool:
    present = set(canonical_names(split_header(line, header_dialect(line))))
    return any(
        len(schema.header_set & present) >= _NEAR_MATCH_SHARE * len(schema.header_set)
        for schema in SCHEMAS
    )


def sniff_chart_kind(head: bytes) -> str | None:
    """Stream-chart HTML (`var chartData` -> apple_chart, `trend365day` -> streams_chart).

    `var chartData` is checked first: the Apple Music page draws its charts with amCharts too,
    so a `trend365day` config there must not turn it into the Spotify chart.
    """
    if not head or binary_reason(head):
        return None
    if _CHART_DATA_SIGNATURE.search(head):
        return KIND_APPLE_CHART
    if _TREND_SIGNATURE in head:
        return KIND_STREAMS_CHART
    return None
