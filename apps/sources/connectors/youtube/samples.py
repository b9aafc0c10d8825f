"""Deterministic, realistic YouTube payloads for fixtures, the demo and benchmarks.

Values are invented; shapes are the vendor's (SPEC 2.7): an Analytics API v2 result table saved
with its request, whose latest 3 days are absent (latency) and one older day is absent (no
views, which the API leaves out); and a Studio export zip of `Table data.csv` (with its `Total`
control row), `Chart data.csv` and `Totals.csv`, in UTF-8 or in UTF-16 with preamble lines.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from apps.sources.connectors.youtube.api_report import LATENCY_DAYS, METRIC_COLUMNS, PACIFIC
from apps.sources.connectors.youtube.channels import CHANNELS

TABLE_HEADER = (
    "Content",
    "Video title",
    "Video publish time",
    "Duration",
    "Views",
    "Watch time (hours)",
    "Subscribers",
    "Impressions",
    "Impressions click-through rate (%)",
)

_MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


@dataclass(frozen=True)
class SampleVideo:
    video_id: str
    title: str
    published_on: date
    duration_s: int


VIDEOS: tuple[SampleVideo, ...] = (
    SampleVideo("dQ4wZ0neA0x", "ZONE A0 - NOCTURNES (Official Video)", date(2024, 3, 5), 183),
    SampleVideo("Pk7mUdSeas1", "PIG1987 - MUD SEASON (Visualizer)", date(2024, 6, 21), 211),
    SampleVideo("r3Ve_rb-T0n", "ZONE A0 - reverb tone #shorts", date(2025, 1, 9), 31),
    SampleVideo("Xx9lIveSet0", "Live at the basement (full set)", date(2023, 11, 30), 2710),
)


def api_report_json(
    *, channel_id: str, start: date, end: date, fetched_at: datetime, seed: int = 0
) -> bytes:
    """A saved `reports.query` result with `dimensions=day`: the latency tail is absent."""
    rng = random.Random(seed)
    capture_day = fetched_at.astimezone(PACIFIC).date()
    rows: list[list[object]] = []
    day = start
    while day <= end:
        age = (capture_day - day).days
        # The 6th day had no views at all: the API leaves such a day out (absent means 0).
        is_quiet = (day - start).days == 5
        if age > LATENCY_DAYS and not is_quiet:
            rows.append([day.isoformat(), *_day_metrics(rng)])
        day += timedelta(days=1)
    document = {
        "request": {
            "ids": "channel==MINE",
            "channelId": channel_id,
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "dimensions": "day",
            "metrics": ",".join(METRIC_COLUMNS),
            "sort": "day",
            "fetchedAt": fetched_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        },
        "response": {
            "kind": "youtubeAnalytics#resultTable",
            "columnHeaders": [
                {"name": "day", "columnType": "DIMENSION", "dataType": "STRING"},
                *(
                    {"name": metric, "columnType": "METRIC", "dataType": "INTEGER"}
                    for metric in METRIC_COLUMNS
                ),
            ],
            "rows": rows,
        },
    }
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def _day_metrics(rng: random.Random) -> list[int]:
    views = 40 + rng.randrange(400)
    # Shorts replays inflate views since 2025-04-24; engaged views stay below them.
    engaged = views - rng.randrange(max(views // 4, 1))
    return [
        views,
        engaged,
        views * 2 + rng.randrange(60),
        rng.randrange(6),
        rng.randrange(3),
        views // 25,
        rng.randrange(4),
        rng.randrange(3),
    ]


def studio_zip(
    *,
    period_start: date,
    period_end: date,
    seed: int = 0,
    encoding: str = "utf-8",
    with_preamble: bool = False,
) -> bytes:
    """A Studio export zip; `encoding="utf-16"` writes a re-saved, tab-separated table."""
    rng = random.Random(seed)
    days = [period_start + timedelta(days=n) for n in range((period_end - period_start).days + 1)]
    per_video = {video.video_id: [rng.randrange(30) for _ in days] for video in VIDEOS}
    table = _table_data(per_video, rng)
    delimiter = "\t" if encoding == "utf-16" else ","
    preamble = [f"Channel{delimiter}ZONE A0", f"Period{delimiter}{period_start}_{period_end}", ""]
    lines = [*(preamble if with_preamble else []), *(delimiter.join(row) for row in table)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Chart data.csv", _chart_data(days, per_video))
        archive.writestr("Table data.csv", "\r\n".join(lines).encode(encoding))
        archive.writestr("Totals.csv", _totals(days, per_video))
    return buffer.getvalue()


def _table_data(per_video: dict[str, list[int]], rng: random.Random) -> list[list[str]]:
    rows: list[list[str]] = []
    totals = [0, 0, 0, 0]  # views, watch time in 1/10000 h, subscribers, impressions
    for video in VIDEOS:
        views = sum(per_video[video.video_id])
        watch = views * (500 + rng.randrange(2000))  # in 1/10000 h, written with 4 places
        subscribers = rng.randrange(-2, 9)
        impressions = views * 12 + rng.randrange(100)
        ctr = round(100 * views / impressions, 2) if impressions else 0
        for index, value in enumerate((views, watch, subscribers, impressions)):
            totals[index] += value
        rows.append(
            [
                video.video_id,
                _quoted(video.title),
                _quoted(studio_date(video.published_on)),
                str(video.duration_s),
                str(views),
                f"{watch / 10000:.4f}",
                str(subscribers),
                str(impressions),
                f"{ctr}",
            ]
        )
    views, watch, subscribers, impressions = totals
    ctr = round(100 * views / impressions, 2) if impressions else 0
    total = ["Total", "", "", "", str(views), f"{watch / 10000:.4f}", str(subscribers)]
    return [list(TABLE_HEADER), [*total, str(impressions), f"{ctr}"], *rows]


def studio_date(day: date) -> str:
    """`Mar 5, 2024`, as Studio writes a publish time (English, whatever the locale)."""
    return f"{_MONTH_ABBREVIATIONS[day.month - 1]} {day.day}, {day.year}"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _chart_data(days: list[date], per_video: dict[str, list[int]]) -> str:
    lines = ["Date,Content,Video title,Video publish time,Duration,Views"]
    for video in VIDEOS:
        published = studio_date(video.published_on)
        for day, views in zip(days, per_video[video.video_id], strict=True):
            lines.append(
                f"{day.isoformat()},{video.video_id},{_quoted(video.title)},"
                f"{_quoted(published)},{video.duration_s},{views}"
            )
    return "\n".join(lines) + "\n"


def _totals(days: list[date], per_video: dict[str, list[int]]) -> str:
    lines = ["Date,Views"]
    for index, day in enumerate(days):
        lines.append(f"{day.isoformat()},{sum(views[index] for views in per_video.values())}")
    return "\n".join(lines) + "\n"


def demo_youtube_files(*, today: date) -> list[tuple[str, str, bytes]]:
    """The demo's YouTube files as (account, arrival name, content), ending before `today`."""
    channel = CHANNELS[0]
    fetched_at = datetime(today.year, today.month, today.day, 8, 0, tzinfo=UTC)
    end = today - timedelta(days=1)
    api = api_report_json(
        channel_id=channel.channel_id,
        start=end - timedelta(days=29),
        end=end,
        fetched_at=fetched_at,
        seed=1987,
    )
    month_end = today.replace(day=1) - timedelta(days=1)
    month_start = month_end.replace(day=1)
    period = f"{month_start.isoformat()}_{month_end.isoformat()}"
    utf8_zip = studio_zip(period_start=month_start, period_end=month_end, seed=7)
    previous_end = month_start - timedelta(days=1)
    previous_start = previous_end.replace(day=1)
    utf16_zip = studio_zip(
        period_start=previous_start,
        period_end=previous_end,
        seed=8,
        encoding="utf-16",
        with_preamble=True,
    )
    return [
        ("", f"youtube_api_report_{today:%Y%m%d}.json", api),
        (channel.slug, f"Content {period} {channel.title}.zip", utf8_zip),
        (
            channel.slug,
            f"Content {previous_start.isoformat()}_{previous_end.isoformat()} resaved.zip",
            utf16_zip,
        ),
    ]
