"""Recognise TikTok files from their content (SPEC 2.0: the file name never decides).

Signatures: a zip whose entry names include the legacy export's CSVs; a CSV whose header is a
Studio export's or the legacy Overview's (English, Portuguese or the old `reach`); a JSON object
with the follower snapshot's keys.
"""

from __future__ import annotations

import csv
import json
import struct
from pathlib import PurePosixPath

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.tiktok.csvtext import decode
from apps.sources.connectors.tiktok.layouts import (
    LEGACY_OVERVIEW,
    STUDIO_CONTENT,
    STUDIO_FOLLOWERS,
    STUDIO_OVERVIEW,
    layout_of_header,
)
from apps.sources.connectors.tiktok.legacy import ENTRY_NAMES, KIND_LEGACY_CSV, KIND_LEGACY_ZIP
from apps.sources.connectors.tiktok.snapshot import KIND_FOLLOWER_SNAPSHOT, is_snapshot
from apps.sources.connectors.tiktok.studio import (
    KIND_STUDIO_CONTENT,
    KIND_STUDIO_FOLLOWERS,
    KIND_STUDIO_OVERVIEW,
)

ZIP_MAGIC = b"PK\x03\x04"
_JSON_PADDING = b"\xef\xbb\xbf \t\r\n"
# Local file header: name length at 26, name at 30. Central directory entry: 28 and 46.
_LOCAL_HEADER = (b"PK\x03\x04", 26, 30)
_CENTRAL_HEADER = (b"PK\x01\x02", 28, 46)
_NAME_LENGTH = struct.Struct("<H")
# The header sits on the first non-blank line; a few lines are enough to find it.
_HEADER_SEARCH_LINES = 5

KIND_OF_LAYOUT: dict[str, str] = {
    LEGACY_OVERVIEW: KIND_LEGACY_CSV,
    STUDIO_OVERVIEW: KIND_STUDIO_OVERVIEW,
    STUDIO_CONTENT: KIND_STUDIO_CONTENT,
    STUDIO_FOLLOWERS: KIND_STUDIO_FOLLOWERS,
}


def sniff_kind(head: bytes) -> str | None:
    """The kind of TikTok file these first bytes start, or None; never raises."""
    if head.startswith(ZIP_MAGIC):
        names = {PurePosixPath(name).name.casefold() for name in zip_names(head)}
        return KIND_LEGACY_ZIP if names & ENTRY_NAMES else None
    stripped = head.lstrip(_JSON_PADDING)
    if stripped.startswith((b"{", b"[")):
        return KIND_FOLLOWER_SNAPSHOT if _is_snapshot_json(stripped) else None
    header = header_fields(head)
    layout = layout_of_header(header) if header else None
    return KIND_OF_LAYOUT[layout.name] if layout else None


def zip_names(head: bytes) -> list[str]:
    """Entry names found in the local and central headers within the head."""
    names: list[str] = []
    for signature, length_at, name_at in (_LOCAL_HEADER, _CENTRAL_HEADER):
        position = head.find(signature)
        while position >= 0 and position + name_at <= len(head):
            (length,) = _NAME_LENGTH.unpack_from(head, position + length_at)
            raw = head[position + name_at : position + name_at + length]
            names.append(raw.decode("utf-8", "replace").replace("\\", "/"))
            position = head.find(signature, position + 4)
    return names


def header_fields(head: bytes) -> list[str]:
    """The first non-blank CSV record of the head, or [] when the head is not text."""
    # Cut at the last line break, so a character split by the head's end cannot change the
    # encoding guess.
    last_break = max(head.rfind(b"\n"), head.rfind(b"\r"))
    cut = head[: last_break + 1] if last_break > 0 else head
    try:
        text, _encoding = decode(cut, what="file")
    except FileRejected:
        return []
    lines = text.splitlines()[:_HEADER_SEARCH_LINES]
    try:
        for fields in csv.reader(lines):
            if any(field.strip() for field in fields):
                return fields
    except csv.Error:
        return []
    return []


def _is_snapshot_json(stripped: bytes) -> bool:
    try:
        return is_snapshot(json.loads(stripped.decode("utf-8")))
    except (ValueError, RecursionError):
        # A snapshot is a few hundred bytes: a head cut mid-document is not one.
        return False
