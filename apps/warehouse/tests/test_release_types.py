"""Release types (single/ep/album) from the number of distinct tracks statements show per
release; the type grows with the tracks seen, and a staff-set type is never overwritten."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.warehouse.loaders import LOADERS
from apps.warehouse.models import Artist, Release, Track
from apps.warehouse.releases import release_type_for
from apps.warehouse.tests.curated_tables import curated_table

pytestmark = pytest.mark.django_db


def _lines(upc: str, tracks: range, artist: str = "ZONE A0") -> list[dict[str, object]]:
    """One statement line per track number, each with its own ISRC and title."""
    return [
        {
            "distributor": "distrokid",
            "line_fingerprint": f"{upc}-{number}",
            "occurrence": 1,
            "schema_id": "dk_current_15",
            "reporting_date": date(2025, 6, 3),
            "sale_month": date(2025, 4, 1),
            "store": "Spotify",
            "artist_name": artist,
            "title": f"Track {number}",
            "isrc": f"QZHN5{upc[-2:]}{number:05d}",
            "upc": upc,
            "quantity": 10,
            "country_code": "US",
            "earnings_usd": Decimal("0.024000000000"),
            "source_type": "Song",
        }
        for number in tracks
    ]


def _load(*lines: list[dict[str, object]]) -> None:
    rows = [line for group in lines for line in group]
    LOADERS["statement_lines"](curated_table("statement_lines", rows))


def _types() -> dict[str, tuple[str, str]]:
    return {
        upc: (kind, inferred)
        for upc, kind, inferred in Release.objects.values_list(
            "upc", "release_type", "release_type_inferred"
        )
    }


def test_release_type_follows_the_stores_track_counts() -> None:
    counts = [1, 3, 4, 6, 7, 12]
    assert [release_type_for(n) for n in counts] == [
        "single",
        "single",
        "ep",
        "ep",
        "album",
        "album",
    ]


def test_statements_type_each_upc_by_its_distinct_tracks_and_reloading_changes_nothing() -> None:
    lines = (_lines("0101", range(1, 3)), _lines("0102", range(1, 5)), _lines("0103", range(1, 8)))
    _load(*lines)
    expected = {"0101": ("single", "single"), "0102": ("ep", "ep"), "0103": ("album", "album")}
    assert _types() == expected
    _load(*lines)
    assert _types() == expected


def test_the_type_grows_as_later_statements_show_more_tracks() -> None:
    # given a first statement in which two tracks of an album sold
    _load(_lines("0104", range(1, 3)))
    assert _types() == {"0104": ("single", "single")}
    # when a later one shows five more of its tracks (7 in all)
    _load(_lines("0104", range(3, 8)))
    assert _types() == {"0104": ("album", "album")}
    assert Release.objects.get().tracks.count() == 7


def test_a_type_set_by_staff_survives_later_loads() -> None:
    _load(_lines("0105", range(1, 2)), _lines("0106", range(1, 2)))
    # staff know 0105 is an EP whose other tracks never sold, and clear nothing on 0106
    Release.objects.filter(upc="0105").update(release_type="ep")
    _load(_lines("0105", range(2, 8)), _lines("0106", range(2, 5)))
    assert _types() == {"0105": ("ep", "single"), "0106": ("ep", "ep")}


def test_a_release_named_by_analytics_is_typed_by_its_tracks() -> None:
    zone = Artist.objects.get(name="ZONE A0")
    for n in range(1, 5):
        Track.objects.create(isrc=f"QZABC250000{n}", title=f"Song {n}", artist=zone)
    base = {"captured_on": date(2025, 6, 1), "distributor": "toolost", "platform": "Spotify"}
    totals = [
        {**base, "window": "all", "track_key": f"QZABC250000{n}", "isrc": f"QZABC250000{n}",
         "track_title": f"Song {n}", "release_title": "Night Shift EP", "streams": n}
        for n in range(1, 5)
    ]  # fmt: skip
    LOADERS["distributor_track_totals"](curated_table("distributor_track_totals", totals))
    release = Release.objects.get()
    assert (release.title, release.release_type, release.tracks.count()) == (
        "Night Shift EP",
        "ep",
        4,
    )
