"""Recognise DistroKid files from their content (SPEC 2.0: the file name never decides)."""

from __future__ import annotations

from apps.sources.connectors.distrokid.schemas import KIND_BANK_STATEMENT, match_header
from apps.sources.connectors.distrokid.textfile import binary_reason, decode_line, first_line

KIND_STREAMS_CHART = "streams_chart"
KIND_APPLE_CHART = "apple_chart"


def sniff_kind(head: bytes) -> str | None:
    """The kind of DistroKid file these first bytes start, or None; never raises."""
    if not head or binary_reason(head):
        return None
    header, _encoding = decode_line(first_line(head))
    if match_header(header) is not None:
        return KIND_BANK_STATEMENT
    return sniff_chart_kind(head)


def sniff_chart_kind(head: bytes) -> str | None:
    """Stream-chart HTML (`trend365day` -> streams_chart, `var chartData` -> apple_chart).

    Claimed only once their parsers exist (a later issue): recognising a file that `parse` must
    then refuse would stop `ingest` from reporting it as "source not recognised".
    """
    return None
