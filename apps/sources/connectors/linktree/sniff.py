"""Recognise Linktree analytics from content (SPEC 2.0): GraphQL JSON, one response or an array
of them, carrying `getAccountAnalytics`."""

from __future__ import annotations

from apps.sources.connectors.linktree.parse import KIND_ANALYTICS

_JSON_STARTS = (b"{", b"[")
_WHITESPACE_AND_BOM = b"\xef\xbb\xbf \t\r\n"
_SIGNATURE = b'"getAccountAnalytics"'


def sniff_kind(head: bytes) -> str | None:
    """`analytics` for a Linktree analytics capture, else None; never raises."""
    stripped = head.lstrip(_WHITESPACE_AND_BOM)
    if stripped.startswith(_JSON_STARTS) and _SIGNATURE in stripped:
        return KIND_ANALYTICS
    return None
