"""Demo files of the daily stream and spend sources, written from the demo year (demo_world.py):
S4A timelines and song files, TooLost captures and sales reports, Meta Ads exports, Linktree.
The layouts and quirks are the vendors' (SPEC 2.2, 2.3, 2.7), built with the connectors' own
sample writers wherever one takes the figures as arguments. Every figure is invented."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, timedelta
from decimal import Decimal

from apps.sources.connectors.linktree import samples as linktree
from apps.sources.connectors.metaads import samples as metaads
from apps.sources.connectors.spotify import samples as spotify
from apps.sources.connectors.spotify.accounts import account_by_slug
from apps.sources.connectors.toolost import samples as toolost
from apps.sources.demo_world import (
    RELEASES,
    DemoRelease,
    DemoWorld,
    campaign_days,
    daily_spend,
    demo_world,
    release_day,
)

DemoEntry = tuple[str, str, bytes]
SONG_TIMELINE_DAYS = 28
# TooLost reports a month's sales two months later; the demo holds the three latest reports.
SALES_REPORT_DELAY_MONTHS = 2
SALES_REPORTS = 3


# --- Spotify for Artists ------------------------------------------------------------------------


def demo_spotify_files(*, today: date, seed: int = 1987) -> list[DemoEntry]:
    """Per artist: the year's audience timeline, three songs summaries, the songs JSON of the
    last 7 days and the top song's 28-day timeline (French with a title line for the second)."""
    world = demo_world(today, seed)
    yesterday = today - timedelta(days=1)
    files: list[DemoEntry] = []
    for index, (account, songs) in enumerate(spotify.CATALOG.items()):
        artist = account_by_slug(account)
        artist_id = artist.artist_id if artist else account
        rng = random.Random(seed + index)
        files.append(
            (account, f"{artist_id}-audience-timeline.csv", _audience_timeline(world, account, rng))
        )
        for window in ("28day", "1year", "all"):
            summary = spotify.songs_summary_csv(account=account, window=window, seed=seed + index)
            files.append((account, f"{account}-songs-{window}.csv", summary))
        songs_json = spotify.songs_api_json(account=account, window="7day", seed=seed + index)
        files.append(
            (account, f"spotify_songs_{artist_id}_7day_{yesterday:%Y%m%d}_213000.json", songs_json)
        )
        share = songs[0].weight / sum(song.weight for song in songs)
        timeline = _song_timeline(world, account, share, is_french=index == 1, title=songs[0].title)
        files.append((account, f"{songs[0].title}-timeline.csv", timeline))
    return files


def _audience_timeline(world: DemoWorld, account: str, rng: random.Random) -> bytes:
    """The S4A audience export: listeners, streams, a running follower total, adds and saves."""
    rows = [["date", "listeners", "streams", "followers", "playlist adds", "saves"]]
    followers = 1000 + rng.randrange(500)
    for day, streams in zip(world.days, world.s4a_streams(account), strict=True):
        followers += rng.randrange(3) + streams // 400
        rows.append(
            [
                day.isoformat(),
                str(int(streams / rng.uniform(1.9, 2.4))),
                str(streams),
                str(followers),
                str(rng.randrange(6)),
                str(streams // 30 + rng.randrange(5)),
            ]
        )
    return _csv_bytes(rows)


def _song_timeline(
    world: DemoWorld, account: str, share: float, *, is_french: bool, title: str
) -> bytes:
    """A song's last 28 days: its share of the artist's streams, quoted with thousands."""
    rows: list[list[str]] = [[title]] if is_french else []
    rows.append(["Date", "Écoutes" if is_french else "Streams"])
    recent = zip(world.days, world.s4a_streams(account), strict=True)
    for day, streams in list(recent)[-SONG_TIMELINE_DAYS:]:
        rows.append([day.isoformat(), f"{int(streams * share):,}"])
    return _csv_bytes(rows, encoding="utf-8-sig" if is_french else "utf-8")


def _csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


# --- TooLost ------------------------------------------------------------------------------------


def demo_toolost_files(*, today: date, seed: int = 1987) -> dict[str, bytes]:
    """Both `thisYear` analytics responses captured yesterday and, when the demo year began last
    year, the captures saved on its last day; then the three latest monthly sales reports."""
    world = demo_world(today, seed)
    yesterday = today - timedelta(days=1)
    captures: dict[str, bytes] = {}
    if world.days[0].year < yesterday.year:
        last_year = date(yesterday.year - 1, 12, 31)
        captures |= _analytics_capture(world, last_year, seed, suffix=f"_{last_year:%Y%m%d}")
    captures |= _analytics_capture(world, yesterday, seed, suffix="")
    month = yesterday.replace(day=1)
    for number in range(SALES_REPORTS, 0, -1):
        sale_month = _months_before(month, SALES_REPORT_DELAY_MONTHS + number - 1)
        name = toolost.sales_report_name(sale_month, 18340 + SALES_REPORTS - number)
        captures[name] = toolost.sales_report_bytes(month=sale_month, lines=150, seed=seed)
    return captures


def _analytics_capture(world: DemoWorld, through: date, seed: int, *, suffix: str) -> dict:
    """The year-to-date responses as the portal returned them on `through`."""
    rng = random.Random(f"toolost-{seed}-{through.isoformat()}")
    first = date(through.year, 1, 1)
    days = [(i, day) for i, day in enumerate(world.days) if first <= day <= through]
    spotify_days = {day: world.toolost_spotify[i] for i, day in days}
    apple_days = {day: world.toolost_apple[i] for i, day in days}
    return {
        f"analytics_spotify_thisYear{suffix}.json": _spotify_analytics(rng, spotify_days),
        f"analytics_apple_thisYear{suffix}.json": _apple_analytics(rng, apple_days),
    }


def _spotify_analytics(rng: random.Random, daily: dict[date, int]) -> bytes:
    """Counts as digit strings in no order; Discovery Mode streams and fees per month."""
    streams = [{"date": day.isoformat(), "streams": str(count)} for day, count in daily.items()]
    rng.shuffle(streams)
    discovery = []
    for month in sorted({day.replace(day=1) for day in daily}):
        monthly = sum(count for day, count in daily.items() if day.replace(day=1) == month)
        discovered = monthly * rng.randint(8, 22) // 100
        fees = (discovered * toolost.DISCOVERY_FEE_PER_STREAM).quantize(toolost.EIGHT_PLACES)
        discovery.append(
            {"date": month.strftime("%Y-%m"), "streams": str(discovered), "fees": f"{fees}"}
        )
    rng.shuffle(discovery)
    return _json({"streams": streams, "discovery": discovery})


def _apple_analytics(rng: random.Random, daily: dict[date, int]) -> bytes:
    """Counts as ints with Shazams as strings, per-track and per-country totals."""
    total_streams = [{"date": day.isoformat(), "streams": count} for day, count in daily.items()]
    rng.shuffle(total_streams)
    shazam = [
        {"date": day.isoformat(), "shazams": str(count // 9)}
        for day, count in daily.items()
        if count >= 9
    ]
    rng.shuffle(shazam)
    total = sum(daily.values())
    tracks = _split(total, [track.weight for track in toolost.CATALOG])
    countries = _split(total, [weight for _, _, weight in toolost.COUNTRIES])
    return _json(
        {
            "totalStreams": total_streams,
            "totalShazam": shazam,
            "tracksTotal": [
                {
                    "isrc": track.isrc,
                    "streams": count,
                    "track": track.title,
                    "release": track.release,
                    "cover": f"https://cdn.toolost.com/covers/{track.upc}/600x600.jpg",
                }
                for track, count in zip(toolost.CATALOG, tracks, strict=True)
            ],
            "countryTotal": [
                {"country": country, "streams": count}
                for (country, _, _), count in zip(toolost.COUNTRIES, countries, strict=True)
            ],
            "streamTotal": total,
        }
    )


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` split by weight into whole numbers that add up to `total` exactly."""
    shares = [int(total * weight / sum(weights)) for weight in weights]
    shares[0] += total - sum(shares)
    return shares


def _months_before(month: date, count: int) -> date:
    number = month.year * 12 + month.month - 1 - count
    return date(number // 12, number % 12 + 1, 1)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# --- Meta Ads -----------------------------------------------------------------------------------


def demo_metaads_files(*, today: date, seed: int = 1987) -> dict[str, bytes]:
    """The oldest release's campaign as an Ads Manager period export (summary row first), the
    later ones day by day as a saved Marketing API page, with an always-on "- Copy" of the
    newest that still spends yesterday."""
    rng = random.Random(f"meta-{seed}")
    oldest, *recent = RELEASES
    period = _period_report(rng, oldest, today)
    rows = [row for release in recent for row in _insight_rows(rng, release, today)]
    newest = recent[-1]
    copy = DemoRelease(
        newest.account,
        newest.title,
        newest.days_ago,
        "120210987654321002",
        newest.campaign_name + " - Copy",
    )
    always_on = campaign_days(copy, today)[0]
    copy_days = [always_on + timedelta(days=n) for n in range((today - always_on).days)]
    rows += _insight_rows(rng, copy, today, days=copy_days, share=Decimal("0.3"))
    rows.sort(key=lambda row: str(row["date_start"]))
    return {
        period[0]: period[1],
        f"meta_insights_{today - timedelta(days=1)}.json": metaads.api_page_bytes(rows),
    }


def _period_report(rng: random.Random, release: DemoRelease, today: date) -> tuple[str, bytes]:
    days = campaign_days(release, today)
    spend = sum(daily_spend(rng, day, release_day(release, today)) for day in days)
    impressions = int(spend * 120)
    reach, clicks = impressions * 3 // 5, impressions // 30
    all_clicks = clicks * 13 // 10
    row = [days[0].isoformat(), days[-1].isoformat(), release.campaign_name, release.campaign_id,
           "completed", str(clicks), "Link clicks", str(reach), str(impressions), f"{spend}",
           str(clicks), str(all_clicks), f"{100 * all_clicks / impressions:.6f}"]  # fmt: skip
    summary = [row[0], row[1], "", "", "0", "", "", *row[7:]]
    name = f"BEDROT-ADS-Campaigns-{days[0]:%b-%-d-%Y}-{days[-1]:%b-%-d-%Y}.csv"
    return name, metaads.csv_bytes(metaads.EN_PERIOD_HEADER, [summary, row])


def _insight_rows(
    rng: random.Random,
    release: DemoRelease,
    today: date,
    *,
    days: list[date] | None = None,
    share: Decimal = Decimal(1),
) -> list[dict]:
    """One insight row a day of the campaign (its release window unless `days` is given),
    spending `share` of what a release campaign does."""
    release_on = release_day(release, today)
    rows = []
    for day in days or campaign_days(release, today):
        spend = (daily_spend(rng, day, release_on) * share).quantize(Decimal("0.01"))
        impressions = max(1, int(spend * rng.randint(90, 150)))
        clicks = impressions // rng.randint(25, 40)
        rows.append(
            metaads.insight_row(
                day=day.isoformat(),
                campaign_id=release.campaign_id,
                campaign_name=release.campaign_name,
                adset_id=release.campaign_id[:-3] + "9" + release.campaign_id[-2:],
                adset_name="US 18-34",
                spend=f"{spend}",
                impressions=str(impressions),
                reach=str(impressions * 3 // 4),
                clicks=str(clicks),
                ctr=f"{100 * clicks / impressions:.2f}",
                actions=[{"action_type": "link_click", "value": str(clicks * 9 // 10)}],
            )
        )
    return rows


# --- Linktree -----------------------------------------------------------------------------------

LINKTREE_DAYS = 90


def demo_linktree_files(*, today: date, seed: int = 1987) -> list[DemoEntry]:
    """The Linktree analytics capture of the 90 days up to yesterday."""
    yesterday = today - timedelta(days=1)
    first_day = today - timedelta(days=LINKTREE_DAYS)
    content = linktree.analytics_capture_json(first_day=first_day, days=LINKTREE_DAYS, seed=seed)
    return [("", f"linktree_analytics_{yesterday:%Y%m%d}.json", content)]
