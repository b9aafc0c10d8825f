"""Recognise Meta Ads files from their first 64 KiB (SPEC 2.0: the file name never decides).

Signatures (SPEC 2.5): a CSV header with `Reporting starts` and `Amount spent (<CUR>)` or their
aliases; an XLSX with a `Raw Data Report` (or `Formatted Report`) sheet; JSON `data[]` rows with
`campaign_id` and `date_start` (insights) or with object fields such as `effective_status`
(campaigns, ad sets, ads). Every function here returns None rather than raise.
"""

from __future__ import annotations

import codecs
import csv
import re
import struct
import zlib

from apps.sources.connectors.metaads.csvfile import sniff_delimiter
from apps.sources.connectors.metaads.headers import match_header
from apps.sources.connectors.metaads.rows import (
    KIND_ADS_MANAGER_CSV,
    KIND_ADS_MANAGER_XLSX,
    KIND_API_ENTITIES,
    KIND_API_INSIGHTS,
)
from apps.sources.connectors.metaads.xlsxfile import PREFERRED_SHEETS

# Lines of a CSV looked at for the header (a re-saved file may carry a title line above it).
HEADER_LINES = 2
# Entries whose XML names the sheets: the workbook itself, and the document properties.
_SHEET_LISTS = (b"xl/workbook.xml", b"docProps/app.xml")
# Bound on what a sniff inflates, so a crafted head cannot make it expand without limit.
MAX_INFLATED_BYTES = 1 << 20
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_SIGNATURE = 0x04034B50
_DEFLATED = 8
_STORED = 0

_JSON_LEAD = b"\xef\xbb\xbf \t\r\n"
_DATA_LIST = re.compile(rb'"data"\s*:\s*\[')
_INSIGHT_FIELDS = (re.compile(rb'"campaign_id"\s*:'), re.compile(rb'"date_start"\s*:'))
_OBJECT_ID = re.compile(rb'"id"\s*:')
_OBJECT_FIELDS = re.compile(
    rb'"(effective_status|configured_status|objective|optimization_goal|billing_event|'
    rb'bid_strategy|daily_budget|lifetime_budget|creative|targeting)"\s*:'
)


def sniff_kind(head: bytes) -> str | None:
    """The Meta kind these first bytes start, or None."""
    if head.startswith(b"PK\x03\x04"):
        return KIND_ADS_MANAGER_XLSX if _is_report_workbook(head) else None
    stripped = head.lstrip(_JSON_LEAD)
    if stripped.startswith(b"{"):
        return _json_kind(stripped)
    return KIND_ADS_MANAGER_CSV if _has_export_header(head) else None


def _json_kind(head: bytes) -> str | None:
    if not _DATA_LIST.search(head):
        return None
    if all(pattern.search(head) for pattern in _INSIGHT_FIELDS):
        return KIND_API_INSIGHTS
    if _OBJECT_ID.search(head) and _OBJECT_FIELDS.search(head):
        return KIND_API_ENTITIES
    return None


def _has_export_header(head: bytes) -> bool:
    is_utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not head or (b"\x00" in head and not is_utf16):
        return False
    lines = [line for line in _head_text(head).splitlines() if line.strip()][:HEADER_LINES]
    for line in lines:
        try:
            cells = next(csv.reader([line], delimiter=sniff_delimiter(line)))
        except (csv.Error, StopIteration):
            continue
        if match_header(cells) is not None:
            return True
    return False


def _head_text(head: bytes) -> str:
    """The head as text; a character cut at the 64 KiB boundary is replaced, not an error."""
    if head.startswith(codecs.BOM_UTF8):
        return head[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", "replace")
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:
            return head[: error.start].decode("utf-8")
        return head.decode("cp1252", "replace")


def _is_report_workbook(head: bytes) -> bool:
    """A sheet list visible in the head names a report sheet (the zip directory is at the end,
    so the local entries are walked from the start)."""
    for name, data in _local_entries(head):
        if name in _SHEET_LISTS:
            text = data.decode("utf-8", "replace")
            if any(_names_sheet(text, sheet) for sheet in PREFERRED_SHEETS):
                return True
    return False


def _names_sheet(xml: str, sheet: str) -> bool:
    return f'name="{sheet}"' in xml or f">{sheet}<" in xml


def _local_entries(head: bytes) -> list[tuple[bytes, bytes]]:
    """(name, inflated start of the data) of each sheet-list entry found in the head."""
    found = []
    position = 0
    while position + _LOCAL_HEADER.size <= len(head):
        fields = _LOCAL_HEADER.unpack_from(head, position)
        if fields[0] != _LOCAL_SIGNATURE:
            break
        method, compressed_size, name_size, extra_size = fields[3], fields[7], fields[9], fields[10]
        start = position + _LOCAL_HEADER.size
        name = head[start : start + name_size]
        data_start = start + name_size + extra_size
        if name in _SHEET_LISTS:
            found.append((name, _inflate(head[data_start:], method)))
        if compressed_size == 0:
            # Sizes written after the data (bit 3): the next entry cannot be located cheaply.
            break
        position = data_start + compressed_size
    return found


def _inflate(data: bytes, method: int) -> bytes:
    if method == _STORED:
        return data[:MAX_INFLATED_BYTES]
    if method != _DEFLATED:
        return b""
    try:
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, MAX_INFLATED_BYTES)
    except zlib.error:
        return b""
