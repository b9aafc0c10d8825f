"""Spotify for Artists extractor against a fake artists.spotify.com, with the real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from apps.sources.extractors import EXTRACTORS, CredentialRejected
from apps.sources.models import Credential
from apps.sources.tests.browser import fake_spotify
from apps.sources.tests.browser.conftest import cookie, curated_rows, store_state
from apps.sources.tests.browser.fake_spotify import FakeSpotifyForArtists
from apps.warehouse.services import ingest_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ACCOUNT = "zonea0"


@pytest.fixture(scope="module")
def spotify() -> Iterator[FakeSpotifyForArtists]:
    with FakeSpotifyForArtists().running() as vendor:
        assert isinstance(vendor, FakeSpotifyForArtists)
        yield vendor


@pytest.fixture
def vendor(spotify: FakeSpotifyForArtists, settings: Any) -> FakeSpotifyForArtists:
    settings.BROWSER_SOURCE_BASE_URLS = {
        **settings.BROWSER_SOURCE_BASE_URLS,
        "spotify": spotify.url,
    }
    spotify.reset_counts()
    return spotify


def test_spotify_extract_captures_audience_every_song_window_and_song_timelines(
    vendor: FakeSpotifyForArtists, landing_dir: Path
) -> None:
    # given a live S4A session for ZONE A0
    vendor.sessions.add("sp-session")
    store_state("spotify", ACCOUNT, cookies=[cookie(fake_spotify.SESSION_COOKIE, "sp-session")])

    # when the registered extractor runs
    paths = EXTRACTORS["spotify"].extract(account=ACCOUNT, since=None, landing_dir=landing_dir)

    # then: the audience export, the page's own songs call for each of the 5 windows (28day
    # made by the page itself, once), and one timeline per song
    names = [path.name for path in paths]
    assert names[0] == f"{fake_spotify.ARTIST_ID}_ZONE A0-audience-timeline.csv"
    assert [name.rsplit("__", 1)[-1] for name in names[1:6]] == [
        f"time-filter={window}.json" for window in fake_spotify.WINDOWS
    ]
    assert vendor.requested("GET /song-stats-view/v2/artist/") == 5
    assert names[6] == "Static Bloom-timeline.csv"
    assert names[7].endswith("-timeline.csv")
    assert len(names) == 8

    # and everything reaches curated for zonea0
    outcomes = [ingest_path(path=path, source_id="spotify", account=ACCOUNT) for path in paths]
    assert [(o.result, o.rows_in) for o in outcomes] == [("accepted", 3)] + [
        ("accepted", 2)
    ] * 5 + [("accepted", 2)] * 2
    windows = {
        (row["window"], row["song_title"]): row["streams"]
        for row in curated_rows("spotify_song_windows")
    }
    assert windows[("all", "Static Bloom")] == 12345
    assert windows[("28day", "Static Bloom")] == 2469
    assert len(windows) == 10
    assert [
        (row["date"], row["streams"])
        for row in curated_rows("spotify_song_daily")
        if row["song_title"] == "Static Bloom"
    ] == [(date(2025, 3, 1), 1028), (date(2025, 3, 2), 1122)]
    assert [(row["date"], row["listeners"]) for row in curated_rows("spotify_audience_daily")] == [
        (date(2025, 1, 1), 120),
        (date(2025, 1, 2), 130),
        (date(2025, 1, 3), 128),
    ]


def test_spotify_redirect_to_login_needs_a_human(
    vendor: FakeSpotifyForArtists, landing_dir: Path
) -> None:
    # given a session Spotify has logged out
    store_state("spotify", ACCOUNT, cookies=[cookie(fake_spotify.SESSION_COOKIE, "gone")])

    # when verified, then extracted
    is_valid = EXTRACTORS["spotify"].verify(account=ACCOUNT)
    with pytest.raises(CredentialRejected):
        EXTRACTORS["spotify"].extract(account=ACCOUNT, since=None, landing_dir=landing_dir)

    # then the probe said invalid, nothing landed, no data call was made
    assert is_valid is False
    assert not landing_dir.exists()
    assert vendor.requested("GET /song-stats-view") == 0
    assert vendor.requested("GET /export") == 0
    assert Credential.objects.get(source="spotify", account=ACCOUNT).status == "needs_reconnect"
