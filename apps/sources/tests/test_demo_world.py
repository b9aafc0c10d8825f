"""The demo year behind the daily demo files: one window, sources that agree, seeded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from apps.sources.demo import demo_files
from apps.sources.demo_world import demo_world

TODAY = date(2026, 11, 26)


@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False)
def test_demo_files_are_the_same_bytes_every_time_for_the_same_day() -> None:
    # given the demo files built for 2026-11-26 (the clock frozen: zip entries carry a time)
    first = [(demo.name, demo.content) for demo in demo_files(today=TODAY)]

    # when they are built again after the world's cache is cleared
    demo_world.cache_clear()
    again = [(demo.name, demo.content) for demo in demo_files(today=TODAY)]

    # then nothing differs
    assert again == first
    assert len(first) == 43


def test_every_daily_series_covers_the_year_up_to_yesterday() -> None:
    # when the demo year of 2026-11-26 is built
    world = demo_world(TODAY)

    # then it runs from 2025-11-26 to yesterday, a value a day in every series
    assert (world.days[0], world.days[-1], len(world.days)) == (
        date(2025, 11, 26),
        date(2026, 11, 25),
        365,
    )
    series = [
        *world.tiktok_views.values(),
        *world.spotify_streams.values(),
        world.distrokid_spotify,
        world.toolost_spotify,
        world.distrokid_apple,
        world.toolost_apple,
    ]
    assert {len(values) for values in series} == {365}


def test_distributors_carry_the_artists_streams_and_s4a_stays_within_twenty_percent() -> None:
    # given the demo year of 2026-11-26
    world = demo_world(TODAY)

    # when the distributors' Spotify streams are set against the artists' and S4A's
    distributors = [
        dk + toolost
        for dk, toolost in zip(world.distrokid_spotify, world.toolost_spotify, strict=True)
    ]
    artists = [sum(day) for day in zip(*world.spotify_streams.values(), strict=True)]
    per_artist = [world.s4a_streams(account) for account in world.spotify_streams]
    s4a = [sum(day) for day in zip(*per_artist, strict=True)]
    gaps = [abs(d - s) / max(d, s) for d, s in zip(distributors, s4a, strict=True)]

    # then the distributors split exactly what the artists streamed
    assert distributors == artists
    # and S4A is within 5 % on most days, at most about 20 % apart
    assert sum(gap <= 0.05 for gap in gaps) == 279
    assert round(max(gaps), 4) == 0.2007
