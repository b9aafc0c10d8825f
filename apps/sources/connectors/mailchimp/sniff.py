"""Recognise Mailchimp API responses from their content (SPEC 2.0: the file name never decides).

Signatures: a JSON object with a `reports` list of campaign reports, a `history` list of growth
months, or a list's `stats` with `member_count` and `unsubscribe_count`.
"""

from __future__ import annotations

from apps.sources.connectors.mailchimp.parse import KIND_GROWTH, KIND_LIST, KIND_REPORTS

_WHITESPACE_AND_BOM = b"\xef\xbb\xbf \t\r\n"
# (kind, keys that must all be present, keys of which one must be present)
_SIGNATURES: tuple[tuple[str, tuple[bytes, ...], tuple[bytes, ...]], ...] = (
    (KIND_REPORTS, (b'"reports"',), (b'"campaign_title"', b'"emails_sent"', b'"total_items"')),
    (KIND_GROWTH, (b'"history"',), (b'"optins"', b'"existing"', b'"list_id"')),
    (KIND_LIST, (b'"stats"', b'"member_count"', b'"unsubscribe_count"'), (b'"id"',)),
)


def sniff_kind(head: bytes) -> str | None:
    """The Mailchimp kind these first bytes start, or None; never raises."""
    stripped = head.lstrip(_WHITESPACE_AND_BOM)
    if not stripped.startswith(b"{"):
        return None
    for kind, all_of, any_of in _SIGNATURES:
        if all(key in stripped for key in all_of) and any(key in stripped for key in any_of):
            return kind
    return None
