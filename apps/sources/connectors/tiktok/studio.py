"""TikTok Studio exports (SPEC 2.4): overview, content and followers CSVs (UTF-8 with BOM,
dates `YYYY/MM/DD`), told apart by their header sets.

- Overview -> `tiktok_daily`. Columns Bedrot does not know (the unconfirmed middle ones) go to
  `extras` as JSON text, values as written; `NaN` is null.
- Content -> `tiktok_videos` on the capture date.
- Followers -> `tiktok_follower_snapshots`: `Total followers` on the row's date, or on the
  capture date when the export has no Date column. It is not written to `tiktok_daily`: a
  curated merge replaces whole rows, so a followers-only row would blank the day's views.
"""

from __future__ import annotations

from datetime import date, datetime

from apps.sources.connectors.rowbook import INVALID_DATE, MISSING_VALUE, RowBook, RowInvalid, shown
from apps.sources.connectors.tiktok.csvtext import Record
from apps.sources.connectors.tiktok.dates import gap_warnings, parse_date_time, parse_full_date
from apps.sources.connectors.tiktok.rows import Context, TableRows, extras_json
from apps.sources.datasets_social import (
    TIKTOK_DAILY,
    TIKTOK_DAILY_SCHEMA,
    TIKTOK_FOLLOWER_SNAPSHOTS,
    TIKTOK_VIDEOS,
)

KIND_STUDIO_OVERVIEW = "studio_overview"
KIND_STUDIO_CONTENT = "studio_content"
KIND_STUDIO_FOLLOWERS = "studio_followers"

_OVERVIEW_COUNTS = (
    "video_views",
    "reached_audience",
    "profile_views",
    "likes",
    "shares",
    "comments",
    "website_clicks",
    "new_followers",
    "lost_followers",
)
_VIDEO_COUNTS = ("views", "likes", "comments", "shares", "favorites")
# Followers-export columns with no curated column yet; named in a warning, kept in raw.
_FOLLOWERS_NOT_STORED = ("new_followers", "engaged_audience")


def read_overview(book: RowBook, rows: TableRows, context: Context) -> list[str]:
    """One tiktok_daily row per day; returns the gap warnings."""
    days: list[date] = []
    for record in rows.records:
        book.count()
        try:
            rows.check_width(record)
            day = _full_day(rows, record)
            row: dict[str, object] = dict.fromkeys(TIKTOK_DAILY_SCHEMA.names)
            row.update({column: rows.count(record, column) for column in _OVERVIEW_COUNTS})
            row["net_followers"] = rows.signed(record, "net_followers")
        except RowInvalid as invalid:
            rows.reject(book, record, invalid)
            continue
        row.update(
            account=context.account,
            date=day,
            export_kind=KIND_STUDIO_OVERVIEW,
            extras=extras_json(rows.unknown_cells(record)),
        )
        days.append(day)
        book.keep(TIKTOK_DAILY, (context.account, day), row, row=record.line, raw_line=record.raw)
    return gap_warnings(days, "overview")


def read_content(book: RowBook, rows: TableRows, context: Context) -> None:
    """One tiktok_videos row per video link, as seen on the capture date."""
    for record in rows.records:
        book.count()
        try:
            rows.check_width(record)
            link = _required_text(rows, record, "video_link")
            posted_at = _posted_at(rows, record)
            counts = {column: rows.count(record, column) for column in _VIDEO_COUNTS}
        except RowInvalid as invalid:
            rows.reject(book, record, invalid)
            continue
        row = {
            "account": context.account,
            "video_link": link,
            "captured_on": context.anchor,
            "title": rows.cell(record, "title") or None,
            "posted_at": posted_at,
            **counts,
        }
        key = (context.account, link, context.anchor)
        book.keep(TIKTOK_VIDEOS, key, row, row=record.line, raw_line=record.raw)


def read_followers(book: RowBook, rows: TableRows, context: Context) -> list[str]:
    """Total followers per dated row (or on the capture date); returns what is not stored."""
    is_dated = "date" in rows.match.positions
    for record in rows.records:
        book.count()
        try:
            rows.check_width(record)
            day = _full_day(rows, record) if is_dated else context.anchor
            followers = rows.count(record, "total_followers")
            if followers is None:
                label = rows.label("total_followers")
                raise RowInvalid(label, MISSING_VALUE, f"{label} is missing")
        except RowInvalid as invalid:
            rows.reject(book, record, invalid)
            continue
        row = {"account": context.account, "captured_on": day, "followers": followers}
        key = (context.account, day)
        book.keep(TIKTOK_FOLLOWER_SNAPSHOTS, key, row, row=record.line, raw_line=record.raw)
    return [
        f"columns_not_stored kind={KIND_STUDIO_FOLLOWERS} columns={','.join(_FOLLOWERS_NOT_STORED)}"
    ]


def _full_day(rows: TableRows, record: Record) -> date:
    label = rows.label("date")
    text = rows.cell(record, "date") or ""
    if not text:
        raise RowInvalid(label, MISSING_VALUE, f"{label} is missing")
    day = parse_full_date(text)
    if day is None:
        raise RowInvalid(label, INVALID_DATE, f"{label} {shown(text)} is not a YYYY/MM/DD date")
    return day


def _posted_at(rows: TableRows, record: Record) -> datetime | None:
    text = rows.cell(record, "posted_at")
    if not text:
        return None
    posted_at = parse_date_time(text)
    if posted_at is None:
        label = rows.label("posted_at")
        raise RowInvalid(label, INVALID_DATE, f"{label} {shown(text)} is not YYYY/MM/DD HH:MM")
    return posted_at


def _required_text(rows: TableRows, record: Record, column: str) -> str:
    text = rows.cell(record, column)
    if not text:
        label = rows.label(column)
        raise RowInvalid(label, MISSING_VALUE, f"{label} is missing")
    return text
