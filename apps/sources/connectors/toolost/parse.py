"""Parse TooLost's analytics JSON (SPEC 2.2) into `streams_daily`, track totals and Discovery fees.

`analytics_spotify`: `{"streams": [{"date", "streams"}], "discovery": [{"date", "streams",
"fees"}]}` with counts as digit strings and fees as 8-decimal strings. `analytics_apple`:
`{"totalStreams": [{"date", "streams"}], "totalShazam": [...], "tracksTotal": [{"isrc",
"streams", "track", "release", "cover"}], "countryTotal": [...], "streamTotal": int}`.
Arrays come unsorted and a day without streams may be absent: it stays absent (never a 0).
The window is the current year only; curated history keeps earlier years.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import partial
from pathlib import Path

from apps.sources.connectors import rowbook
from apps.sources.connectors.base import FileRejected, ParsedFile
from apps.sources.connectors.jsliteral import LiteralError, Node, read_document
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION, RowBook, RowInvalid, shown
from apps.sources.connectors.streamrows import (
    Element,
    SourceText,
    amount_of,
    capture_day,
    count_of,
    day_of,
    keep_or_reject,
    line_ending_of,
    month_of,
    plain,
    read_text_file,
    sorted_tables,
    text_of,
)
from apps.sources.connectors.toolost.sniff import KIND_ANALYTICS_APPLE, KIND_ANALYTICS_SPOTIFY
from apps.sources.datasets_streams import (
    DISCOVERY_FEES_MONTHLY,
    DISCOVERY_FEES_MONTHLY_SCHEMA,
    DISTRIBUTOR_TRACK_TOTALS,
    DISTRIBUTOR_TRACK_TOTALS_SCHEMA,
    PLATFORM_APPLE_MUSIC,
    PLATFORM_SPOTIFY,
    STREAMS_DAILY,
    STREAMS_DAILY_SCHEMA,
    WINDOW_THIS_YEAR,
)

logger = logging.getLogger(__name__)

DISTRIBUTOR = "toolost"
SCHEMA_IDS = {
    KIND_ANALYTICS_SPOTIFY: "tl_analytics_spotify",
    KIND_ANALYTICS_APPLE: "tl_analytics_apple",
}
# Top-level keys that name each response (SPEC 2.2 signatures).
SIGNATURES = {
    KIND_ANALYTICS_SPOTIFY: ("streams", "discovery"),
    KIND_ANALYTICS_APPLE: ("totalStreams", "streamTotal"),
}

_TABLE_SCHEMAS = {
    STREAMS_DAILY: STREAMS_DAILY_SCHEMA,
    DISTRIBUTOR_TRACK_TOTALS: DISTRIBUTOR_TRACK_TOTALS_SCHEMA,
    DISCOVERY_FEES_MONTHLY: DISCOVERY_FEES_MONTHLY_SCHEMA,
}
_SORT_KEYS = {STREAMS_DAILY: "date", DISCOVERY_FEES_MONTHLY: "month"}


def parse_analytics(
    path: Path,
    *,
    kind: str,
    captured_at: datetime | None,
    max_rejected_fraction: float = MAX_REJECTED_FRACTION,
) -> ParsedFile:
    """Typed rows of one analytics response; the kind is read from its keys when not given."""
    # JSON is UTF-8 by definition (RFC 8259); anything else is not a saved API response.
    text, encoding = read_text_file(path, what="a TooLost JSON response", encodings=("utf-8",))
    source = SourceText.of(text)
    document = _document(source)
    kind = kind or analytics_kind(document) or _unrecognised(document)
    book = RowBook()
    if kind == KIND_ANALYTICS_SPOTIFY:
        warnings = _read_spotify(source, document, book)
    elif kind == KIND_ANALYTICS_APPLE:
        warnings = _read_apple(source, document, book, capture_day(captured_at, path))
    else:
        raise FileRejected(f"TooLost files of kind {kind!r} are not analytics responses")
    book.check_share(max_rejected_fraction)
    parsed = ParsedFile(
        kind=kind,
        schema_id=SCHEMA_IDS[kind],
        tables=sorted_tables(book, _TABLE_SCHEMAS, _SORT_KEYS),
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding=encoding,
        line_ending=line_ending_of(text),
        warnings=warnings,
        captured_at=captured_at,
    )
    logger.info(
        "toolost_analytics_parsed kind=%s rows_in=%s rows_out=%s rejected=%s",
        kind,
        parsed.rows_in,
        parsed.rows_out,
        len(parsed.rejections),
    )
    return parsed


def analytics_kind(document: Node) -> str | None:
    """The kind whose signature keys the response has at its top level, if exactly one."""
    keys = document.members()
    kinds = [kind for kind, needed in SIGNATURES.items() if all(key in keys for key in needed)]
    return kinds[0] if len(kinds) == 1 else None


def _document(source: SourceText) -> Node:
    try:
        document = read_document(source.text)
    except LiteralError as error:
        line = source.lines.line_of(error.position)
        raise FileRejected(f"file is not JSON: {error.message} at line {line}") from None
    if not document.is_object:
        raise FileRejected("JSON is not an object, so not a TooLost analytics response")
    return document


def _unrecognised(document: Node) -> str:
    found = ", ".join(shown(key) for key in list(document.members())[:20]) or "none"
    raise FileRejected(
        "JSON is not a TooLost analytics response: expected the keys streams + discovery "
        f"(Spotify) or totalStreams + streamTotal (Apple Music); keys found: {found}"
    )


def _required_array(document: Node, key: str, kind: str) -> Node:
    node = document.member(key)
    if node is None or not node.is_array:
        raise FileRejected(f"{kind} response has no {key!r} array")
    return node


def _read_spotify(source: SourceText, document: Node, book: RowBook) -> list[str]:
    streams = _required_array(document, "streams", KIND_ANALYTICS_SPOTIFY)
    discovery = _required_array(document, "discovery", KIND_ANALYTICS_SPOTIFY)
    keep_day = partial(_keep_day, book, platform=PLATFORM_SPOTIFY)
    for element in source.elements(streams, "streams"):
        keep_or_reject(book, element, keep_day)
    for element in source.elements(discovery, "discovery"):
        keep_or_reject(book, element, partial(_keep_discovery, book))
    return []


def _read_apple(source: SourceText, document: Node, book: RowBook, captured_on: date) -> list[str]:
    totals = _required_array(document, "totalStreams", KIND_ANALYTICS_APPLE)
    days = source.elements(totals, "totalStreams")
    keep_day = partial(_keep_day, book, platform=PLATFORM_APPLE_MUSIC)
    for element in days:
        keep_or_reject(book, element, keep_day)
    warnings = _stream_total_warnings(document.member("streamTotal"), days)
    tracks = document.member("tracksTotal")
    if tracks is None or not tracks.is_array:
        # The daily series still loads; the response just carried no per-track block.
        return [*warnings, "tracksTotal_missing"]
    keep_track = partial(_keep_track, book, captured_on=captured_on)
    for element in source.elements(tracks, "tracksTotal"):
        keep_or_reject(book, element, keep_track)
    return warnings


def _keep_day(book: RowBook, element: Element, *, platform: str) -> None:
    day = day_of(element, "date")
    streams = count_of(element, "streams")
    values = {"date": day, "distributor": DISTRIBUTOR, "platform": platform, "streams": streams}
    book.keep(STREAMS_DAILY, (day.isoformat(),), values, row=element.row, raw_line=element.raw_line)


def _keep_discovery(book: RowBook, element: Element) -> None:
    month = month_of(element, "date")
    values = {
        "distributor": DISTRIBUTOR,
        "month": month,
        "streams": count_of(element, "streams"),
        "fees_usd": amount_of(element, "fees"),
    }
    book.keep(
        DISCOVERY_FEES_MONTHLY,
        (f"{month:%Y-%m}",),
        values,
        row=element.row,
        raw_line=element.raw_line,
    )


def _keep_track(book: RowBook, element: Element, *, captured_on: date) -> None:
    isrc = text_of(element, "isrc", is_required=False)
    isrc = isrc.replace("-", "").replace(" ", "").upper() if isrc else None
    title = text_of(element, "track", is_required=False)
    track_key = isrc or title
    if track_key is None:
        message = f"{element.path} has neither an isrc nor a track title"
        raise RowInvalid(element.column("isrc"), rowbook.MISSING_VALUE, message)
    values = {
        "captured_on": captured_on,
        "distributor": DISTRIBUTOR,
        "platform": PLATFORM_APPLE_MUSIC,
        "window": WINDOW_THIS_YEAR,
        "track_key": track_key,
        "isrc": isrc,
        "track_title": title,
        "release_title": text_of(element, "release", is_required=False),
        "streams": count_of(element, "streams"),
    }
    key = (track_key,)
    book.keep(DISTRIBUTOR_TRACK_TOTALS, key, values, row=element.row, raw_line=element.raw_line)


def _stream_total_warnings(stream_total: Node | None, days: list[Element]) -> list[str]:
    """`streamTotal` must equal the sum of `totalStreams` (SPEC 2.2); a mismatch is noted on
    the file, which still loads: the daily values are the data, the total only a check."""
    if stream_total is None:
        return ["stream_total_missing"]
    try:
        expected = rowbook.parse_count(plain(stream_total), "streamTotal")
    except RowInvalid:
        expected = None
    if expected is None:
        return [f"stream_total_unreadable value={shown(plain(stream_total))}"]
    total = sum(_count_or_zero(element) for element in days)
    if total == expected:
        return []
    return [f"stream_total_mismatch stream_total={expected} sum_total_streams={total}"]


def _count_or_zero(element: Element) -> int:
    """A day's streams as the file states them (a rejected day still counts in the check)."""
    try:
        return count_of(element, "streams")
    except RowInvalid:
        return 0
