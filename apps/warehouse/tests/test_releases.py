"""Releases are filled while loading: UPC from statements, titles from analytics, dates
from S4A (SPEC 4.1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.warehouse.loaders import LOADERS
from apps.warehouse.models import Artist, Release, Track
from apps.warehouse.services import ingest_path
from apps.warehouse.tests.curated_tables import curated_table

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def _releases() -> list[tuple[str | None, str, str | None, list[str]]]:
    """(upc, title, artist, track titles), UPC releases first (NULLs sort apart by database)."""
    found = [
        (
            release.upc,
            release.title,
            release.artist.name if release.artist else None,
            sorted(track.title for track in release.tracks.all()),
        )
        for release in Release.objects.select_related("artist")
    ]
    return sorted(found, key=lambda r: (r[0] is None, r[0] or "", r[1]))


def _line(fingerprint: str, **fields: object) -> dict[str, object]:
    return {
        "distributor": "distrokid",
        "line_fingerprint": fingerprint,
        "occurrence": 1,
        "schema_id": "dk_current_15",
        "reporting_date": date(2025, 6, 3),
        "sale_month": date(2025, 4, 1),
        "store": "Spotify",
        "quantity": 10,
        "country_code": "US",
        "earnings_usd": Decimal("0.024000000000"),
        "source_type": "Song",
        **fields,
    }


def test_ingest_creates_one_release_per_statement_upc_with_its_tracks() -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    # UPCs keep their leading zeros; each single is titled after its one track
    assert _releases() == [
        ("0123456789012", "Café Nocturne", "ZONE A0", ["Café Nocturne"]),
        ("0123456789029", "Renegade Pipeline", "PIG1987", ["Renegade Pipeline"]),
        ("0123456789036", "Static Bloom", "IWARY", ["Static Bloom"]),
    ]
    # a second export of the same releases adds a fourth line, not a fourth release
    ingest_path(path=FIXTURES / "dk_current_overlap.tsv")
    assert (Release.objects.count(), Release.tracks.through.objects.count()) == (3, 3)


def test_statement_album_line_names_the_release_and_reloading_changes_nothing() -> None:
    rows = [
        _line("a1", artist_name="ZONE A0", title="Low Orbit", isrc="QZHN52300001", upc="0196"),
        _line("a2", artist_name="ZONE A0", title="Static", isrc="QZHN52300002", upc="0196"),
        # sold as a whole album: the title is the release's, there is no ISRC
        _line("a3", artist_name="ZONE A0", title="Nocturnes", upc="0196", source_type="Album"),
        # a release whose tracks never sold as an album takes its first title in order
        _line("b1", artist_name="PIG1987", title="Trough", isrc="QZPG82300001", upc="0197"),
        _line("b2", artist_name="PIG1987", title="Mud Season", isrc="QZPG82300002", upc="0197"),
        _line("c1", artist_name="PIG1987", title="No UPC", isrc="QZPG82300003", upc=""),
    ]
    table = curated_table("statement_lines", rows)
    LOADERS["statement_lines"](table)
    expected = [
        ("0196", "Nocturnes", "ZONE A0", ["Low Orbit", "Static"]),
        ("0197", "Mud Season", "PIG1987", ["Mud Season", "Trough"]),
    ]
    assert _releases() == expected
    # an admin's corrected title survives the next load
    Release.objects.filter(upc="0197").update(title="MUD SEASON EP")
    LOADERS["statement_lines"](table)
    assert _releases() == [expected[0], ("0197", "MUD SEASON EP", "PIG1987", expected[1][3])]


def test_analytics_release_titles_and_s4a_release_dates_complete_releases() -> None:
    zone = Artist.objects.get(name="ZONE A0")
    on_upc = Track.objects.create(isrc="QZABC2500001", title="Café Nocturne", artist=zone)
    loose = Track.objects.create(isrc="QZABC2500009", title="The Scale", artist=zone)
    Release.objects.create(upc="0123456789012", title="Café Nocturne", artist=zone).tracks.add(
        on_upc
    )
    base = {"captured_on": date(2025, 6, 1), "distributor": "toolost", "platform": "Spotify"}
    totals = [
        # already on its UPC release: kept there, no second release
        {**base, "window": "all", "track_key": "QZABC2500001", "isrc": "QZABC2500001",
         "track_title": "Café Nocturne", "release_title": "Nocturnes", "streams": 9},
        {**base, "window": "all", "track_key": "QZABC2500009", "isrc": "QZABC2500009",
         "track_title": "The Scale", "release_title": "The Scale EP", "streams": 4},
        {**base, "window": "all", "track_key": "Nobody", "isrc": None,
         "track_title": "Nobody", "release_title": "Unknown EP", "streams": 1},
    ]  # fmt: skip
    for _ in range(2):
        LOADERS["distributor_track_totals"](curated_table("distributor_track_totals", totals))
    assert _releases() == [
        ("0123456789012", "Café Nocturne", "ZONE A0", ["Café Nocturne"]),
        (None, "The Scale EP", "ZONE A0", ["The Scale"]),
    ]
    window = {"account": "zonea0", "window": "28day", "captured_on": date(2025, 6, 1)}
    songs = [
        {**window, "song_key": "s1", "song_title": "The Scale", "release_date": date(2024, 3, 1)},
        {**window, "song_key": "s2", "song_title": "Café Nocturne",
         "release_date": date(2023, 9, 15)},
    ]  # fmt: skip
    LOADERS["spotify_song_windows"](curated_table("spotify_song_windows", songs))
    assert dict(Release.objects.values_list("title", "release_date")) == {
        "Café Nocturne": date(2023, 9, 15),
        "The Scale EP": date(2024, 3, 1),
    }
    assert loose.releases.get().title == "The Scale EP"
