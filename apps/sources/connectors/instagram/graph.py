"""Graph API payloads (SPEC 2.9): user insights and the profile.

Insights: `data[] = {name, period, values[] = {value, end_time}, id}`, or for `views`
(`metric_type=total_value`) `{name, period, total_value: {value}, id}`. `end_time` is the end
of a US-Pacific day written in UTC, so a value's date is the Pacific date of `end_time` minus
one day. A `total_value` item carries no `end_time` of its own in Graph's answer: the extractor
asks for one day at a time and writes that day's `end_time` next to `total_value` (on the item
or inside `total_value`). A raw Graph page without it is dated from its paging links when they
show a one-day window (`previous.until` .. `next.since`); a total over a longer window is not a
daily value, so it is rejected as expected (recorded, never quarantining the file).

Every metric keeps its own name: `impressions` is never renamed `views`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import (
    INVALID_DATE,
    INVALID_ROW,
    INVALID_VALUE,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    json_text,
    parse_count,
    shown,
)
from apps.sources.datasets_social import INSTAGRAM_DAILY, INSTAGRAM_PROFILE_SNAPSHOTS

KIND_API_INSIGHTS = "api_insights"
KIND_API_PROFILE = "api_profile"

PACIFIC = ZoneInfo("America/Los_Angeles")
DAILY_PERIOD = "day"
UNSUPPORTED_PERIOD = "unsupported_period"
WINDOW_TOTAL = "window_total"
ONE_DAY_MIN_SECONDS = 23 * 3600
ONE_DAY_MAX_SECONDS = 25 * 3600
PROFILE_COUNTS = ("followers_count", "follows_count", "media_count")
GRAPH_MESSAGE_MAX_CHARS = 300


@dataclass(frozen=True)
class Point:
    """One value of one metric, with where it sits in the payload."""

    path: str
    metric: object
    period: object
    value: object
    end_time: object
    source: object
    # Why the point cannot be a row at all (not an object, no values), else empty.
    problem: str = ""
    # A `total_value` with no day of its own: a total over the request window, not a daily value.
    is_window_total: bool = False


def graph_error(document: dict[str, object]) -> str | None:
    """The message of a Graph error payload (`{"error": {...}}`), else None."""
    error = document.get("error")
    if not isinstance(error, dict):
        return None
    code = error.get("code", "?")
    # The vendor's whole message helps staff more than a clipped one; it is bounded all the same.
    message = str(error.get("message", ""))[:GRAPH_MESSAGE_MAX_CHARS]
    return f"Graph API error {shown(code)}: {message}"


def insights_user_ids(document: dict[str, object]) -> list[str]:
    """The distinct IG user ids the items name (`<id>/insights/<metric>/<period>`)."""
    ids: list[str] = []
    for item in _items(document):
        item_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(item_id, str) and "/insights/" in item_id:
            user_id = item_id.split("/insights/", 1)[0]
            if user_id and user_id not in ids:
                ids.append(user_id)
    return ids


def read_insights(book: RowBook, document: dict[str, object], account: str) -> None:
    """One instagram_daily row per metric and day; undatable or non-daily values rejected."""
    window_end = _one_day_window_end(document.get("paging"))
    for row, point in enumerate(_points(document, window_end), start=1):
        book.count()
        try:
            values = _daily_values(point, account)
        except RowInvalid as invalid:
            book.reject(
                row=row,
                column=f"{point.path}.{invalid.column}",
                code=invalid.code,
                message=invalid.message,
                raw_line=json_text(point.source),
                is_expected=invalid.code == WINDOW_TOTAL,
            )
            continue
        key = (account, values["date"], values["metric"])
        book.keep(INSTAGRAM_DAILY, key, values, row=row, raw_line=json_text(point.source))


def read_profile(
    book: RowBook, document: dict[str, object], account: str, captured_on: date
) -> None:
    """The profile's counts as seen on the capture date."""
    book.count()
    try:
        counts = {name: parse_count(document.get(name), name) for name in PROFILE_COUNTS}
        if counts["followers_count"] is None:
            raise RowInvalid("followers_count", MISSING_VALUE, "followers_count is missing")
    except RowInvalid as invalid:
        book.reject(
            row=1,
            column=invalid.column,
            code=invalid.code,
            message=invalid.message,
            raw_line=json_text(document),
        )
        return
    row = {"account": account, "captured_on": captured_on, **counts}
    book.keep(INSTAGRAM_PROFILE_SNAPSHOTS, (account, captured_on), row, row=1, raw_line="")


def data_date(end_time: datetime) -> date:
    """SPEC 2.9: the Pacific-local date of `end_time`, minus one day."""
    return end_time.astimezone(PACIFIC).date() - timedelta(days=1)


def _items(document: dict[str, object]) -> list[object]:
    data = document.get("data")
    if not isinstance(data, list):
        raise FileRejected("insights payload has no `data` list")
    return data


def _one_day_window_end(paging: object) -> str | None:
    """The page's own `until` as an ISO time when its window is one day, else None.

    Graph's paging links carry the neighbouring windows as unix `since`/`until`; the current
    window runs from the previous link's `until` to the next link's `since`.
    """
    if not isinstance(paging, dict):
        return None
    since = _link_bound(paging.get("previous"), "until")
    until = _link_bound(paging.get("next"), "since")
    if since is None or until is None:
        return None
    # 23 to 25 hours: one Pacific day, DST changes included.
    if not ONE_DAY_MIN_SECONDS <= until - since <= ONE_DAY_MAX_SECONDS:
        return None
    return datetime.fromtimestamp(until, tz=UTC).isoformat()


def _link_bound(link: object, name: str) -> int | None:
    if not isinstance(link, str):
        return None
    values = parse_qs(urlsplit(link).query).get(name)
    if not values or not values[0].isdigit():
        return None
    return int(values[0])


def _points(document: dict[str, object], window_end: str | None = None) -> Iterator[Point]:
    """Every value of every item; a malformed item or entry is one point, rejected later."""
    for index, item in enumerate(_items(document)):
        path = f"data[{index}]"
        if not isinstance(item, dict):
            yield Point(path, None, None, None, None, item, problem="item is not an object")
            continue
        name, period = item.get("name"), item.get("period")
        values, total = item.get("values"), item.get("total_value")
        if isinstance(values, list):
            yield from _value_points(path, name, period, values)
        if isinstance(total, dict):
            end_time = item.get("end_time", total.get("end_time", window_end))
            yield Point(
                f"{path}.total_value",
                name,
                period,
                total.get("value"),
                end_time,
                item,
                is_window_total=end_time is None,
            )
        elif not isinstance(values, list):
            problem = "item has neither values[] nor total_value"
            yield Point(path, name, period, None, None, item, problem=problem)


def _value_points(path: str, name: object, period: object, values: list[object]) -> Iterator[Point]:
    for position, entry in enumerate(values):
        entry_path = f"{path}.values[{position}]"
        if not isinstance(entry, dict):
            yield Point(
                entry_path, name, period, None, None, entry, problem="value is not an object"
            )
            continue
        yield Point(entry_path, name, period, entry.get("value"), entry.get("end_time"), entry)


def _daily_values(point: Point, account: str) -> dict[str, object]:
    if point.problem:
        raise RowInvalid("*", INVALID_ROW, point.problem)
    if point.is_window_total:
        raise RowInvalid(
            "end_time",
            WINDOW_TOTAL,
            "total_value has no end_time and the page is not a one-day window: "
            "a total over the request window, not a daily value",
        )
    if not isinstance(point.metric, str) or not point.metric.strip():
        raise RowInvalid("name", MISSING_VALUE, "metric name is missing")
    if point.period is not None and point.period != DAILY_PERIOD:
        raise RowInvalid(
            "period",
            UNSUPPORTED_PERIOD,
            f"period {shown(point.period)} is not daily; only period=day is stored",
        )
    day = data_date(_end_time(point.end_time))
    value = parse_count(point.value, "value")
    return {"account": account, "date": day, "metric": point.metric.strip(), "value": value}


def _end_time(value: object) -> datetime:
    if value is None:
        raise RowInvalid("end_time", MISSING_VALUE, "end_time is missing; the value has no date")
    if not isinstance(value, str):
        raise RowInvalid("end_time", INVALID_DATE, f"end_time {shown(value)} is not a time")
    try:
        # Python 3.11 reads Graph's `+0000` offsets as well as `Z` and `+00:00`.
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RowInvalid(
            "end_time", INVALID_DATE, f"end_time {shown(value)} is not an ISO 8601 time"
        ) from None
    if moment.tzinfo is None:
        raise RowInvalid("end_time", INVALID_VALUE, f"end_time {shown(value)} has no UTC offset")
    return moment
