"""Recognise TooLost files from their content (SPEC 2.0 and 2.2: the file name never decides)."""

from __future__ import annotations

import re

from apps.sources.connectors.base import SNIFF_HEAD_BYTES
from apps.sources.connectors.distrokid.textfile import binary_reason, decode_line, first_line
from apps.sources.connectors.toolost.sales import KIND_SALES_REPORT, sniff_sales_header

KIND_ANALYTICS_SPOTIFY = "analytics_spotify"
KIND_ANALYTICS_APPLE = "analytics_apple"
ANALYTICS_KINDS = (KIND_ANALYTICS_SPOTIFY, KIND_ANALYTICS_APPLE)

_WHITESPACE_AND_BOM = b"\xef\xbb\xbf \t\r\n"


def sniff_kind(head: bytes) -> str | None:
    """The kind of TooLost file these first bytes start, or None; never raises."""
    stripped = head.lstrip(_WHITESPACE_AND_BOM)
    if not stripped or binary_reason(head):
        return None
    if stripped.startswith(b"{"):
        return sniff_analytics_kind(head)
    header, _encoding = decode_line(first_line(head))
    return KIND_SALES_REPORT if sniff_sales_header(header) else None


def looks_like_json(head: bytes) -> bool:
    return head.lstrip(_WHITESPACE_AND_BOM).startswith((b"{", b"["))


def sniff_analytics_kind(head: bytes) -> str | None:
    """Signatures (SPEC 2.2): `streams` + `discovery` is Spotify, `totalStreams` +
    `streamTotal` is Apple Music.

    `streamTotal` comes last in the Apple response; a response longer than the sniffed head
    (many tracks with cover URLs) is recognised by `totalStreams` + `tracksTotal` instead.
    """
    is_spotify = _has_key(head, b"streams") and _has_key(head, b"discovery")
    is_cut = len(head) >= SNIFF_HEAD_BYTES
    has_apple_end = _has_key(head, b"streamTotal") or (is_cut and _has_key(head, b"tracksTotal"))
    is_apple = _has_key(head, b"totalStreams") and has_apple_end
    if is_spotify == is_apple:
        return None
    return KIND_ANALYTICS_SPOTIFY if is_spotify else KIND_ANALYTICS_APPLE


def _has_key(head: bytes, key: bytes) -> bool:
    return re.search(rb'"' + re.escape(key) + rb'"\s*:', head) is not None
