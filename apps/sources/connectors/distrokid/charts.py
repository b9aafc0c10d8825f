"""Parse DistroKid's stream-chart pages (SPEC 2.1) into `streams_daily` and track totals.

`streams_chart` (Spotify) is an amCharts config: the object with id `trend365day` holds a
`dataProvider` of `{"category": "YYYY-MM-DD", "column-1": n}`. `apple_chart` (Apple Music) holds
`var chartData = {...};` whose `last365days` is the daily series and `tracks1year` the per-track
totals. Both are JavaScript literals, not JSON (trailing commas, maybe single quotes or unquoted
keys), so they are read by `jsliteral`, which never evaluates anything.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import date, datetime
from functools import partial
from itertools import pairwise
from pathlib import Path

from apps.sources.connectors.base import FileRejected, ParsedFile
from apps.sources.connectors.distrokid.sniff import KIND_APPLE_CHART, KIND_STREAMS_CHART
from apps.sources.connectors.distrokid.textfile import ENCODINGS
from apps.sources.connectors.jsliteral import LiteralError, Node, read_value
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION, RowBook
from apps.sources.connectors.streamrows import (
    Element,
    SourceText,
    capture_day,
    count_of,
    day_of,
    keep_or_reject,
    line_ending_of,
    read_text_file,
    sorted_tables,
    text_of,
)
from apps.sources.datasets_streams import (
    DISTRIBUTOR_TRACK_TOTALS,
    DISTRIBUTOR_TRACK_TOTALS_SCHEMA,
    PLATFORM_APPLE_MUSIC,
    PLATFORM_SPOTIFY,
    STREAMS_DAILY,
    STREAMS_DAILY_SCHEMA,
    WINDOW_LAST_365_DAYS,
)

logger = logging.getLogger(__name__)

DISTRIBUTOR = "distrokid"
SCHEMA_TREND_365_DAY = "dk_chart_trend365day"
SCHEMA_CHART_DATA = "dk_chart_chartdata"

TREND_ID = "trend365day"
TREND_MISSING = "trend365day block missing"
CHART_DATA_MISSING = "chartData block missing"
DAILY_KEY = "last365days"
TRACKS_KEY = "tracks1year"

# `{` characters tried, nearest first, as the start of the object around a `trend365day`
# mention; the config object is a few nesting levels out at most, so this bounds garbage input.
MAX_ENCLOSING_CANDIDATES = 256

_TREND_MENTION = re.compile(re.escape(TREND_ID))
_MAKE_CHART_ARGUMENT = re.compile(r"""["']\s*,\s*(?=\{)""")
CHART_DATA_PATTERN = re.compile(r"\b(?:var|let|const)\s+chartData\s*=\s*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_TABLE_SCHEMAS = {
    STREAMS_DAILY: STREAMS_DAILY_SCHEMA,
    DISTRIBUTOR_TRACK_TOTALS: DISTRIBUTOR_TRACK_TOTALS_SCHEMA,
}
_SORT_KEYS = {STREAMS_DAILY: "date"}


def parse_chart(
    path: Path,
    *,
    kind: str,
    captured_at: datetime | None,
    max_rejected_fraction: float = MAX_REJECTED_FRACTION,
) -> ParsedFile:
    """Typed rows of one chart page, or FileRejected naming why the page cannot load."""
    text, encoding = read_text_file(path, what="an HTML chart page", encodings=ENCODINGS)
    source = SourceText.of(text)
    book = RowBook()
    if kind == KIND_STREAMS_CHART:
        schema_id, warnings = _read_streams_chart(source, book)
    elif kind == KIND_APPLE_CHART:
        captured_on = capture_day(captured_at, path)
        schema_id, warnings = _read_apple_chart(source, book, captured_on)
    else:
        raise FileRejected(f"DistroKid chart kind {kind!r} is unknown")
    book.check_share(max_rejected_fraction)
    parsed = ParsedFile(
        kind=kind,
        schema_id=schema_id,
        tables=sorted_tables(book, _TABLE_SCHEMAS, _SORT_KEYS),
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding=encoding,
        line_ending=line_ending_of(text),
        warnings=warnings,
        captured_at=captured_at,
    )
    logger.info(
        "distrokid_chart_parsed kind=%s rows_in=%s rows_out=%s rejected=%s",
        kind,
        parsed.rows_in,
        parsed.rows_out,
        len(parsed.rejections),
    )
    return parsed


def _read_streams_chart(source: SourceText, book: RowBook) -> tuple[str, list[str]]:
    provider = trend_data_provider(source.text)
    keep = partial(
        _keep_day, book, date_key="category", value_key="column-1", platform=PLATFORM_SPOTIFY
    )
    for element in source.elements(provider, "dataProvider"):
        keep_or_reject(book, element, keep)
    return SCHEMA_TREND_365_DAY, []


def _read_apple_chart(
    source: SourceText, book: RowBook, captured_on: date
) -> tuple[str, list[str]]:
    chart_data = chart_data_object(source.text)
    series_key, series, warnings = daily_series(chart_data)
    keep = partial(
        _keep_day, book, date_key="field", value_key="value", platform=PLATFORM_APPLE_MUSIC
    )
    for element in source.elements(series, series_key):
        keep_or_reject(book, element, keep)
    tracks = chart_data.member(TRACKS_KEY)
    if tracks is None or not tracks.is_array:
        # The daily series still loads; the page just had no per-track block this time.
        warnings.append(f"{TRACKS_KEY}_missing")
        return SCHEMA_CHART_DATA, warnings
    keep_track = partial(_keep_track, book, captured_on=captured_on)
    for element in source.elements(tracks, TRACKS_KEY):
        keep_or_reject(book, element, keep_track)
    return SCHEMA_CHART_DATA, warnings


def trend_data_provider(text: str) -> Node:
    """The dataProvider array of the amCharts config object of the `trend365day` chart."""
    for mention in _TREND_MENTION.finditer(text):
        config = _enclosing_config(text, mention.start(), mention.end())
        config = config or _make_chart_config(text, mention.end())
        provider = config.member("dataProvider") if config is not None else None
        if provider is not None:
            return provider
    raise FileRejected(TREND_MISSING)


def _enclosing_config(text: str, start: int, end: int) -> Node | None:
    """The nearest object around the mention that names it and has a dataProvider array."""
    position = start
    for _ in range(MAX_ENCLOSING_CANDIDATES):
        position = text.rfind("{", 0, position)
        if position < 0:
            return None
        try:
            node = read_value(text, position)
        except LiteralError:
            continue
        if node.end >= end and _is_trend_config(node):
            return node
    return None


def _make_chart_config(text: str, end: int) -> Node | None:
    """`AmCharts.makeChart("trend365day", {...})`: the config is the argument after the id."""
    argument = _MAKE_CHART_ARGUMENT.match(text, end)
    if argument is None:
        return None
    try:
        node = read_value(text, argument.end())
    except LiteralError:
        return None
    provider = node.member("dataProvider")
    return node if provider is not None and provider.is_array else None


def _is_trend_config(node: Node) -> bool:
    provider = node.member("dataProvider")
    names_trend = any(member.value == TREND_ID for member in node.members().values())
    return names_trend and provider is not None and provider.is_array


def chart_data_object(text: str) -> Node:
    """The object literal assigned by `var chartData = {...};`."""
    first_error: tuple[int, str] | None = None
    for match in CHART_DATA_PATTERN.finditer(text):
        try:
            node = read_value(text, match.end())
        except LiteralError as error:
            first_error = first_error or (error.position, error.message)
            continue
        if node.is_object:
            return node
    if first_error is not None:
        line = SourceText.of(text).lines.line_of(first_error[0])
        raise FileRejected(f"{CHART_DATA_MISSING}: unreadable at line {line} ({first_error[1]})")
    raise FileRejected(CHART_DATA_MISSING)


def daily_series(chart_data: Node) -> tuple[str, Node, list[str]]:
    """`last365days`, else the longest array of daily-shaped points (never months or weeks)."""
    series = chart_data.member(DAILY_KEY)
    if series is not None and series.is_array:
        return DAILY_KEY, series, []
    shaped = [(key, node) for key, node in chart_data.members().items() if _is_daily_shaped(node)]
    if not shaped:
        raise FileRejected(
            f"chartData has no daily series: {DAILY_KEY} is missing and no other array "
            "holds one point per day with YYYY-MM-DD dates"
        )
    key, node = max(shaped, key=lambda pair: len(pair[1].items()))
    return key, node, [f"daily_series_fallback key={key!a}"]


def _is_daily_shaped(node: Node) -> bool:
    """Points whose `field` is a YYYY-MM-DD date, all distinct, at least two a day apart.

    A monthly (`MM-YY`) or weekly (`WW/YY`) series fails the date shape; a weekly series
    keyed by dates fails the one-day gap, so neither is ever read as days.
    """
    days = [_iso_day(item.member("field")) for item in node.items()]
    if not days or None in days:
        return False
    ordered = sorted(day for day in days if day is not None)
    if len(set(ordered)) != len(ordered):
        return False
    gaps = [(later - earlier).days for earlier, later in pairwise(ordered)]
    return not gaps or min(gaps) == 1


def _iso_day(node: Node | None) -> date | None:
    if node is None or not isinstance(node.value, str) or not _ISO_DATE.fullmatch(node.value):
        return None
    try:
        return date.fromisoformat(node.value)
    except ValueError:
        return None


def _keep_day(
    book: RowBook, element: Element, *, date_key: str, value_key: str, platform: str
) -> None:
    day = day_of(element, date_key)
    streams = count_of(element, value_key)
    values = {"date": day, "distributor": DISTRIBUTOR, "platform": platform, "streams": streams}
    book.keep(STREAMS_DAILY, (day.isoformat(),), values, row=element.row, raw_line=element.raw_line)


def _keep_track(book: RowBook, element: Element, *, captured_on: date) -> None:
    title = text_of(element, "field", is_required=True) or ""
    # Titles sit in a script block of a server-rendered page; undo HTML escaping (&amp;) so
    # they compare equal to the statement titles.
    title = html.unescape(title)
    streams = count_of(element, "value")
    values = {
        "captured_on": captured_on,
        "distributor": DISTRIBUTOR,
        "platform": PLATFORM_APPLE_MUSIC,
        "window": WINDOW_LAST_365_DAYS,
        "track_key": title,
        "isrc": None,
        "track_title": title,
        "release_title": None,
        "streams": streams,
    }
    key = (title,)
    book.keep(DISTRIBUTOR_TRACK_TOTALS, key, values, row=element.row, raw_line=element.raw_line)
