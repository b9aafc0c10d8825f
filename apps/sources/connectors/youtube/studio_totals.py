"""Studio `Totals.csv` (SPEC 2.7): the channel's views per day over the export's period.

Each day becomes a channel row of `youtube_daily` (`video_id` `*`) carrying views only: Studio
gives no other daily measure here, so the other columns stay null. These are export rows, so
for a day the Analytics API also reported, the API's full row wins in curated whichever file
came first (SPEC 3.5; the connector declares `api_report` an API payload). Studio fills the days
the API has not reported, such as its latency tail.

Rejections name the entry in their column (`Totals.csv:Views`), as the row numbers are those of
`Totals.csv`, not of `Table data.csv`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.exporttext import (
    DELIMITERS,
    Record,
    decode_export,
    first_records,
    split_records,
)
from apps.sources.connectors.rowbook import (
    DUPLICATE_KEY,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    shown,
    text_key,
)
from apps.sources.connectors.youtube import studio_values as values
from apps.sources.connectors.youtube.studio_headers import date_position
from apps.sources.datasets_channels import CHANNEL_VIDEO_ID, YOUTUBE_DAILY

ENTRY = "Totals.csv"
VIEWS_HEADER = "views"
# Preamble lines may come before the header, as in a re-saved `Table data.csv`.
HEADER_SEARCH_RECORDS = 30
# `youtube_daily` measures Totals.csv does not carry.
MEASURES_NOT_GIVEN = (
    "engaged_views",
    "minutes_watched",
    "subscribers_gained",
    "subscribers_lost",
    "likes",
    "shares",
    "comments",
)


@dataclass(frozen=True)
class TotalsTable:
    """The date and views columns of `Totals.csv`, their header texts and the records below."""

    date_position: int
    views_position: int
    texts: tuple[str, ...]
    records: list[Record]

    def column(self, position: int) -> str:
        """A rejection column: the entry, then the header as the file wrote it."""
        return f"{ENTRY}:{self.texts[position].strip()}"


def read_daily_views(book: RowBook, content: bytes, channel: str) -> list[str]:
    """Keep one `youtube_daily` channel row per day of `Totals.csv`; returns notes for the
    lineage when the entry has no views to load (its dates may still give the period)."""
    try:
        table = _totals_table(content)
    except FileRejected as rejection:
        return [f"totals_views_not_loaded name={ENTRY} reason={shown(rejection.message)}"]
    if table is None:
        return [f"totals_views_not_loaded name={ENTRY} reason='no Date and Views header'"]
    seen: dict[date, int] = {}
    for record in table.records:
        if record.is_blank:
            continue
        book.count()
        try:
            day, views = _day_and_views(record, table, seen)
        except RowInvalid as invalid:
            book.reject(
                row=record.line,
                column=invalid.column,
                code=invalid.code,
                message=invalid.message,
                raw_line=record.raw_line,
            )
            continue
        seen[day] = record.line
        row = _channel_row(channel, day, views)
        key = (channel, day, CHANNEL_VIDEO_ID)
        book.keep(YOUTUBE_DAILY, key, row, row=record.line, raw_line=record.raw_line)
    return []


def _totals_table(content: bytes) -> TotalsTable | None:
    """The header carrying a date and a views column (searched past any preamble), or None."""
    text, _ = decode_export(content, what=f"a Studio {ENTRY}")
    for delimiter in DELIMITERS:
        for index, record in enumerate(first_records(text, delimiter, HEADER_SEARCH_RECORDS)):
            day_at = date_position(record.cells)
            keys = [text_key(cell) for cell in record.cells]
            if day_at is None or VIEWS_HEADER not in keys:
                continue
            return TotalsTable(
                date_position=day_at,
                views_position=keys.index(VIEWS_HEADER),
                texts=record.cells,
                records=split_records(text, delimiter)[index + 1 :],
            )
    return None


def _day_and_views(record: Record, table: TotalsTable, seen: dict[date, int]) -> tuple[date, int]:
    date_column = table.column(table.date_position)
    views_column = table.column(table.views_position)
    day = values.date_of(record.cell(table.date_position), date_column)
    if day is None:
        raise RowInvalid(date_column, MISSING_VALUE, f"{date_column} is missing")
    views = values.count_of(record.cell(table.views_position), views_column)
    if views is None:
        raise RowInvalid(views_column, MISSING_VALUE, f"{views_column} is missing")
    if day in seen:
        message = f"day {day.isoformat()} was already given on line {seen[day]}"
        raise RowInvalid(f"{ENTRY}:*", DUPLICATE_KEY, message)
    return day, views


def _channel_row(channel: str, day: date, views: int) -> dict[str, object]:
    return {
        "channel": channel,
        "date": day,
        "video_id": CHANNEL_VIDEO_ID,
        "views": views,
        **dict.fromkeys(MEASURES_NOT_GIVEN),
    }
