"""Recognise SubmitHub exports from their content, conservatively (SPEC 2.0 and 2.10).

A provisional layout must not claim other sources' files: only a CSV whose header carries every
required field of the alias table (date, artist, track, outlet, status) is a submissions export;
one with artist, track, opened, clicked and a `utm_*` column is the link-analytics kind.
"""

from __future__ import annotations

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.exporttext import decode_export
from apps.sources.connectors.submithub.aliases import KIND_LINK_ANALYTICS, KIND_SUBMISSIONS
from apps.sources.connectors.submithub.parse import WHAT, find_header

_JSON_OR_MARKUP = (b"{", b"[", b"<")


def sniff_kind(head: bytes) -> str | None:
    """The SubmitHub kind these first bytes start, or None; never raises."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_JSON_OR_MARKUP):
        return None
    # Cut at the last line break, so a character split by the head's end cannot change the
    # encoding that decodes the header.
    last_break = max(head.rfind(b"\n"), head.rfind(b"\r"))
    try:
        text, _ = decode_export(head[: last_break + 1] if last_break > 0 else head, what=WHAT)
    except FileRejected:
        return None
    found = find_header(text)
    if found.submissions is not None:
        return KIND_SUBMISSIONS
    return KIND_LINK_ANALYTICS if found.is_link_analytics else None
