"""Recognise S4A files from their content (SPEC 2.0: the file name never decides).

Signatures (SPEC 2.3): the CSV headers of each layout, on line 1 or 2; JSON with
`songs[].trackName` and `numStreams`.
"""

from __future__ import annotations

import csv

from apps.sources.connectors.spotify.layouts import KIND_SONGS_API, match_header, near_layout
from apps.sources.connectors.spotify.textfile import binary_reason, decode

# The header sits on line 1, or on line 2 below a title line.
HEADER_SEARCH_RECORDS = 2
_JSON_STARTS = (b"{", b"[")
_WHITESPACE_AND_BOM = b"\xef\xbb\xbf \t\r\n"


def sniff_kind(head: bytes) -> str | None:
    """The kind of S4A file these first bytes start, or None; never raises."""
    stripped = head.lstrip(_WHITESPACE_AND_BOM)
    if not stripped:
        return None
    if stripped.startswith(_JSON_STARTS):
        return KIND_SONGS_API if is_songs_json(stripped) else None
    if binary_reason(head):
        return None
    candidates = header_candidates(head)
    for cells in candidates:
        match = match_header(cells, is_sniffing=True)
        if match is not None:
            return match.layout.kind
    for cells in candidates:
        near = near_layout(cells)
        if near is not None:
            return near.kind
    return None


def is_songs_json(head: bytes) -> bool:
    return all(marker in head for marker in (b'"songs"', b'"trackName"', b'"numStreams"'))


def header_candidates(head: bytes) -> list[list[str]]:
    """The first non-blank records of the head, where a header may sit."""
    # Cut at the last line break, so a character split by the head's end cannot turn a UTF-8
    # header into a cp1252 one.
    last_break = max(head.rfind(b"\n"), head.rfind(b"\r"))
    text, _encoding = decode(head[: last_break + 1] if last_break > 0 else head)
    lines = text.splitlines()[: HEADER_SEARCH_RECORDS + 3]
    candidates: list[list[str]] = []
    try:
        for fields in csv.reader(lines):
            if any(field.strip() for field in fields):
                candidates.append(fields)
            if len(candidates) == HEADER_SEARCH_RECORDS:
                break
    except csv.Error:
        return candidates
    return candidates
