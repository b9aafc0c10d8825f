"""Recognise Instagram files from their content (SPEC 2.0: the file name never decides).

Signatures (SPEC 2.9): Graph insights JSON (`data[]` items with `name`, `period` and `values`
or `total_value`), the profile JSON (`followers_count`, `media_count`), and the Business Suite
CSV (`sep=` on line 1, then a title, then the header `Date,Primary`).
"""

from __future__ import annotations

import csv
import json

from apps.sources.connectors.instagram.business_suite import (
    HEADER,
    KIND_BUSINESS_SUITE_CSV,
    fold,
)
from apps.sources.connectors.instagram.graph import KIND_API_INSIGHTS, KIND_API_PROFILE

PROFILE_KEYS = frozenset({"followers_count", "media_count"})
_JSON_PADDING = b"\xef\xbb\xbf \t\r\n"
_UTF16_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Markers of an insights payload too long for the head to hold all of it.
_INSIGHTS_MARKERS = (b'"data"', b'"period"', b"/insights/")
PRIMARY = "primary"
# sep line, title, header, and room for blank lines between them.
_SUITE_SEARCH_LINES = 6


def sniff_kind(head: bytes) -> str | None:
    """The kind of Instagram file these first bytes start, or None; never raises."""
    stripped = head.lstrip(_JSON_PADDING)
    if stripped.startswith(b"{"):
        return _json_kind(stripped)
    return KIND_BUSINESS_SUITE_CSV if is_suite_head(head) else None


def is_suite_head(head: bytes) -> bool:
    """`sep=` on line 1 and `Date,Primary` as the second non-blank line after it."""
    text = _head_text(head)
    lines = text.splitlines()[:_SUITE_SEARCH_LINES]
    if not lines or not fold(lines[0].strip('"')).startswith("sep="):
        return False
    delimiter = lines[0].strip().strip('"')[4:5] or ","
    rest = [line for line in lines[1:] if line.strip()]
    if len(rest) < 2:
        return False
    try:
        header = next(csv.reader([rest[1]], delimiter=delimiter), [])
    except csv.Error:
        return False
    folded = tuple(fold(field) for field in header)
    # A provisional multi-section audience export (top countries...) has a `Primary` value
    # column under another label: still Business Suite, so the parser can say what it found.
    return folded == HEADER or (len(folded) >= 2 and PRIMARY in folded[1:])


def is_insights(document: object) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        return False
    return any(
        isinstance(item, dict)
        and "name" in item
        and "period" in item
        and ("values" in item or "total_value" in item)
        for item in document["data"]
    )


def is_profile(document: object) -> bool:
    return isinstance(document, dict) and document.keys() >= PROFILE_KEYS


def _json_kind(stripped: bytes) -> str | None:
    try:
        document = json.loads(stripped.decode("utf-8"))
    except (ValueError, RecursionError):
        # A head cut mid-document: a long insights payload still shows its markers.
        has_values = b'"values"' in stripped or b'"total_value"' in stripped
        is_marked = all(marker in stripped for marker in _INSIGHTS_MARKERS)
        return KIND_API_INSIGHTS if is_marked and has_values else None
    if is_insights(document):
        return KIND_API_INSIGHTS
    if is_profile(document):
        return KIND_API_PROFILE
    return None


def _head_text(head: bytes) -> str:
    for bom, encoding in _UTF16_BOMS:
        if head.startswith(bom):
            body = head[len(bom) :]
            # A head may end mid-character: drop the odd byte, replace what cannot decode.
            return body[: len(body) - len(body) % 2].decode(encoding, "replace")
    return head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
