"""Deterministic, realistic S4A files for fixtures, the demo and benchmarks.

Values are invented; layouts and quirks are the vendor's (SPEC 2.3): audience timelines with and
without `playlist adds,saves`, songs summaries whose first row is the artist's own total and
whose `all` window reports 0 listeners and saves, titles with `?` and `/`, per-song timelines
with quoted thousands, Title-case or French headers under a title line, and the songs JSON with
counts as strings with commas.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta

from apps.sources.connectors.spotify.accounts import account_by_slug

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class SampleSong:
    title: str
    release_date: date
    # Relative popularity: a song's share of the artist's streams.
    weight: float

    @property
    def track_id(self) -> str:
        """A made-up but stable 22-character Spotify id."""
        number = int.from_bytes(hashlib.sha256(self.title.encode("utf-8")).digest()[:17], "big")
        digits = []
        for _ in range(22):
            number, remainder = divmod(number, 62)
            digits.append(_BASE62[remainder])
        return "".join(digits)


CATALOG: dict[str, tuple[SampleSong, ...]] = {
    "zonea0": (
        SampleSong("Café Nocturne", date(2024, 2, 9), 5.0),
        SampleSong("Static Bloom", date(2024, 2, 9), 2.0),
        SampleSong("Who Is Listening?", date(2024, 9, 13), 1.5),
        SampleSong("AC/DC Current", date(2025, 1, 17), 1.0),
    ),
    "pig1987": (
        SampleSong("Mud Season", date(2023, 11, 3), 3.0),
        SampleSong("Señorita Lag", date(2024, 5, 24), 1.0),
    ),
}


def audience_timeline_csv(
    *, first_day: date, days: int, seed: int = 0, has_saves: bool = True
) -> bytes:
    """An audience timeline export: daily listeners and streams, a running follower total."""
    rng = random.Random(seed)
    header = ["date", "listeners", "streams", "followers"]
    if has_saves:
        header += ["playlist adds", "saves"]
    rows = [header]
    followers = 1000 + rng.randrange(500)
    for offset in range(days):
        listeners = 80 + rng.randrange(120)
        followers += rng.randrange(4)
        row = [
            (first_day + timedelta(days=offset)).isoformat(),
            str(listeners),
            str(listeners * 2 + rng.randrange(60)),
            str(followers),
        ]
        if has_saves:
            row += [str(rng.randrange(6)), str(rng.randrange(15))]
        rows.append(row)
    return _csv_bytes(rows)


def songs_summary_csv(*, account: str, window: str, seed: int = 0) -> bytes:
    """A songs summary export; its first row is the artist's own total, as S4A writes it."""
    rng = random.Random(seed)
    songs = CATALOG[account]
    artist = account_by_slug(account)
    scale = {"28day": 1, "1year": 12, "all": 20}.get(window, 1)
    rows: list[list[str]] = [["song", "listeners", "streams", "saves", "release_date"]]
    body = []
    for song in songs:
        streams = int(song.weight * 400 * scale) + rng.randrange(50)
        listeners = 0 if window == "all" else streams // 3
        saves = 0 if window == "all" else streams // 40
        body.append(
            [song.title, str(listeners), str(streams), str(saves), song.release_date.isoformat()]
        )
    total_streams = sum(int(row[2]) for row in body)
    name = artist.artist_name if artist else account.upper()
    rows.append(
        [name, "0" if window == "all" else str(total_streams // 3), str(total_streams), "0", ""]
    )
    return _csv_bytes(rows + body)


def song_timeline_csv(
    *,
    first_day: date,
    days: int,
    seed: int = 0,
    is_french: bool = False,
    title_line: str = "",
) -> bytes:
    """A per-song timeline: numbers quoted with thousands separators, optional title line."""
    rng = random.Random(seed)
    rows: list[list[str]] = [[title_line]] if title_line else []
    rows.append(["Date", "Écoutes" if is_french else "Streams"])
    for offset in range(days):
        streams = 900 + rng.randrange(400)
        rows.append([(first_day + timedelta(days=offset)).isoformat(), f"{streams:,}"])
    return _csv_bytes(rows, encoding="utf-8-sig" if is_french else "utf-8")


def songs_api_json(*, account: str, window: str, seed: int = 0, is_wrapped: bool = True) -> bytes:
    """The songs JSON the S4A page requests for one window; counts as strings with commas."""
    rng = random.Random(seed)
    scale = {"1day": 0.04, "7day": 0.25, "28day": 1, "1year": 12, "all": 20}.get(window, 1)
    songs = []
    for song in CATALOG[account]:
        streams = int(song.weight * 400 * scale) + rng.randrange(50)
        songs.append(
            {
                "id": song.track_id,
                "trackName": song.title,
                "trackUri": f"spotify:track:{song.track_id}",
                "releaseDate": song.release_date.isoformat(),
                "imageUrl": f"https://i.scdn.co/image/{song.track_id}",
                "numStreams": f"{streams:,}",
                "numListeners": "0" if window == "all" else f"{streams // 3:,}",
                "numSavers": 0 if window == "all" else streams // 40,
                "numCanvasViews": f"{streams // 5:,}",
                "isDisabled": False,
            }
        )
    document: dict[str, object] = {"data": {"songs": songs}} if is_wrapped else {"songs": songs}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def demo_spotify_files(*, seed: int = 1987) -> list[tuple[str, str, bytes]]:
    """The demo's S4A files as (account, arrival name, content)."""
    files: list[tuple[str, str, bytes]] = []
    for index, (account, songs) in enumerate(CATALOG.items()):
        artist = account_by_slug(account)
        artist_id = artist.artist_id if artist else account
        files.append(
            (
                account,
                f"{artist_id}-audience-timeline.csv",
                audience_timeline_csv(first_day=date(2025, 1, 1), days=90, seed=seed + index),
            )
        )
        for window in ("28day", "1year", "all"):
            files.append(
                (
                    account,
                    f"{account}-songs-{window}.csv",
                    songs_summary_csv(account=account, window=window, seed=seed + index),
                )
            )
        files.append(
            (
                account,
                f"spotify_songs_{artist_id}_7day_20250331_213000.json",
                songs_api_json(account=account, window="7day", seed=seed + index),
            )
        )
        files.append(
            (
                account,
                f"{songs[0].title}-timeline.csv",
                song_timeline_csv(
                    first_day=date(2025, 3, 1),
                    days=28,
                    seed=seed + index,
                    is_french=index == 1,
                    title_line=songs[0].title if index == 1 else "",
                ),
            )
        )
    return files


def _csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)
