"""The legacy TikTok web export (SPEC 2.4): `Overview_<date>_<epoch>_<handle>.zip`, or a lone
Overview CSV.

Daily entries (Overview, FollowerHistory, Viewers) are merged into one `tiktok_daily` row per
day; Viewers' split, whose use is unconfirmed, goes to `extras`. The "Difference..." column is
never read (it is shifted by a day): the daily change comes from consecutive `Followers`.
Gender and territories become `audience_breakdowns` on the capture date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import (
    DUPLICATE_KEY,
    INVALID_DATE,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    shown,
)
from apps.sources.connectors.tiktok.csvtext import Record
from apps.sources.connectors.tiktok.dates import MonthDay, gap_warnings, infer_years, parse_day
from apps.sources.connectors.tiktok.layouts import (
    LEGACY_FOLLOWER_HISTORY,
    LEGACY_GENDER,
    LEGACY_OVERVIEW,
    LEGACY_TERRITORIES,
    LEGACY_VIEWERS,
)
from apps.sources.connectors.tiktok.rows import SOURCE_ID, Context, TableRows, extras_json
from apps.sources.datasets_audience import AUDIENCE_BREAKDOWNS
from apps.sources.datasets_social import TIKTOK_DAILY, TIKTOK_DAILY_SCHEMA

KIND_LEGACY_ZIP = "legacy_zip"
KIND_LEGACY_CSV = "legacy_csv"

# Zip entries by folded base name, in the order they are read.
ENTRY_LAYOUTS: dict[str, str] = {
    "overview.csv": LEGACY_OVERVIEW,
    "followerhistory.csv": LEGACY_FOLLOWER_HISTORY,
    "viewers.csv": LEGACY_VIEWERS,
    "followergender.csv": LEGACY_GENDER,
    "followertopterritories.csv": LEGACY_TERRITORIES,
}
OVERVIEW_ENTRY = "overview.csv"
# Columns unconfirmed: the entry stays in raw only (SPEC 2.4).
RAW_ONLY_ENTRIES = frozenset({"followeractivity.csv"})
ENTRY_NAMES = frozenset(ENTRY_LAYOUTS) | RAW_ONLY_ENTRIES

DAILY_LAYOUTS = frozenset({LEGACY_OVERVIEW, LEGACY_FOLLOWER_HISTORY, LEGACY_VIEWERS})
DIMENSIONS: dict[str, str] = {LEGACY_GENDER: "gender", LEGACY_TERRITORIES: "territory"}

# Layout column -> tiktok_daily column; the viewers split has no column of its own.
_DAILY_COLUMNS: dict[str, dict[str, str]] = {
    LEGACY_OVERVIEW: {
        "video_views": "video_views",
        "profile_views": "profile_views",
        "likes": "likes",
        "comments": "comments",
        "shares": "shares",
    },
    LEGACY_FOLLOWER_HISTORY: {"followers": "followers_total"},
    LEGACY_VIEWERS: {},
}
_EXTRAS_COLUMNS: dict[str, tuple[str, ...]] = {
    LEGACY_VIEWERS: ("total_viewers", "new_viewers", "returning_viewers"),
}
# A legacy export covers at most 365 days, so its years differ by at most one; more means the
# rows are not oldest-first and every inferred year would be wrong.
MAX_YEAR_DROPS = 1


@dataclass(frozen=True)
class DayRow:
    day: date
    record: Record
    values: dict[str, int | None]


@dataclass(frozen=True)
class _Undated:
    record: Record
    day: MonthDay | date
    values: dict[str, int | None]


@dataclass
class DailyMerge:
    """The daily entries of one file merged by day; the first contributing line stands for it."""

    values: dict[date, dict[str, object]] = field(default_factory=dict)
    extras: dict[date, dict[str, object]] = field(default_factory=dict)
    records: dict[date, Record] = field(default_factory=dict)

    def add(self, layout: str, rows: list[DayRow]) -> None:
        columns = _DAILY_COLUMNS[layout]
        for row in rows:
            merged = self.values.setdefault(row.day, {})
            self.records.setdefault(row.day, row.record)
            merged.update({target: row.values[source] for source, target in columns.items()})
            extras = {name: row.values[name] for name in _EXTRAS_COLUMNS.get(layout, ())}
            if extras:
                self.extras.setdefault(row.day, {}).update(extras)

    def keep(self, book: RowBook, account: str, export_kind: str) -> None:
        """One tiktok_daily row per day, with the follower change derived from totals."""
        for day in sorted(self.values):
            row: dict[str, object] = dict.fromkeys(TIKTOK_DAILY_SCHEMA.names)
            row.update(self.values[day])
            row.update(
                account=account,
                date=day,
                net_followers=self._net_followers(day),
                export_kind=export_kind,
                extras=extras_json(self.extras.get(day, {})),
            )
            record = self.records[day]
            book.keep(TIKTOK_DAILY, (account, day), row, row=record.line, raw_line=record.raw)

    def _net_followers(self, day: date) -> int | None:
        today = self.values[day].get("followers_total")
        yesterday = self.values.get(day - timedelta(days=1), {}).get("followers_total")
        if isinstance(today, int) and isinstance(yesterday, int):
            return today - yesterday
        return None


def read_days(
    book: RowBook, rows: TableRows, anchor: date, entry: str
) -> tuple[list[DayRow], list[str]]:
    """The dated rows of one daily CSV (years inferred from the anchor) and its gap warnings."""
    columns = (
        *_DAILY_COLUMNS[rows.match.layout.name],
        *_EXTRAS_COLUMNS.get(rows.match.layout.name, ()),
    )
    undated: list[_Undated] = []
    for record in rows.records:
        book.count()
        try:
            rows.check_width(record)
            day = _day(rows, record)
            values = {column: rows.count(record, column) for column in columns}
        except RowInvalid as invalid:
            rows.reject(book, record, invalid)
            continue
        undated.append(_Undated(record, day, values))
    dated = _dated(book, rows, undated, anchor, entry)
    return dated, gap_warnings([row.day for row in dated], entry)


def read_breakdown(book: RowBook, rows: TableRows, context: Context, dimension: str) -> None:
    """Gender or territory shares on the capture date; `Others` is kept as a bucket of its own."""
    seen: dict[str, int] = {}
    for record in rows.records:
        book.count()
        try:
            rows.check_width(record)
            bucket = _bucket(rows, record, seen)
            share = rows.share(record, "share")
            if share is None:
                raise RowInvalid(
                    rows.label("share"), MISSING_VALUE, f"{rows.label('share')} is missing"
                )
        except RowInvalid as invalid:
            rows.reject(book, record, invalid)
            continue
        seen[bucket.casefold()] = record.line
        key = (SOURCE_ID, context.account, context.anchor, dimension, bucket)
        values = {
            "source": SOURCE_ID,
            "account": context.account,
            "captured_on": context.anchor,
            "dimension": dimension,
            "bucket": bucket,
            "share": share,
            "views": None,
            "clicks": None,
            "click_through_rate": None,
        }
        book.keep(AUDIENCE_BREAKDOWNS, key, values, row=record.line, raw_line=record.raw)


def _bucket(rows: TableRows, record: Record, seen: dict[str, int]) -> str:
    label = rows.label("bucket")
    bucket = rows.cell(record, "bucket") or ""
    if not bucket:
        raise RowInvalid(label, MISSING_VALUE, f"{label} is missing")
    if bucket.casefold() in seen:
        line = seen[bucket.casefold()]
        raise RowInvalid(
            "*", DUPLICATE_KEY, f"{label} {shown(bucket)} was already given on line {line}"
        )
    return bucket


def _day(rows: TableRows, record: Record) -> MonthDay | date:
    label = rows.label("date")
    text = rows.cell(record, "date") or ""
    if not text or text.casefold() == "undefined":
        raise RowInvalid(label, MISSING_VALUE, f"{label} is missing")
    day = parse_day(text)
    if day is None:
        raise RowInvalid(
            label, INVALID_DATE, f"{label} {shown(text)} is not a day like 'December 30'"
        )
    return day


def _dated(
    book: RowBook, rows: TableRows, undated: list[_Undated], anchor: date, entry: str
) -> list[DayRow]:
    """Years from the anchor (SPEC 2.4 rules 1 and 2); impossible days and repeats rejected."""
    month_days = [row.day for row in undated if isinstance(row.day, MonthDay)]
    years = infer_years(month_days, anchor)
    if years and years[-1] - years[0] > MAX_YEAR_DROPS:
        raise FileRejected(
            f"{entry}: days are not oldest-first (their years would span {years[0]}-{years[-1]}); "
            "a legacy export lists one row per day, oldest first"
        )
    year_of = iter(years)
    dated: list[DayRow] = []
    lines: dict[date, int] = {}
    for row in undated:
        try:
            day = _with_year(rows, row, year_of)
            if day in lines:
                message = f"day {day.isoformat()} was already given on line {lines[day]}"
                raise RowInvalid("*", DUPLICATE_KEY, message)
        except RowInvalid as invalid:
            rows.reject(book, row.record, invalid)
            continue
        lines[day] = row.record.line
        dated.append(DayRow(day, row.record, row.values))
    return dated


def _with_year(rows: TableRows, row: _Undated, year_of: Iterator[int]) -> date:
    if not isinstance(row.day, MonthDay):
        return row.day
    year = next(year_of)
    try:
        return date(year, row.day.month, row.day.day)
    except ValueError:
        label = rows.label("date")
        text = rows.cell(row.record, "date")
        raise RowInvalid(
            label, INVALID_DATE, f"{label} {shown(text)} is not a day of {year}"
        ) from None
