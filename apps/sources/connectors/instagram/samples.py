"""Deterministic Instagram payloads for tests and the demo: Graph insights and profile JSON,
and Business Suite CSVs (UTF-16 LE with BOM, `sep=,`, a title line, `"Date","Primary"`).

Every figure and id is invented; the shapes are the vendor's (SPEC 2.9): `end_time` at the end
of a US-Pacific day written in UTC (`T07:00:00+0000` in DST, `T08:00:00+0000` otherwise),
`views` as `total_value`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SAMPLE_USER_ID = "17841400000000001"
PACIFIC = ZoneInfo("America/Los_Angeles")


def end_time_for(day: date) -> str:
    """Graph's `end_time` for a data date: the end of that Pacific day, written in UTC."""
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=PACIFIC)
    return end.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S+0000")


def insights_item(
    metric: str, points: Sequence[tuple[date, int]], *, user_id: str = SAMPLE_USER_ID
) -> dict[str, object]:
    return {
        "name": metric,
        "period": "day",
        "values": [{"value": value, "end_time": end_time_for(day)} for day, value in points],
        "title": metric.replace("_", " ").title(),
        "id": f"{user_id}/insights/{metric}/day",
    }


def views_item(day: date, value: int, *, user_id: str = SAMPLE_USER_ID) -> dict[str, object]:
    """`views` as Graph returns it with metric_type=total_value, dated by the extractor."""
    return {
        "name": "views",
        "period": "day",
        "title": "Views",
        "total_value": {"value": value},
        "end_time": end_time_for(day),
        "id": f"{user_id}/insights/views/day",
    }


def insights_json(items: Sequence[dict[str, object]]) -> bytes:
    return json.dumps({"data": list(items)}, indent=2).encode("utf-8")


def profile_json(
    *, followers: int, follows: int, media: int, user_id: str = SAMPLE_USER_ID
) -> bytes:
    document = {
        "username": "zone.a0",
        "followers_count": followers,
        "follows_count": follows,
        "media_count": media,
        "id": user_id,
    }
    return json.dumps(document).encode("utf-8")


def suite_csv(title: str, rows: Sequence[tuple[date, object]], *, ending: str = "\r\n") -> bytes:
    """A Business Suite export: UTF-16 LE with BOM, every value quoted."""
    lines = ["sep=,", title, '"Date","Primary"']
    lines += [f'"{day.isoformat()}T00:00:00","{value}"' for day, value in rows]
    return b"\xff\xfe" + (ending.join(lines) + ending).encode("utf-16-le")
