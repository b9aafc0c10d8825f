"""Dedupe by sha256 plus the connector's identity (SPEC 3.2): an S4A song timeline names its
song only in the file name, so two songs with byte-identical timelines are two files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile
from apps.warehouse.models import SongStreamDaily
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db

# Two new songs with the same figures: the bytes are identical, only the names differ.
TIMELINE = b'date,streams\n2025-03-01,"1,024"\n2025-03-02,0\n'
AUDIENCE = b"date,listeners,streams,followers\n2025-01-01,120,250,1000\n"


def _ingest(folder: Path, name: str, content: bytes, *, account: str = "zonea0") -> IngestOutcome:
    path = folder / name
    path.write_bytes(content)
    with time_machine.travel(datetime(2025, 3, 31, 21, 30, tzinfo=UTC), tick=False):
        return ingest_path(path=path, account=account)


def _song_days() -> list[tuple[str, str, date, int]]:
    return sorted(SongStreamDaily.objects.values_list("account", "song_key", "date", "streams"))


def _curated_song_days() -> list[tuple[str, str, date, int]]:
    rows = [row for table in curated_partitions("spotify_song_daily") for row in table.to_pylist()]
    return sorted((row["account"], row["song_key"], row["date"], row["streams"]) for row in rows)


def test_two_songs_with_byte_identical_timelines_both_load(tmp_path: Path) -> None:
    first = _ingest(tmp_path, "Night Drive-timeline.csv", TIMELINE)
    second = _ingest(tmp_path, "Morning Run-timeline.csv", TIMELINE)
    assert (first.result, second.result) == ("accepted", "accepted")
    assert first.lake_file_id != second.lake_file_id
    expected = [
        ("zonea0", "morning run", date(2025, 3, 1), 1024),
        ("zonea0", "morning run", date(2025, 3, 2), 0),
        ("zonea0", "night drive", date(2025, 3, 1), 1024),
        ("zonea0", "night drive", date(2025, 3, 2), 0),
    ]
    assert _curated_song_days() == expected
    assert _song_days() == expected
    files = LakeFile.objects.order_by("id")
    # Both rows keep the true sha256 of the bytes, and raw stores those bytes once.
    assert [(f.sha256 == files[0].sha256, f.dedupe_identity) for f in files] == [
        (True, "zonea0/night drive"),
        (True, "zonea0/morning run"),
    ]
    assert files[0].raw_key == files[1].raw_key
    assert files[0].staging_key != files[1].staging_key


def test_same_song_timeline_twice_is_a_duplicate_and_changes_nothing(tmp_path: Path) -> None:
    first = _ingest(tmp_path, "Night Drive-timeline.csv", TIMELINE)
    before = list(LakeFile.objects.values_list("id", "status", "updated_at"))
    # A browser's second copy names the same song.
    again = _ingest(tmp_path, "Night Drive-timeline (1).csv", TIMELINE)
    assert (first.result, again.result) == ("accepted", "duplicate")
    assert again.lake_file_id == first.lake_file_id
    assert list(LakeFile.objects.values_list("id", "status", "updated_at")) == before
    assert _song_days() == [
        ("zonea0", "night drive", date(2025, 3, 1), 1024),
        ("zonea0", "night drive", date(2025, 3, 2), 0),
    ]


def test_same_song_for_another_artist_is_another_file(tmp_path: Path) -> None:
    _ingest(tmp_path, "Night Drive-timeline.csv", TIMELINE, account="zonea0")
    other = _ingest(tmp_path, "Night Drive-timeline.csv", TIMELINE, account="pig1987")
    assert other.result == "accepted"
    assert [row[:2] for row in _song_days()] == [
        ("pig1987", "night drive"),
        ("pig1987", "night drive"),
        ("zonea0", "night drive"),
        ("zonea0", "night drive"),
    ]


def test_timeline_refused_for_its_account_loads_when_sent_again_with_it(tmp_path: Path) -> None:
    refused = _ingest(tmp_path, "Night Drive-timeline.csv", TIMELINE, account="")
    again = _ingest(tmp_path, "Night Drive-timeline.csv", TIMELINE, account="zonea0")
    # The quarantined row itself is reprocessed: no second row for the same file.
    assert (refused.result, again.result) == ("rejected", "accepted")
    assert again.lake_file_id == refused.lake_file_id
    assert LakeFile.objects.get().status == FileStatus.LOADED
    assert len(_song_days()) == 2


def test_other_kind_still_dedupes_by_bytes_whatever_its_name(tmp_path: Path) -> None:
    first = _ingest(tmp_path, "zonea0-audience-timeline.csv", AUDIENCE)
    renamed = _ingest(tmp_path, "renamed copy-audience-timeline.csv", AUDIENCE)
    assert (first.result, renamed.result) == ("accepted", "duplicate")
    assert renamed.lake_file_id == first.lake_file_id
    assert LakeFile.objects.get().dedupe_identity == ""
