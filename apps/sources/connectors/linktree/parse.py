"""Parse Linktree analytics GraphQL responses (SPEC 2.6) into `linktree_daily`,
`linktree_links` and `audience_breakdowns`.

A file is one response or a capture: a JSON array of responses. Only `getAccountAnalytics` and
`link<ID>` operations are read; everything else (`currentUser` with the owner's email and real
name, wallet, balance) is skipped unread, so personal data never reaches staging or curated.

Rows are numbered in reading order across the whole file (the rejected-row store's "row").
When a capture repeats a key (the page loads 7 days, then the longest range), the later response
replaces the earlier row, which is recorded as `superseded_in_capture`.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
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
    json_text,
    parse_count,
    parse_iso_date,
    parse_rate,
    ratio,
    read_json_file,
    shown,
)
from apps.sources.datasets_audience import (
    AUDIENCE_BREAKDOWNS,
    AUDIENCE_BREAKDOWNS_SCHEMA,
    LINKTREE_DAILY,
    LINKTREE_DAILY_SCHEMA,
    LINKTREE_LINKS,
    LINKTREE_LINKS_SCHEMA,
)

logger = logging.getLogger(__name__)

SOURCE_ID = "linktree"
KIND_ANALYTICS = "analytics"
SCHEMA_ID = "linktree_graphql"
ANALYTICS_OPERATION = "getAccountAnalytics"
# Linktree is one account (SPEC 2.6): without --account its rows carry the landing zone's "_".
DEFAULT_ACCOUNT = "_"
SUPERSEDED_IN_CAPTURE = "superseded_in_capture"
UNKNOWN_BUCKET = "(unknown)"
# `clickThroughBenchmark` is a percent (SPEC conventions): stored as a fraction.
PERCENT = 100

_LINK_OPERATION = re.compile(r"link(\d+)")
_LINK_ID = re.compile(r"\d+")
# (dimension, path under getAccountAnalytics) of each breakdown list.
_BREAKDOWNS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("countries", ("locations", "countries")),
    ("cities", ("locations", "cities")),
    ("referrers", ("referrers", "referrers")),
    ("devices", ("devices", "devices")),
)
_SCHEMAS = {
    LINKTREE_DAILY: LINKTREE_DAILY_SCHEMA,
    LINKTREE_LINKS: LINKTREE_LINKS_SCHEMA,
    AUDIENCE_BREAKDOWNS: AUDIENCE_BREAKDOWNS_SCHEMA,
}


@dataclass(frozen=True)
class LinktreeOverview:
    """The overview totals of one response; the benchmark already divided by 100."""

    total_views: int | None
    total_clicks: int | None
    click_through_rate: float | None
    time_to_click: float | None
    click_through_benchmark: float | None


@dataclass(frozen=True)
class Capture:
    """The parts of a file the parser reads; nothing else is kept."""

    analytics: list[dict[str, object]]
    link_details: dict[str, dict[str, object]]
    ignored_operations: list[str]


@dataclass(frozen=True)
class Context:
    account: str
    captured_on: date
    row_numbers: Iterator[int]

    def next_row(self) -> int:
        return next(self.row_numbers)


def parse_analytics(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed Linktree rows of one file, or FileRejected naming why it cannot load."""
    capture = read_capture(read_json_file(payload.path))
    context = Context(
        account=payload.account.strip().lower() or DEFAULT_ACCOUNT,
        captured_on=capture_date(payload),
        row_numbers=itertools.count(1),
    )
    book = RowBook()
    warnings: list[str] = []
    for block in capture.analytics:
        _read_timeseries(book, block, context, warnings)
        _read_links(book, block, capture.link_details, context)
        for dimension, path in _BREAKDOWNS:
            _read_breakdown(book, dimension, _list_at(block, path), context)
    book.check_share(max_rejected_fraction)
    if capture.ignored_operations:
        warnings.append(f"operations_ignored names={','.join(capture.ignored_operations)}")
    logger.info(
        "linktree_file_parsed responses=%s rows_in=%s rejected=%s",
        len(capture.analytics),
        book.rows_in,
        len(book.rejections),
    )
    return ParsedFile(
        kind=KIND_ANALYTICS,
        schema_id=SCHEMA_ID,
        tables=book.tables(_SCHEMAS),
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding="utf-8",
        warnings=warnings,
        account=context.account,
        captured_at=payload.captured_at,
    )


def read_capture(document: object) -> Capture:
    """The analytics blocks and link details of one response or a capture of several."""
    responses = document if isinstance(document, list) else [document]
    analytics: list[dict[str, object]] = []
    link_details: dict[str, dict[str, object]] = {}
    ignored: set[str] = set()
    for response in responses:
        data = response.get("data") if isinstance(response, dict) else None
        if not isinstance(data, dict):
            continue
        for operation, value in data.items():
            link = _LINK_OPERATION.fullmatch(operation)
            if operation == ANALYTICS_OPERATION and isinstance(value, dict):
                analytics.append(value)
            elif link and isinstance(value, dict):
                link_details[link.group(1)] = value
            else:
                # Only the operation's name is noted, never its content.
                ignored.add(re.sub(r"[^A-Za-z0-9_]", "", operation)[:40])
    if not analytics:
        raise FileRejected(
            "no Linktree analytics in the file: expected data.getAccountAnalytics in a GraphQL "
            "response or in a JSON array of responses"
        )
    return Capture(analytics, link_details, sorted(ignored - {""})[:20])


def parse_overview(overview: dict[str, object]) -> LinktreeOverview:
    """The overview figures; an unreadable one is unknown (they are checks, not rows)."""
    benchmark = _lenient_rate(overview.get("clickThroughBenchmark"))
    return LinktreeOverview(
        total_views=_lenient_count(overview.get("totalViews")),
        total_clicks=_lenient_count(overview.get("totalClicks")),
        click_through_rate=_lenient_rate(overview.get("clickThroughRate")),
        time_to_click=_lenient_rate(overview.get("timeToClick")),
        click_through_benchmark=None if benchmark is None else benchmark / PERCENT,
    )


def _lenient_count(value: object) -> int | None:
    try:
        return parse_count(value, "overview")
    except RowInvalid:
        return None


def _lenient_rate(value: object) -> float | None:
    try:
        return parse_rate(value, "overview")
    except RowInvalid:
        return None


def _read_timeseries(
    book: RowBook, block: dict[str, object], context: Context, warnings: list[str]
) -> None:
    overview = block.get("overview")
    if not isinstance(overview, dict):
        return
    entries = overview.get("timeseries")
    views_seen: list[int | None] = []
    for entry in entries if isinstance(entries, list) else []:
        views_seen.append(_read_day(book, entry, context))
    _check_control_total(parse_overview(overview), views_seen, warnings)


def _read_day(book: RowBook, entry: object, context: Context) -> int | None:
    """Keep one day; its total views (None when rejected or unknown) for the control total."""
    row_number = context.next_row()
    book.count()
    raw_line = json_text(entry)
    try:
        row = _day_row(entry, context)
    except RowInvalid as invalid:
        _reject(book, row_number, invalid, raw_line)
        return None
    book.keep(
        LINKTREE_DAILY,
        (context.account, row["date"]),
        row,
        row=row_number,
        raw_line=raw_line,
        on_repeat="replace",
        repeat_code=SUPERSEDED_IN_CAPTURE,
    )
    views = row["total_views"]
    return views if isinstance(views, int) else None


def _day_row(entry: object, context: Context) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise RowInvalid("*", INVALID_ROW, "timeseries entry is not an object")
    total_views = parse_count(entry.get("totalViews"), "totalViews")
    total_clicks = parse_count(entry.get("totalClicks"), "totalClicks")
    return {
        "account": context.account,
        "date": parse_iso_date(entry.get("date"), "date", is_required=True),
        "total_views": total_views,
        "unique_views": parse_count(entry.get("uniqueViews"), "uniqueViews"),
        "total_clicks": total_clicks,
        "unique_clicks": parse_count(entry.get("uniqueClicks"), "uniqueClicks"),
        "click_through_rate": _rate(entry, total_clicks, total_views),
    }


def _rate(entry: dict[str, object], clicks: int | None, views: int | None) -> float | None:
    """The vendor's CTR as given (it can exceed 1); when missing, clicks / views."""
    given = parse_rate(entry.get("clickThroughRate"), "clickThroughRate")
    return given if given is not None else ratio(clicks, views)


def _check_control_total(
    overview: LinktreeOverview, views: list[int | None], warnings: list[str]
) -> None:
    """The overview total should be the sum of its days; a difference is worth a note."""
    if overview.total_views is None or not views or None in views:
        return
    summed = sum(view for view in views if view is not None)
    if summed != overview.total_views:
        warnings.append(
            f"control_total_mismatch metric=total_views overview={overview.total_views} "
            f"timeseries={summed}"
        )


def _read_links(
    book: RowBook,
    block: dict[str, object],
    link_details: dict[str, dict[str, object]],
    context: Context,
) -> None:
    entries = block.get("links")
    for entry in entries if isinstance(entries, list) else []:
        row_number = context.next_row()
        book.count()
        raw_line = json_text(entry)
        try:
            row = _link_row(entry, link_details, context)
        except RowInvalid as invalid:
            _reject(book, row_number, invalid, raw_line)
            continue
        book.keep(
            LINKTREE_LINKS,
            (row["link_id"], context.captured_on),
            row,
            row=row_number,
            raw_line=raw_line,
            on_repeat="replace",
            repeat_code=SUPERSEDED_IN_CAPTURE,
        )


def _link_row(
    entry: object, link_details: dict[str, dict[str, object]], context: Context
) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise RowInvalid("*", INVALID_ROW, "link entry is not an object")
    link_id = _link_id(entry.get("id"))
    details = link_details.get(link_id, {})
    title = entry.get("title", details.get("title"))
    active = details.get("active")
    return {
        "link_id": link_id,
        "captured_on": context.captured_on,
        "title": title.strip() if isinstance(title, str) else None,
        "active": active if isinstance(active, bool) else None,
        "total_clicks": parse_count(_total(entry.get("clicks")), "clicks.total"),
    }


def _link_id(value: object) -> str:
    """Link ids come as JSON numbers; they are kept as text, like every vendor id."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and _LINK_ID.fullmatch(value.strip()):
        return value.strip()
    if value is None:
        raise RowInvalid("id", MISSING_VALUE, "link id is missing")
    raise RowInvalid("id", INVALID_VALUE, f"link id {shown(value)} is not a number")


def _total(value: object) -> object:
    """`{"total": n}` as Linktree nests its counts, or a bare number."""
    return value.get("total") if isinstance(value, dict) else value


def _list_at(block: dict[str, object], path: tuple[str, str]) -> list[object]:
    holder = block.get(path[0])
    entries = holder.get(path[1]) if isinstance(holder, dict) else None
    return entries if isinstance(entries, list) else []


def _read_breakdown(book: RowBook, dimension: str, entries: list[object], context: Context) -> None:
    """Every entry of one breakdown; `share` is the entry's part of the listed views."""
    converted: list[tuple[int, str, dict[str, object]]] = []
    for entry in entries:
        row_number = context.next_row()
        book.count()
        raw_line = json_text(entry)
        try:
            converted.append((row_number, raw_line, _breakdown_row(dimension, entry, context)))
        except RowInvalid as invalid:
            _reject(book, row_number, invalid, raw_line)
    total = sum(row["views"] for _, _, row in converted if isinstance(row["views"], int))
    for row_number, raw_line, row in converted:
        views = row["views"]
        row["share"] = ratio(views if isinstance(views, int) else None, total)
        key = (SOURCE_ID, context.account, context.captured_on, dimension, row["bucket"])
        book.keep(
            AUDIENCE_BREAKDOWNS,
            key,
            row,
            row=row_number,
            raw_line=raw_line,
            on_repeat="replace",
            repeat_code=SUPERSEDED_IN_CAPTURE,
        )


def _breakdown_row(dimension: str, entry: object, context: Context) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise RowInvalid("*", INVALID_ROW, f"{dimension} entry is not an object")
    views = parse_count(_total(entry.get("views")), "views.total")
    clicks = parse_count(_total(entry.get("clicks")), "clicks.total")
    return {
        "source": SOURCE_ID,
        "account": context.account,
        "captured_on": context.captured_on,
        "dimension": dimension,
        "bucket": _bucket(dimension, entry),
        "share": None,
        "views": views,
        "clicks": clicks,
        # Breakdown CTRs are unrounded fractions; kept as given, never capped.
        "click_through_rate": _rate(entry, clicks, views),
    }


_NAME_KEYS = {
    "countries": "country",
    "cities": "city",
    "referrers": "referrer",
    "devices": "device",
}


def _bucket(dimension: str, entry: dict[str, object]) -> str:
    """Country code for countries; `City, CC` for cities; the name for referrers and devices."""
    # `name` in the captured responses; the dimension's own key is accepted too, so a renamed
    # field in a newer response does not reject every row.
    name = _text(entry.get("name")) or _text(entry.get(_NAME_KEYS.get(dimension, "")))
    code = _text(entry.get("countryCode")).upper()
    if dimension == "countries":
        if not (code or name):
            raise RowInvalid("countryCode", MISSING_VALUE, "country has no code and no name")
        return code or name
    if dimension == "cities":
        city = name or UNKNOWN_BUCKET
        return f"{city}, {code}" if code else city
    return name or UNKNOWN_BUCKET


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _reject(book: RowBook, row_number: int, invalid: RowInvalid, raw_line: str) -> None:
    book.reject(
        row=row_number,
        column=invalid.column,
        code=invalid.code,
        message=invalid.message,
        raw_line=raw_line,
    )
