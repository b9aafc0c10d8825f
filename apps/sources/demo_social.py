"""Demo files for TikTok and Instagram, built from the connectors' sample writers (SPEC 3.6):
year-less legacy dates across New Year with `undefined`, a Portuguese header, a Studio export
with a BOM, Graph insights and a UTF-16 Business Suite export. TikTok views are the demo year's
(demo_world.py), so they lead the artists' streams; every figure is invented."""

from __future__ import annotations

import calendar
import random
from datetime import UTC, date, datetime, timedelta

from apps.sources.connectors.instagram import samples as instagram
from apps.sources.connectors.tiktok import samples as tiktok
from apps.sources.demo_world import DemoWorld, demo_world

# (account, arrival name, content), as the other connectors' demo writers return them.
DemoEntry = tuple[str, str, bytes]

LEGACY_DAYS = 21
INSTAGRAM_DAYS = 30
INSTAGRAM_ACCOUNT = "zonea0"


def _last_new_year_capture(today: date) -> date:
    """A capture day ten days into the latest January that lies before `today`, so a legacy
    export's year-less window crosses New Year."""
    capture = date(today.year, 1, 10)
    return capture if capture < today else date(today.year - 1, 1, 10)


def _epoch(day: date) -> int:
    return calendar.timegm(datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC).timetuple())


def _legacy_counts(
    world: DemoWorld, account: str, first_day: date, rng: random.Random
) -> list[tuple[object, ...]]:
    """The demo year's views of the export's days; a day before the year gets an everyday
    figure of its own."""
    known = dict(zip(world.days, world.tiktok_views[account], strict=True))
    rows: list[tuple[object, ...]] = []
    for offset in range(LEGACY_DAYS):
        day = first_day + timedelta(days=offset)
        views = known.get(day) or int(min(known.values()) * rng.uniform(1.0, 1.3))
        rows.append((views, views // 40, views // 7, views // 90, views // 150))
    return rows


def _legacy_zip(today: date, world: DemoWorld, rng: random.Random) -> DemoEntry:
    """@zone.a0's legacy zip: English labels, one `undefined` day, follower history."""
    capture = _last_new_year_capture(today)
    first_day = capture - timedelta(days=LEGACY_DAYS - 1)
    counts = _legacy_counts(world, "zonea0", first_day, rng)
    counts[4] = ("undefined", *counts[4][1:])
    totals, differences, total = [], [], 2100
    for _ in range(LEGACY_DAYS):
        difference = rng.randint(-3, 14)
        total += difference
        totals.append(total)
        differences.append(difference)
    content = tiktok.zip_bytes(
        {
            "Overview.csv": tiktok.legacy_overview(first_day, counts),
            "FollowerHistory.csv": tiktok.follower_history(first_day, totals, differences),
        }
    )
    return "", tiktok.legacy_zip_name(capture, "zone.a0", _epoch(capture)), content


def _portuguese_csv(today: date, world: DemoWorld, rng: random.Random) -> DemoEntry:
    """@pig1987's lone Overview CSV exported with Portuguese labels, across New Year too."""
    capture = _last_new_year_capture(today)
    first_day = capture - timedelta(days=LEGACY_DAYS - 1)
    counts = _legacy_counts(world, "pig1987", first_day, rng)
    counts[9] = (counts[9][0], counts[9][1], counts[9][2], "undefined", counts[9][4])
    name = f"Overview_{capture.isoformat()}_{_epoch(capture)}_pig1987.csv"
    return "", name, tiktok.legacy_overview(first_day, counts, language="pt")


def _studio_overview(world: DemoWorld, account: str, name: str, rng: random.Random) -> DemoEntry:
    """A TikTok Studio overview of the last 365 days: BOM, YYYY/MM/DD, `NaN` on the first day."""
    rows = []
    for index, (day, views) in enumerate(zip(world.days, world.tiktok_views[account], strict=True)):
        new, lost = rng.randint(2, 25), rng.randint(0, 8)
        reached = "NaN" if index == 0 else views * 2 // 3
        rows.append(
            (
                day.strftime("%Y/%m/%d"),
                views,
                reached,
                views // 35,
                views // 8,
                views // 120,
                views // 95,
                rng.randint(0, 6),
                0,
                0,
                0,
                new - lost,
                new,
                lost,
            )
        )
    return account, name, tiktok.studio_csv(tiktok.STUDIO_OVERVIEW_HEADER, rows)


def _follower_snapshot(today: date) -> DemoEntry:
    stamp = datetime(today.year, today.month, today.day, 7, 12, 45, tzinfo=UTC) - timedelta(days=1)
    content = tiktok.follower_snapshot(
        count=2315, handle="zone.a0", timestamp=stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    return "", f"tiktok_followers_zone.a0_{stamp:%Y%m%d}.json", content


def demo_tiktok_files(*, today: date, seed: int = 1987) -> list[DemoEntry]:
    """The demo's TikTok files for both personas, ending the day before `today`."""
    rng = random.Random(seed)
    world = demo_world(today, seed)
    return [
        _legacy_zip(today, world, rng),
        _portuguese_csv(today, world, rng),
        _studio_overview(world, "zonea0", "overview.csv", rng),
        # Studio names every overview alike; the browser numbers the second download.
        _studio_overview(world, "pig1987", "overview (1).csv", rng),
        _follower_snapshot(today),
    ]


def demo_instagram_files(*, today: date, seed: int = 1987) -> list[DemoEntry]:
    """The demo's Instagram files: Graph insights and profile, and a Business Suite export."""
    rng = random.Random(seed)
    days = [today - timedelta(days=offset) for offset in range(INSTAGRAM_DAYS, 0, -1)]
    reach = [(day, rng.randint(300, 1400)) for day in days]
    followers = [(day, rng.randint(0, 9)) for day in days]
    insights = instagram.insights_json(
        [
            instagram.insights_item("reach", reach),
            instagram.insights_item("follower_count", followers),
        ]
    )
    views = instagram.insights_json([instagram.views_item(days[-1], rng.randint(2000, 5000))])
    profile = instagram.profile_json(followers=5120, follows=87, media=142)
    suite = instagram.suite_csv("Reach", [(day, value + 11) for day, value in reach])
    return [
        (INSTAGRAM_ACCOUNT, f"instagram_insights_{today:%Y%m%d}.json", insights),
        (INSTAGRAM_ACCOUNT, f"instagram_views_{today:%Y%m%d}.json", views),
        (INSTAGRAM_ACCOUNT, f"instagram_profile_{today:%Y%m%d}.json", profile),
        (INSTAGRAM_ACCOUNT, "Reach.csv", suite),
    ]
