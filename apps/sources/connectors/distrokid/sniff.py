"""Recognise DistroKid files from their content (SPEC 2.0: the file name never decides)."""

from __future__ import annotations

import re

from apps.sources.connectors.distrokid.schemas import KIND_BANK_STATEMENT, match_header
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
    if match_header(header) is not None:
        return KIND_BANK_STATEMENT
    return sniff_chart_kind(head)


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
