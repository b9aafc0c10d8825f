"""Recognise YouTube files from their content (SPEC 2.0: the file name never decides).

Signatures: an Analytics API result table (`youtubeAnalytics#resultTable`, bare or saved with
its request), and a zip whose entries include Studio's `Table data.csv` or `Chart data.csv`
(a zip head shows its first entry names in the local file headers).
"""

from __future__ import annotations

from apps.sources.connectors.youtube.api_report import KIND_API_REPORT, RESULT_TABLE_KIND
from apps.sources.connectors.youtube.studio import KIND_STUDIO_ZIP

ZIP_MAGIC = b"PK\x03\x04"
_JSON_STARTS = (b"{", b"[")
_WHITESPACE_AND_BOM = b"\xef\xbb\xbf \t\r\n"
_RESULT_TABLE = b'"' + RESULT_TABLE_KIND.encode("ascii") + b'"'
# Entry names Studio gives its export; `Totals.csv` alone is too common a name to claim a zip.
_STUDIO_ENTRIES = (b"table data.csv", b"chart data.csv")


def sniff_kind(head: bytes) -> str | None:
    """`api_report` or `studio_zip` for YouTube content, else None; never raises."""
    if head.startswith(ZIP_MAGIC):
        folded = head.lower()
        return KIND_STUDIO_ZIP if any(name in folded for name in _STUDIO_ENTRIES) else None
    stripped = head.lstrip(_WHITESPACE_AND_BOM)
    if stripped.startswith(_JSON_STARTS) and _RESULT_TABLE in stripped:
        return KIND_API_REPORT
    return None
