"""Releases (SPEC 4.1: UPC, else primary artist + title + release date) filled while loading.

Statements carry a UPC on every line and, on `Album` lines, the release title; analytics
carry a release title per track and S4A a release date per song. Each loader hands its
partition here; the work is on distinct values, so a million lines cost a few queries.
Existing releases are only completed (blank fields filled), never renamed: an admin's edit
of a title or type survives later loads.

The type (single/ep/album) follows the number of distinct tracks seen on the release, so it
can grow as statements reveal more of an album's tracks; `release_type_inferred` remembers the
loader's last answer, and a type that differs from it is a staff edit, left alone."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Count, F, Q

from apps.warehouse.models import Release, Track, normalise_name

ALBUM = "album"
SINGLE, EP = "single", "ep"
# The stores' rule (Spotify, Apple Music, DistroKid): up to 3 tracks is a single, 4 to 6 an EP,
# 7 or more an album. Their 10- and 30-minute duration limits cannot apply: no source gives
# track durations, so the count alone decides.
MAX_SINGLE_TRACKS, MAX_EP_TRACKS = 3, 6


def _upc_groups(table: pa.Table, artist_ids: pa.Array, track_ids: pa.Array) -> list[dict[str, Any]]:
    """Distinct (upc, title, source type, artist, track) of the lines that have a UPC."""
    keyed = pa.table(
        {
            "upc": pc.fill_null(table.column("upc"), ""),
            "title": pc.fill_null(table.column("title"), ""),
            "source_type": pc.utf8_lower(pc.fill_null(table.column("source_type"), "")),
            "artist_id": pc.cast(artist_ids, pa.int64()),
            "track_id": pc.cast(track_ids, pa.int64()),
        }
    ).filter(pc.not_equal(pc.fill_null(table.column("upc"), ""), ""))
    grouped = keyed.group_by(
        ["upc", "title", "source_type", "artist_id", "track_id"], use_threads=False
    ).aggregate([])
    return grouped.to_pylist()


def _release_title(rows: list[dict[str, Any]]) -> str:
    """The `Album` line's title when the statement has one; else the one title the UPC's lines
    carry (a single); else the first title in sorted order (several tracks, none sold as an
    album), which an admin can correct."""
    album_titles = sorted({row["title"] for row in rows if row["source_type"] == ALBUM})
    titles = sorted({row["title"] for row in rows if row["title"]})
    return (album_titles or titles or [""])[0]


def _primary_artist(rows: list[dict[str, Any]]) -> int | None:
    counts = Counter(row["artist_id"] for row in rows if row["artist_id"] is not None)
    return min(counts, key=lambda pk: (-counts[pk], pk)) if counts else None


def statement_releases_load(table: pa.Table, artist_ids: pa.Array, track_ids: pa.Array) -> int:
    """Create the releases of a statement partition's UPCs and link their tracks; returns the
    number of releases created."""
    by_upc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _upc_groups(table, artist_ids, track_ids):
        by_upc[row["upc"]].append(row)
    if not by_upc:
        return 0
    existing = {release.upc: release for release in Release.objects.filter(upc__in=by_upc)}
    created = [
        Release(upc=upc, title=_release_title(rows), artist_id=_primary_artist(rows))
        for upc, rows in sorted(by_upc.items())
        if upc not in existing
    ]
    Release.objects.bulk_create(created, ignore_conflicts=True)
    _complete_artists(existing, by_upc)
    release_ids = dict(Release.objects.filter(upc__in=by_upc).values_list("upc", "pk"))
    _link_tracks(
        {
            (release_ids[upc], row["track_id"])
            for upc, rows in by_upc.items()
            for row in rows
            if row["track_id"] is not None and upc in release_ids
        }
    )
    release_types_update(release_ids.values())
    return len(created)


def _complete_artists(
    existing: dict[str, Release], by_upc: dict[str, list[dict[str, Any]]]
) -> None:
    """A release created before its artist was known gets the artist now."""
    for upc, release in existing.items():
        if release.artist_id is None and (artist_id := _primary_artist(by_upc[upc])):
            Release.objects.filter(pk=release.pk, artist__isnull=True).update(artist_id=artist_id)


def _link_tracks(pairs: set[tuple[int, int]]) -> None:
    through = Release.tracks.through
    through.objects.bulk_create(
        [through(release_id=release_id, track_id=track_id) for release_id, track_id in pairs],
        ignore_conflicts=True,
    )


def titled_releases_load(track_ids: pa.Array, release_titles: pa.Array) -> int:
    """Analytics rows name each track's release. A track already on a release (a UPC from its
    statements) keeps it; otherwise the release is found by (artist, normalised title), or
    created without a UPC. Returns the number of releases created."""
    pairs = (
        pa.table({"track_id": pc.cast(track_ids, pa.int64()), "title": release_titles})
        .filter(pc.and_(pc.is_valid(track_ids), pc.not_equal(pc.fill_null(release_titles, ""), "")))
        .group_by(["track_id", "title"], use_threads=False)
        .aggregate([])
        .to_pylist()
    )
    wanted = {row["track_id"]: row["title"] for row in sorted(pairs, key=lambda r: r["title"])}
    with_release = set(
        Release.tracks.through.objects.filter(track_id__in=wanted).values_list(
            "track_id", flat=True
        )
    )
    artists = dict(Track.objects.filter(pk__in=wanted).values_list("pk", "artist_id"))
    created = 0
    links: set[tuple[int, int]] = set()
    for track_id, title in sorted(wanted.items()):
        if track_id in with_release or track_id not in artists:
            continue
        release = _release_by_title(artists[track_id], title)
        if release is None:
            release = Release.objects.create(title=title, artist_id=artists[track_id])
            created += 1
        links.add((release.pk, track_id))
    _link_tracks(links)
    release_types_update(release_id for release_id, _ in links)
    return created


def _release_by_title(artist_id: int | None, title: str) -> Release | None:
    wanted = normalise_name(title)
    candidates = Release.objects.filter(artist_id=artist_id, title__iexact=title.strip())
    return next((r for r in candidates.order_by("pk") if normalise_name(r.title) == wanted), None)


def release_type_for(track_count: int) -> str:
    if track_count <= MAX_SINGLE_TRACKS:
        return SINGLE
    return EP if track_count <= MAX_EP_TRACKS else ALBUM


def release_types_update(release_ids: Iterable[int]) -> int:
    """Type each release from its linked tracks, unless staff set the type: only a blank type,
    or the one this function wrote last time, is replaced. Returns the releases changed."""
    counts = (
        Release.objects.filter(pk__in=set(release_ids))
        .annotate(track_count=Count("tracks"))
        .filter(track_count__gt=0)
        .order_by()
        .values_list("pk", "track_count")
    )
    by_type: dict[str, list[int]] = defaultdict(list)
    for release_id, track_count in counts:
        by_type[release_type_for(track_count)].append(release_id)
    not_edited = Q(release_type="") | Q(release_type=F("release_type_inferred"))
    return sum(
        Release.objects.filter(not_edited, pk__in=ids)
        # Already right: no write, so a reload changes no row.
        .exclude(release_type=kind, release_type_inferred=kind)
        .update(release_type=kind, release_type_inferred=kind)
        for kind, ids in sorted(by_type.items())
    )


def release_dates_load(track_ids: pa.Array, release_dates: pa.Array) -> int:
    """S4A gives each song its release date: a release without a date takes the earliest date
    of its tracks. Returns the number of releases dated."""
    rows = (
        pa.table({"track_id": pc.cast(track_ids, pa.int64()), "release_date": release_dates})
        .filter(pc.and_(pc.is_valid(track_ids), pc.is_valid(release_dates)))
        .group_by("track_id", use_threads=False)
        .aggregate([("release_date", "min")])
        .to_pylist()
    )
    by_track: dict[int, date] = {row["track_id"]: row["release_date_min"] for row in rows}
    earliest: dict[int, date] = {}
    links = Release.tracks.through.objects.filter(
        track_id__in=by_track, release__release_date__isnull=True
    ).values_list("release_id", "track_id")
    for release_id, track_id in links:
        day = by_track[track_id]
        earliest[release_id] = min(day, earliest.get(release_id, day))
    for release_id, day in earliest.items():
        Release.objects.filter(pk=release_id, release_date__isnull=True).update(release_date=day)
    return len(earliest)
