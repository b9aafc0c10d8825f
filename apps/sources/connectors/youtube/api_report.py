"""Parse a YouTube Analytics API v2 `reports.query` result (SPEC 2.7) into `youtube_daily`.

The extractor saves `{"request": {...}, "response": <result table>}`, so the requested window
travels with the data; a bare result table is accepted too. The request keys are the API's own
query parameters (`ids`, `startDate`, `endDate`, `dimensions`, `metrics`, `filters`, `sort`,
`maxResults`) plus `channelId` (the channel the token belongs to) and `fetchedAt` (ISO time).

`rows` is absent when YouTube has no data. Within the requested window, a day missing from the
result counts as 0 once it is more than `LATENCY_DAYS` days older than the capture day (US
Pacific, the API's day); younger days are left absent, so a later capture fills them instead of
a 0 hiding them. Filled days count as input rows, so `rows_in = rows_out + rows_rejected` holds
for what reaches staging. Only a single series is filled (the channel, or the one video of a
`video==ID` filter): with a `video` dimension the API returns at most `maxResults` rows in
`sort` order, so a video missing from the result is not known to have had 0 views.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.rowbook import (
    INVALID_ROW,
    INVALID_VALUE,
    MAX_REJECTED_FRACTION,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    capture_time,
    json_text,
    parse_count,
    parse_iso_date,
    read_json_file,
    shown,
)
from apps.sources.connectors.youtube.channels import CHANNEL_ID, resolve_channel
from apps.sources.datasets_channels import (
    CHANNEL_VIDEO_ID,
    YOUTUBE_DAILY,
    YOUTUBE_DAILY_SCHEMA,
)

logger = logging.getLogger(__name__)

KIND_API_REPORT = "api_report"
SCHEMA_ID = "youtube_analytics_v2_result_table"
RESULT_TABLE_KIND = "youtubeAnalytics#resultTable"
# YouTube's reporting latency is 48-72 h: a day this many days old or younger may still come.
LATENCY_DAYS = 3
# A window longer than ten years is not a request the extractor makes; it also bounds filling.
MAX_WINDOW_DAYS = 3700
# The API reports days in US Pacific time.
PACIFIC = ZoneInfo("America/Los_Angeles")

DAY = "day"
VIDEO = "video"
DIMENSIONS = (DAY, VIDEO)
# API metric -> `youtube_daily` column; other metrics are noted in a warning and not kept.
METRIC_COLUMNS: dict[str, str] = {
    "views": "views",
    "engagedViews": "engaged_views",
    "estimatedMinutesWatched": "minutes_watched",
    "subscribersGained": "subscribers_gained",
    "subscribersLost": "subscribers_lost",
    "likes": "likes",
    "shares": "shares",
    "comments": "comments",
}
_VIDEO_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_VIDEO_FILTER = re.compile(r"(?:^|;)\s*video==([^;]*)")
_SCHEMAS = {YOUTUBE_DAILY: YOUTUBE_DAILY_SCHEMA}


@dataclass(frozen=True)
class Request:
    """What the saved request tells: the window, the channel, a video filter, the fetch time."""

    start: date | None
    end: date | None
    channel_ids: list[str]
    video_ids: list[str]
    fetched_at: datetime | None


@dataclass(frozen=True)
class ResultTable:
    names: list[str]
    rows: list[object]

    @property
    def dimensions(self) -> list[str]:
        return [name for name in self.names if name in DIMENSIONS]

    @property
    def metrics(self) -> list[str]:
        return [name for name in self.names if name in METRIC_COLUMNS]


@dataclass(frozen=True)
class Series:
    """Where a row's date and video come from when the table has no column for them."""

    channel: str
    fixed_day: date | None
    fixed_video: str | None


def parse_api_report(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed `youtube_daily` rows of one saved API result, or FileRejected naming why not."""
    request, table = read_document(read_json_file(payload.path))
    channel = resolve_channel(given=payload.account, named_ids=request.channel_ids)
    captured_at = request.fetched_at or capture_time(payload)
    series = _series(table, request, channel)
    book = RowBook()
    days_seen = _read_rows(book, table, series)
    warnings = _ignored_metrics(table)
    if DAY in table.dimensions and request.start is None:
        warnings.append("window_unknown absent days are not filled")
    elif _is_single_series(table):
        warnings += _fill_absent_days(book, table, request, series, days_seen, captured_at)
    book.check_share(max_rejected_fraction)
    logger.info(
        "youtube_api_report_parsed rows_in=%s rejected=%s", book.rows_in, len(book.rejections)
    )
    return ParsedFile(
        kind=KIND_API_REPORT,
        schema_id=SCHEMA_ID,
        tables={
            name: table.sort_by([("date", "ascending"), ("video_id", "ascending")])
            for name, table in book.tables(_SCHEMAS).items()
        },
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding="utf-8",
        warnings=warnings,
        account=channel,
        captured_at=captured_at,
    )


def read_document(document: object) -> tuple[Request, ResultTable]:
    """The request (empty for a bare result) and the result table of a saved API response."""
    if isinstance(document, dict) and isinstance(document.get("response"), dict):
        request_part = document.get("request")
        request = read_request(request_part if isinstance(request_part, dict) else {})
        return request, read_result_table(document["response"])
    return read_request({}), read_result_table(document)


def read_result_table(response: object) -> ResultTable:
    if not isinstance(response, dict) or not isinstance(response.get("columnHeaders"), list):
        raise FileRejected(
            "not a YouTube Analytics result table: expected an object with columnHeaders "
            "(bare, or under 'response' next to 'request')"
        )
    kind = response.get("kind")
    if kind is not None and kind != RESULT_TABLE_KIND:
        raise FileRejected(f"result kind {shown(kind)} is not {RESULT_TABLE_KIND}")
    names = _header_names(response["columnHeaders"])
    rows = response.get("rows")
    if rows is None:
        rows = []  # YouTube leaves `rows` out when it has no data
    if not isinstance(rows, list):
        raise FileRejected("result rows is not a list")
    return ResultTable(names=names, rows=rows)


def _header_names(headers: list[object]) -> list[str]:
    names: list[str] = []
    for header in headers:
        name = header.get("name") if isinstance(header, dict) else None
        if not isinstance(name, str) or not name:
            raise FileRejected(f"columnHeaders entry {shown(header)} has no name")
        if name in names:
            raise FileRejected(f"columnHeaders names {shown(name)} twice")
        is_dimension = str(header.get("columnType", "")).upper() == "DIMENSION"
        if is_dimension and name not in DIMENSIONS:
            raise FileRejected(
                f"dimension {shown(name)} is not supported; youtube_daily takes day and video"
            )
        names.append(name)
    if not any(name in DIMENSIONS for name in names):
        raise FileRejected("result table has neither a day nor a video dimension")
    return names


def read_request(request: dict[str, object]) -> Request:
    """The parts of a saved request the parser uses; a malformed one rejects the file."""
    start = _request_date(request, "startDate")
    end = _request_date(request, "endDate")
    if (start is None) != (end is None):
        raise FileRejected("request gives only one of startDate and endDate")
    if start is not None and end is not None:
        if start > end:
            raise FileRejected(f"request startDate {start} is after endDate {end}")
        if (end - start).days > MAX_WINDOW_DAYS:
            raise FileRejected(
                f"request window {start}..{end} is longer than {MAX_WINDOW_DAYS} days"
            )
    return Request(
        start=start,
        end=end,
        channel_ids=_channel_ids(request),
        video_ids=_filtered_videos(request.get("filters")),
        fetched_at=_fetched_at(request.get("fetchedAt")),
    )


def _request_date(request: dict[str, object], key: str) -> date | None:
    value = request.get(key)
    try:
        return parse_iso_date(value, f"request.{key}", is_required=False)
    except RowInvalid as invalid:
        raise FileRejected(invalid.message) from None


def _channel_ids(request: dict[str, object]) -> list[str]:
    """Channel ids the request names: `channelId`, and `ids=channel==UC...` (not `MINE`)."""
    found: list[str] = []
    ids = request.get("ids")
    candidates = [request.get("channelId")]
    if isinstance(ids, str) and ids.startswith("channel=="):
        candidates.append(ids.removeprefix("channel=="))
    for candidate in candidates:
        if isinstance(candidate, str) and CHANNEL_ID.fullmatch(candidate.strip()):
            found.append(candidate.strip())
    return found


def _filtered_videos(filters: object) -> list[str]:
    match = _VIDEO_FILTER.search(filters) if isinstance(filters, str) else None
    if match is None:
        return []
    return [part.strip() for part in match.group(1).split(",") if part.strip()]


def _fetched_at(value: object) -> datetime | None:
    """The fetch time the extractor wrote; one without an offset is not trusted."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _series(table: ResultTable, request: Request, channel: str) -> Series:
    """How rows map to (date, video): from their cells, or fixed by the request."""
    fixed_day: date | None = None
    if DAY not in table.dimensions:
        if request.start is None or request.start != request.end:
            raise FileRejected(
                "per-video totals without a day dimension are daily only for a one-day "
                "request; ask for dimensions=day,video or a single day"
            )
        fixed_day = request.start
    fixed_video: str | None = None
    if VIDEO not in table.dimensions:
        if len(request.video_ids) > 1:
            raise FileRejected(
                "the request filters several videos but the rows carry no video column"
            )
        fixed_video = request.video_ids[0] if request.video_ids else CHANNEL_VIDEO_ID
    return Series(channel=channel, fixed_day=fixed_day, fixed_video=fixed_video)


def _is_single_series(table: ResultTable) -> bool:
    return table.dimensions == [DAY]


def _read_rows(book: RowBook, table: ResultTable, series: Series) -> set[date]:
    """Keep or reject every result row; the days they name (even rejected ones) are returned."""
    days_seen: set[date] = set()
    for index, row in enumerate(table.rows, start=1):
        book.count()
        raw_line = json_text(row)
        try:
            values = _cells(row, table)
            days_seen.update(_lenient_day(values))
            typed = _typed_row(values, table, series)
        except RowInvalid as invalid:
            book.reject(
                row=index,
                column=invalid.column,
                code=invalid.code,
                message=invalid.message,
                raw_line=raw_line,
            )
            continue
        key = (series.channel, typed["date"], typed["video_id"])
        book.keep(YOUTUBE_DAILY, key, typed, row=index, raw_line=raw_line)
    return days_seen


def _cells(row: object, table: ResultTable) -> dict[str, object]:
    if not isinstance(row, list):
        raise RowInvalid("*", INVALID_ROW, "result row is not a list")
    if len(row) != len(table.names):
        message = f"result row has {len(row)} cells for {len(table.names)} column headers"
        raise RowInvalid("*", INVALID_ROW, message)
    return dict(zip(table.names, row, strict=True))


def _lenient_day(values: dict[str, object]) -> list[date]:
    try:
        day = parse_iso_date(values.get(DAY), DAY, is_required=False)
    except RowInvalid:
        return []
    return [day] if day else []


def _typed_row(values: dict[str, object], table: ResultTable, series: Series) -> dict[str, object]:
    day = series.fixed_day or parse_iso_date(values.get(DAY), DAY, is_required=True)
    row: dict[str, object] = {
        "channel": series.channel,
        "date": day,
        "video_id": series.fixed_video or _video_id(values.get(VIDEO)),
    }
    for metric, column in METRIC_COLUMNS.items():
        row[column] = parse_count(values[metric], metric) if metric in values else None
    return row


def _video_id(value: object) -> str:
    """Video ids are text; a number or anything outside base64url is not one."""
    if value is None or value == "":
        raise RowInvalid(VIDEO, MISSING_VALUE, "video is missing")
    if not isinstance(value, str) or not _VIDEO_ID.fullmatch(value.strip()):
        raise RowInvalid(VIDEO, INVALID_VALUE, f"video {shown(value)} is not a video id")
    return value.strip()


def _fill_absent_days(
    book: RowBook,
    table: ResultTable,
    request: Request,
    series: Series,
    days_seen: set[date],
    captured_at: datetime,
) -> list[str]:
    """Zero rows for settled days the result left out; a note of the days left absent."""
    if request.start is None or request.end is None:
        return []
    capture_day = captured_at.astimezone(PACIFIC).date()
    filled: list[date] = []
    absent: list[date] = []
    day = request.start
    while day <= request.end:
        if day not in days_seen:
            is_settled = (capture_day - day).days > LATENCY_DAYS
            (filled if is_settled else absent).append(day)
        day += timedelta(days=1)
    for day in filled:
        _keep_zero_day(book, table, series, day)
    return _fill_notes(filled, absent)


def _keep_zero_day(book: RowBook, table: ResultTable, series: Series, day: date) -> None:
    book.count()
    row: dict[str, object] = {
        "channel": series.channel,
        "date": day,
        "video_id": series.fixed_video,
    }
    requested = set(table.metrics)
    for metric, column in METRIC_COLUMNS.items():
        # Only requested metrics are known to be 0; the others stay unknown.
        row[column] = 0 if metric in requested else None
    key = (series.channel, day, series.fixed_video)
    book.keep(YOUTUBE_DAILY, key, row, row=0, raw_line=f"(absent day {day.isoformat()}: 0)")


def _fill_notes(filled: list[date], absent: list[date]) -> list[str]:
    notes: list[str] = []
    if filled:
        notes.append(f"absent_days_filled_with_zero count={len(filled)}")
    if absent:
        notes.append(
            f"latency_days_left_absent count={len(absent)} "
            f"first={absent[0].isoformat()} last={absent[-1].isoformat()}"
        )
    return notes


def _ignored_metrics(table: ResultTable) -> list[str]:
    kept = {*METRIC_COLUMNS, *DIMENSIONS}
    ignored = [name for name in table.names if name not in kept]
    if not ignored:
        return []
    names = ",".join(re.sub(r"[^A-Za-z0-9_]", "", name)[:40] for name in ignored[:20])
    return [f"metrics_ignored names={names}"]
