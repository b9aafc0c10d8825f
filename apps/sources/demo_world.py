"""The one invented year behind every daily demo file, so the sources tell the same story.

Each artist's true Spotify streams drive the distributors' stream charts and analytics (split
between DistroKid and TooLost) and, a few percent off as the two never agree exactly, the
artists' Spotify for Artists timelines (SPEC 4.5). TikTok views lead streams by `TIKTOK_LAG_DAYS`
(SPEC 5.3.5), releases lift streams and carry Meta spend, and yesterday holds two genuine spikes
(a TikTok video taking off, an Apple Music playlist add) so the anomaly alerts have something to
report (SPEC 5.3.6). Every figure is invented and seeded: the same `today` gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

# A year of days up to yesterday: the window the DistroKid charts have always shown.
WINDOW_DAYS = 365
# TikTok views turn into Spotify streams this many days later.
TIKTOK_LAG_DAYS = 12
# Spotify streams per TikTok view, once the lag has passed.
STREAMS_PER_VIEW = {"zonea0": 0.09, "pig1987": 0.12}
TIKTOK_BASE_VIEWS = {"zonea0": 1000, "pig1987": 420}
SPOTIFY_BASE_STREAMS = {"zonea0": 330, "pig1987": 170}
# DistroKid carries this share of the label's Spotify streams, TooLost the rest.
DISTROKID_SPOTIFY_SHARE = 0.56
DISTROKID_APPLE_SHARE = 0.45
APPLE_PER_SPOTIFY = 0.17
# A Meta campaign runs from ten days before its release to three weeks after.
CAMPAIGN_LEAD_DAYS = 10
CAMPAIGN_TAIL_DAYS = 21


@dataclass(frozen=True)
class DemoRelease:
    account: str
    title: str
    days_ago: int
    campaign_id: str
    campaign_name: str


# Titles the demo's statements know, so each campaign resolves to artist and track.
RELEASES: tuple[DemoRelease, ...] = (
    DemoRelease(
        "zonea0", "Cold Open", 240, "120210987654321004", "ZONE A0 - COLD OPEN - STREAMING"
    ),
    DemoRelease(
        "pig1987", "Trough", 130, "120210987654321003", "PIG1987 - TROUGH - STREAMING - Copy 2"
    ),
    DemoRelease("zonea0", "Low Orbit", 45, "120210987654321001", "ZONE A0 - LOW ORBIT - STREAMING"),
)


@dataclass(frozen=True)
class DemoWorld:
    days: tuple[date, ...]  # oldest first, ending yesterday
    tiktok_views: dict[str, tuple[int, ...]]  # per TikTok account
    spotify_streams: dict[str, tuple[int, ...]]  # per S4A account: the true count
    s4a_factor: tuple[float, ...]  # per day: what S4A reports / what the distributors report
    distrokid_spotify: tuple[int, ...]
    toolost_spotify: tuple[int, ...]
    distrokid_apple: tuple[int, ...]
    toolost_apple: tuple[int, ...]

    def s4a_streams(self, account: str) -> tuple[int, ...]:
        return tuple(
            round(streams * factor)
            for streams, factor in zip(self.spotify_streams[account], self.s4a_factor, strict=True)
        )


@lru_cache(maxsize=8)
def demo_world(today: date, seed: int = 1987) -> DemoWorld:
    """The demo year ending the day before `today`."""
    rng = random.Random(seed)
    days = tuple(today - timedelta(days=offset) for offset in range(WINDOW_DAYS, 0, -1))
    views = {account: _tiktok_views(rng, days, base) for account, base in TIKTOK_BASE_VIEWS.items()}
    streams = {
        account: _spotify_streams(rng, days, account, base, views[account])
        for account, base in SPOTIFY_BASE_STREAMS.items()
    }
    label = [sum(day) for day in zip(*streams.values(), strict=True)]
    distrokid = [round(total * rng.uniform(0.53, 0.59)) for total in label]
    apple = _apple_streams(rng, label)
    distrokid_apple = [round(total * DISTROKID_APPLE_SHARE) for total in apple]
    return DemoWorld(
        days=days,
        tiktok_views={account: tuple(series) for account, series in views.items()},
        spotify_streams={account: tuple(series) for account, series in streams.items()},
        s4a_factor=tuple(_s4a_factor(rng) for _ in days),
        distrokid_spotify=tuple(distrokid),
        toolost_spotify=tuple(total - dk for total, dk in zip(label, distrokid, strict=True)),
        distrokid_apple=tuple(distrokid_apple),
        toolost_apple=tuple(total - dk for total, dk in zip(apple, distrokid_apple, strict=True)),
    )


def release_day(release: DemoRelease, today: date) -> date:
    return today - timedelta(days=release.days_ago)


def campaign_days(release: DemoRelease, today: date) -> list[date]:
    """The days a release's campaign spends, cut at yesterday."""
    first = release_day(release, today) - timedelta(days=CAMPAIGN_LEAD_DAYS)
    count = min(CAMPAIGN_LEAD_DAYS + CAMPAIGN_TAIL_DAYS, (today - first).days)
    return [first + timedelta(days=offset) for offset in range(count)]


def daily_spend(rng: random.Random, day: date, release_on: date) -> Decimal:
    """More spend in the release week, tapering after it."""
    distance = abs((day - release_on).days)
    level = 24 if distance <= 3 else 14 if day < release_on else max(6, 20 - distance)
    return Decimal(str(round(level * rng.uniform(0.8, 1.2), 2)))


def _tiktok_views(rng: random.Random, days: tuple[date, ...], base: int) -> list[int]:
    """Everyday views plus a few videos taking off, the last one yesterday."""
    bursts = [*sorted(rng.sample(range(20, len(days) - 30), 6)), len(days) - 1]
    views = []
    for index, day in enumerate(days):
        weekend = 1.2 if day.weekday() >= 5 else 1.0
        level = base * weekend * rng.uniform(0.85, 1.15)
        for start in bursts:
            if index >= start:
                # A viral video: five to eight times the usual views, halving every three days.
                level += base * (5 + start % 4) * 0.5 ** ((index - start) / 3)
        views.append(int(level))
    return views


def _spotify_streams(
    rng: random.Random, days: tuple[date, ...], account: str, base: int, views: list[int]
) -> list[int]:
    """A slow climb, weekend peaks, release lifts and the streams TikTok views bring later."""
    releases = [r for r in RELEASES if r.account == account]
    streams = []
    for index, day in enumerate(days):
        trend = base * (1 + 0.3 * index / len(days)) * (1.15 if day.weekday() >= 4 else 1.0)
        lift = sum(_release_lift(base, (len(days) - index) - r.days_ago) for r in releases)
        earlier = views[index - TIKTOK_LAG_DAYS] if index >= TIKTOK_LAG_DAYS else views[0]
        tiktok = STREAMS_PER_VIEW[account] * earlier
        streams.append(int((trend + lift + tiktok) * rng.uniform(0.93, 1.07)))
    return streams


def _release_lift(base: int, days_since: int) -> float:
    """A release doubles streams on the day, fading over about a month."""
    return 0.0 if days_since < 0 else base * 0.97**days_since


def _apple_streams(rng: random.Random, spotify: list[int]) -> list[int]:
    """Apple follows Spotify at a sixth, until a playlist add yesterday triples it."""
    apple = [round(total * APPLE_PER_SPOTIFY * rng.uniform(0.85, 1.15)) for total in spotify]
    apple[-1] *= 3
    return apple


def _s4a_factor(rng: random.Random) -> float:
    """S4A against the distributors: mostly within 4 %, sometimes 6-12 %, rarely 16-20 %."""
    draw = rng.random()
    gap = (
        rng.uniform(0.0, 0.04)
        if draw < 0.78
        else rng.uniform(0.06, 0.12)
        if draw < 0.95
        else rng.uniform(0.16, 0.2)
    )
    return 1 + gap if rng.random() < 0.5 else 1 - gap
