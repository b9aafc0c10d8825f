"""Parse the S4A songs JSON the page itself requests (`catalog-view...time-filter=<w>`, SPEC 2.3)
into `spotify_song_windows` rows: one per song, for one window, as seen on the capture day."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.rowbook import (
    INVALID_ROW,
    INVALID_VALUE,
    MAX_REJECTED_FRACTION,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    capture_date,
    is_blank,
    json_text,
    parse_count,
    parse_iso_date,
    read_json_file,
    shown,
    text_key,
)
from apps.sources.connectors.spotify.accounts import (
    SPOTIFY_ID,
    ResolvedAccount,
    resolve_account,
)
from apps.sources.connectors.spotify.layouts import KIND_SONGS_API
from apps.sources.connectors.spotify.names import (
    WINDOWS,
    artist_ids_in_name,
    window_from_name,
    window_in_text,
)
from apps.sources.connectors.spotify.parse import unknown_when_not_computed
from apps.sources.datasets_audience import SPOTIFY_SONG_WINDOWS, SPOTIFY_SONG_WINDOWS_SCHEMA

logger = logging.getLogger(__name__)

SCHEMA_ID = "s4a_songs_api"
_TRACK_URI = re.compile(r"spotify:track:([0-9A-Za-z]{22})")
# Where a captured payload may name its artist: the request URL or an explicit id field.
_ARTIST_REFERENCES = (
    re.compile(r"artist[:/]([0-9A-Za-z]{22})(?![0-9A-Za-z])"),
    re.compile(r'"artistId"\s*:\s*"([0-9A-Za-z]{22})"'),
)
_WINDOW_KEYS = ("timeFilter", "time_filter", "time-filter", "window")
_FLAGS = {"true": True, "false": False}


@dataclass(frozen=True)
class SongsContext:
    account: ResolvedAccount
    window: str
    captured_on: date


def parse_songs_api(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed song windows of one songs JSON, or FileRejected naming why it cannot load."""
    document = read_json_file(payload.path)
    songs = songs_list(document)
    name = payload.original_name or payload.path.name
    context = SongsContext(
        account=resolve_account(given=payload.account, named_ids=_artist_ids(name, payload)),
        window=_window(payload, document, name),
        captured_on=capture_date(payload),
    )
    book = RowBook()
    warnings: list[str] = []
    for number, song in enumerate(songs, start=1):
        book.count()
        _read_song(book, number, song, context, warnings)
    book.check_share(max_rejected_fraction)
    logger.info(
        "spotify_file_parsed kind=%s account=%s rows_in=%s rejected=%s",
        KIND_SONGS_API,
        context.account.slug,
        book.rows_in,
        len(book.rejections),
    )
    return ParsedFile(
        kind=KIND_SONGS_API,
        schema_id=SCHEMA_ID,
        tables=book.tables({SPOTIFY_SONG_WINDOWS: SPOTIFY_SONG_WINDOWS_SCHEMA}),
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding="utf-8",
        warnings=warnings,
        account=context.account.slug,
        captured_at=payload.captured_at,
    )


def songs_list(document: object) -> list[object]:
    """`data.songs` or `songs`; anything else is not a songs payload."""
    holder = document.get("data") if isinstance(document, dict) else None
    for candidate in (holder, document):
        if isinstance(candidate, dict) and isinstance(candidate.get("songs"), list):
            songs: list[object] = candidate["songs"]
            return songs
    raise FileRejected(
        "JSON is not a Spotify for Artists songs payload: expected data.songs[] or songs[]"
    )


def _artist_ids(name: str, payload: Payload) -> list[str]:
    found = artist_ids_in_name(name)
    # The raw text, not the parsed document: an id is found wherever the capture wrote it.
    text = payload.path.read_bytes().decode("utf-8", "replace")
    for pattern in _ARTIST_REFERENCES:
        found.extend(pattern.findall(text))
    return found


def _window(payload: Payload, document: object, name: str) -> str:
    """From the payload's kind, else the document (its request URL or filter), else the name."""
    found = window_in_text(payload.kind) or _window_in_document(document) or window_from_name(name)
    if found:
        return found
    raise FileRejected(
        f"songs window unknown: expected one of {', '.join(WINDOWS)} as time-filter=<w> in the "
        f"payload or the file name; got {shown(name)}"
    )


def _window_in_document(document: object) -> str | None:
    holder = document.get("data") if isinstance(document, dict) else None
    for candidate in (document, holder):
        if not isinstance(candidate, dict):
            continue
        for key in _WINDOW_KEYS:
            value = candidate.get(key)
            if isinstance(value, str) and value.strip().lower() in WINDOWS:
                return value.strip().lower()
        url = candidate.get("url")
        if isinstance(url, str) and window_in_text(url):
            return window_in_text(url)
    return None


def _read_song(
    book: RowBook, number: int, song: object, context: SongsContext, warnings: list[str]
) -> None:
    raw_line = json_text(song)
    try:
        key, row = _song_row(number, song, context, warnings)
    except RowInvalid as invalid:
        book.reject(
            row=number,
            column=invalid.column,
            code=invalid.code,
            message=invalid.message,
            raw_line=raw_line,
        )
        return
    book.keep(SPOTIFY_SONG_WINDOWS, key, row, row=number, raw_line=raw_line)


def _song_row(
    number: int, song: object, context: SongsContext, warnings: list[str]
) -> tuple[tuple[object, ...], dict[str, object]]:
    if not isinstance(song, dict):
        raise RowInvalid("*", INVALID_ROW, f"song entry {number} is not an object")
    title = song.get("trackName")
    if not isinstance(title, str) or not title.strip():
        raise RowInvalid("trackName", MISSING_VALUE, "trackName is missing")
    title = title.strip()
    listeners, saves = unknown_when_not_computed(
        context.window,
        parse_count(song.get("numListeners"), "numListeners"),
        parse_count(song.get("numSavers"), "numSavers"),
    )
    song_key = text_key(title)
    row: dict[str, object] = {
        "account": context.account.slug,
        "song_key": song_key,
        "window": context.window,
        "captured_on": context.captured_on,
        "spotify_track_id": _track_id(number, song, warnings),
        "song_title": title,
        "release_date": parse_iso_date(song.get("releaseDate"), "releaseDate", is_required=False),
        "streams": parse_count(song.get("numStreams"), "numStreams"),
        "listeners": listeners,
        "saves": saves,
        "canvas_views": parse_count(song.get("numCanvasViews"), "numCanvasViews"),
        "is_disabled": _flag(song.get("isDisabled"), "isDisabled"),
    }
    return (context.account.slug, song_key, context.window, context.captured_on), row


def _track_id(number: int, song: dict[str, object], warnings: list[str]) -> str | None:
    """The track id as text; a value that is no Spotify id (a number, `1.2E+17`) is discarded."""
    track_id = song.get("id")
    if isinstance(track_id, str) and SPOTIFY_ID.fullmatch(track_id):
        return track_id
    uri = song.get("trackUri")
    match = _TRACK_URI.fullmatch(uri) if isinstance(uri, str) else None
    if match:
        return match.group(1)
    if not is_blank(track_id) or not is_blank(uri):
        warnings.append(f"track_id_discarded row={number} value={shown(track_id)[:40]}")
    return None


def _flag(value: object, column: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _FLAGS:
        return _FLAGS[value.strip().lower()]
    raise RowInvalid(column, INVALID_VALUE, f"{column} {shown(value)} is not true or false")
