"""Parse the S4A CSV exports (SPEC 2.3) into typed rows: audience timeline, songs summary and
per-song timeline. The header decides the layout; the file name adds only what the content lacks
(the songs window, the song of a timeline, the artist id)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.rowbook import (
    MAX_REJECTED_FRACTION,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    capture_date,
    parse_count,
    parse_iso_date,
    shown,
    text_key,
)
from apps.sources.connectors.spotify.accounts import ResolvedAccount, resolve_account
from apps.sources.connectors.spotify.layouts import (
    KIND_AUDIENCE_TIMELINE,
    KIND_SONG_TIMELINE,
    KIND_SONGS_SUMMARY,
    HeaderMatch,
    header_mismatch_message,
    match_header,
)
from apps.sources.connectors.spotify.names import (
    artist_ids_in_name,
    song_title_from_name,
    window_from_name,
)
from apps.sources.connectors.spotify.sniff import HEADER_SEARCH_RECORDS
from apps.sources.connectors.spotify.textfile import CsvText, Record, read_csv_text
from apps.sources.datasets_audience import (
    SPOTIFY_AUDIENCE_DAILY,
    SPOTIFY_AUDIENCE_DAILY_SCHEMA,
    SPOTIFY_SONG_DAILY,
    SPOTIFY_SONG_DAILY_SCHEMA,
    SPOTIFY_SONG_WINDOWS,
    SPOTIFY_SONG_WINDOWS_SCHEMA,
)

logger = logging.getLogger(__name__)

# A songs-summary row whose song is the artist: S4A's own total line. It is kept out of the
# per-song data and recorded as a rejection of this code, which never quarantines a file.
AGGREGATE_ROW = "aggregate_row"
RAGGED_ROW = "ragged_row"
# The window whose listeners and saves S4A reports as 0 because it does not compute them.
WINDOW_WITHOUT_AUDIENCE = "all"

_AUDIENCE_COUNTS = ("listeners", "streams", "followers", "playlist_adds", "saves")


@dataclass(frozen=True)
class CsvContext:
    """What every row of one file shares."""

    match: HeaderMatch
    account: ResolvedAccount
    captured_on: date
    window: str
    song_title: str


Row = tuple[str, tuple[object, ...], dict[str, object]]
Converter = Callable[[dict[str, str], CsvContext], Row]


def parse_csv(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed rows of one S4A CSV export, or FileRejected naming why the file cannot load."""
    text = read_csv_text(payload.path)
    header_index, match = _find_header(text.records)
    context = _context(payload, match)
    book = RowBook()
    convert = _CONVERTERS[match.layout.kind]
    for record in text.records[header_index + 1 :]:
        if not record.is_blank:
            book.count()
            _read_row(book, record, context, convert)
    book.check_share(max_rejected_fraction)
    return _parsed(payload, text, header_index, context, book)


def _find_header(records: list[Record]) -> tuple[int, HeaderMatch]:
    """The header on the first non-blank record, or on the second below a title line."""
    candidates = [(index, rec) for index, rec in enumerate(records) if not rec.is_blank]
    if not candidates:
        raise FileRejected("file is empty (only blank lines)")
    for index, record in candidates[:HEADER_SEARCH_RECORDS]:
        match = match_header(record.fields)
        if match is not None:
            return index, match
    raise FileRejected(header_mismatch_message(candidates[0][1].fields))


def _context(payload: Payload, match: HeaderMatch) -> CsvContext:
    name = payload.original_name or payload.path.name
    account = resolve_account(given=payload.account, named_ids=artist_ids_in_name(name))
    window = ""
    song_title = ""
    if match.layout.kind == KIND_SONGS_SUMMARY:
        window = window_from_name(name) or ""
        if not window:
            raise FileRejected(
                "songs summary window unknown: the file name must carry 28day, 1year or all "
                f"(like artist-songs-28day.csv); got {shown(name)}"
            )
    if match.layout.kind == KIND_SONG_TIMELINE:
        song_title = song_title_from_name(name) or ""
        if not song_title:
            raise FileRejected(
                "song timeline needs its song from the file name '<Song Title>-timeline.csv'; "
                f"got {shown(name)}"
            )
    return CsvContext(
        match=match,
        account=account,
        captured_on=capture_date(payload),
        window=window,
        song_title=song_title,
    )


def _read_row(book: RowBook, record: Record, context: CsvContext, convert: Converter) -> None:
    width = len(context.match.columns)
    fields = record.fields
    if len(fields) > width and any(field.strip() for field in fields[width:]):
        message = f"expected {width} fields, found {len(fields)}"
        book.reject(
            row=record.line, column="*", code=RAGGED_ROW, message=message, raw_line=record.raw_line
        )
        return
    values = {
        column: fields[position] if position < len(fields) else ""
        for position, column in enumerate(context.match.columns)
        if column
    }
    try:
        dataset, key, row = convert(values, context)
    except RowInvalid as invalid:
        book.reject(
            row=record.line,
            column=context.match.label_of(invalid.column),
            code=invalid.code,
            message=invalid.message,
            raw_line=record.raw_line,
            is_expected=invalid.code == AGGREGATE_ROW,
        )
        return
    book.keep(dataset, key, row, row=record.line, raw_line=record.raw_line)


def _audience_row(values: dict[str, str], context: CsvContext) -> Row:
    day = parse_iso_date(values.get("date"), "date", is_required=True)
    row: dict[str, object] = {
        "account": context.account.slug,
        "date": day,
        "artist_id": context.account.artist_id,
    }
    for column in _AUDIENCE_COUNTS:
        row[column] = parse_count(values.get(column), column)
    return SPOTIFY_AUDIENCE_DAILY, (context.account.slug, day), row


def _songs_summary_row(values: dict[str, str], context: CsvContext) -> Row:
    title = values.get("song", "").strip()
    if not title:
        raise RowInvalid("song", MISSING_VALUE, "song is missing")
    artist = context.account.artist_name
    if artist and text_key(title) == text_key(artist):
        raise RowInvalid(
            "song", AGGREGATE_ROW, f"song {shown(title)} is the artist's own total, not a song"
        )
    listeners = parse_count(values.get("listeners"), "listeners")
    streams = parse_count(values.get("streams"), "streams")
    saves = parse_count(values.get("saves"), "saves")
    release_date = parse_iso_date(values.get("release_date"), "release_date", is_required=False)
    listeners, saves = unknown_when_not_computed(context.window, listeners, saves)
    song_key = text_key(title)
    row: dict[str, object] = {
        "account": context.account.slug,
        "song_key": song_key,
        "window": context.window,
        "captured_on": context.captured_on,
        "spotify_track_id": None,
        "song_title": title,
        "release_date": release_date,
        "streams": streams,
        "listeners": listeners,
        "saves": saves,
        "canvas_views": None,
        "is_disabled": None,
    }
    key = (context.account.slug, song_key, context.window, context.captured_on)
    return SPOTIFY_SONG_WINDOWS, key, row


def unknown_when_not_computed(
    window: str, listeners: int | None, saves: int | None
) -> tuple[int | None, int | None]:
    """All-time listeners and saves come as 0 because S4A does not compute them: unknown."""
    if window != WINDOW_WITHOUT_AUDIENCE:
        return listeners, saves
    return (listeners or None), (saves or None)


def _song_timeline_row(values: dict[str, str], context: CsvContext) -> Row:
    day = parse_iso_date(values.get("date"), "date", is_required=True)
    song_key = text_key(context.song_title)
    row: dict[str, object] = {
        "account": context.account.slug,
        "song_key": song_key,
        "date": day,
        "song_title": context.song_title,
        "streams": parse_count(values.get("streams"), "streams"),
    }
    return SPOTIFY_SONG_DAILY, (context.account.slug, song_key, day), row


_CONVERTERS: dict[str, Converter] = {
    KIND_AUDIENCE_TIMELINE: _audience_row,
    KIND_SONGS_SUMMARY: _songs_summary_row,
    KIND_SONG_TIMELINE: _song_timeline_row,
}

_SCHEMAS = {
    SPOTIFY_AUDIENCE_DAILY: SPOTIFY_AUDIENCE_DAILY_SCHEMA,
    SPOTIFY_SONG_WINDOWS: SPOTIFY_SONG_WINDOWS_SCHEMA,
    SPOTIFY_SONG_DAILY: SPOTIFY_SONG_DAILY_SCHEMA,
}


def _parsed(
    payload: Payload, text: CsvText, header_index: int, context: CsvContext, book: RowBook
) -> ParsedFile:
    kind = context.match.layout.kind
    tables = book.tables(_SCHEMAS)
    logger.info(
        "spotify_file_parsed kind=%s account=%s rows_in=%s rejected=%s",
        kind,
        context.account.slug,
        book.rows_in,
        len(book.rejections),
    )
    return ParsedFile(
        kind=kind,
        schema_id=_schema_id(context.match),
        tables=tables,
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding=text.encoding,
        delimiter=",",
        line_ending=text.line_ending,
        warnings=_warnings(text, header_index, context.match),
        account=context.account.slug,
        captured_at=payload.captured_at,
        unknown_columns=list(context.match.extra_labels),
    )


def _schema_id(match: HeaderMatch) -> str:
    if match.layout.kind == KIND_AUDIENCE_TIMELINE:
        # Newer audience exports add `playlist adds,saves`.
        return (
            "s4a_audience_timeline_v2" if "saves" in match.columns else "s4a_audience_timeline_v1"
        )
    return f"s4a_{match.layout.kind}"


def _warnings(text: CsvText, header_index: int, match: HeaderMatch) -> list[str]:
    """Kept-but-noted facts for the lineage row; ASCII only, because they end up in logs."""
    warnings = []
    if match.extra_labels:
        names = ",".join(ascii(label[:60]) for label in match.extra_labels)
        warnings.append(f"schema_changed kind={match.layout.kind} new_columns={names}")
    preamble = sum(1 for record in text.records[:header_index] if not record.is_blank)
    if preamble:
        warnings.append(f"header_on_line line={text.records[header_index].line}")
    return warnings
