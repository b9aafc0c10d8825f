"""SPEC 2.2: a TooLost analytics capture identical to the previous one but more than a day
newer is marked `possibly_cached` and shown on the health page and in /api/lake/files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from apps.lake.models import LakeFile
from apps.sources.connectors.toolost.samples import spotify_analytics_bytes
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db


def _ingest(tmp_path: Path, content: bytes, folder: str) -> Any:
    path = tmp_path / folder / "analytics.json"
    path.parent.mkdir()
    path.write_bytes(content)
    return ingest_path(path=path)


def _age(lake_file_id: int, *, hours: int) -> None:
    """Pretend the capture arrived `hours` ago (created_at is set on insert)."""
    LakeFile.objects.filter(pk=lake_file_id).update(
        created_at=LakeFile.objects.get(pk=lake_file_id).created_at - timedelta(hours=hours)
    )


def test_identical_analytics_more_than_a_day_later_are_flagged_and_shown(
    tmp_path: Path, alice_client: Any
) -> None:
    # given a TooLost Spotify analytics capture from 25 hours ago
    content = spotify_analytics_bytes(through=date(2025, 6, 1))
    first = _ingest(tmp_path, content, "a")
    assert first.result == "accepted"
    _age(first.lake_file_id, hours=25)

    # when the extractor saves exactly the same bytes again
    again = _ingest(tmp_path, content, "b")

    # then they stay a duplicate (no new row) but the capture is marked possibly cached
    assert (again.result, again.lake_file_id) == ("duplicate", first.lake_file_id)
    assert LakeFile.objects.count() == 1
    flagged = LakeFile.objects.get(pk=first.lake_file_id)
    assert flagged.possibly_cached_at is not None
    # and the health page and the lake API show it
    html = alice_client.get("/health/").content.decode()
    assert f'<li data-file-id="{flagged.pk}">toolost/analytics_spotify:' in html
    rows = alice_client.get("/api/lake/files?source=toolost").json()["results"]
    assert [row["possibly_cached_at"] is not None for row in rows] == [True]


def test_identical_analytics_within_a_day_are_a_plain_duplicate(
    tmp_path: Path, alice_client: Any
) -> None:
    # given a capture from 23 hours ago, then the same bytes
    content = spotify_analytics_bytes(through=date(2025, 6, 1))
    first = _ingest(tmp_path, content, "a")
    _age(first.lake_file_id, hours=23)
    assert _ingest(tmp_path, content, "b").result == "duplicate"

    # then nothing is flagged and the health page says nothing
    assert LakeFile.objects.get(pk=first.lake_file_id).possibly_cached_at is None
    assert 'id="possibly-cached"' not in alice_client.get("/health/").content.decode()


def test_bytes_identical_to_an_older_capture_only_are_not_flagged(tmp_path: Path) -> None:
    # given capture A, then a different capture B, both over a day old
    first = _ingest(tmp_path, spotify_analytics_bytes(through=date(2025, 6, 1)), "a")
    second = _ingest(tmp_path, spotify_analytics_bytes(through=date(2025, 6, 2)), "b")
    _age(first.lake_file_id, hours=50)
    _age(second.lake_file_id, hours=26)

    # when A's bytes come again: they match an older capture, not the previous one
    assert _ingest(tmp_path, spotify_analytics_bytes(through=date(2025, 6, 1)), "c").result == (
        "duplicate"
    )

    # then nothing is flagged
    assert list(LakeFile.objects.values_list("possibly_cached_at", flat=True)) == [None, None]


def test_a_newer_different_capture_clears_the_health_notice(
    tmp_path: Path, alice_client: Any
) -> None:
    # given a flagged capture
    content = spotify_analytics_bytes(through=date(2025, 6, 1))
    first = _ingest(tmp_path, content, "a")
    _age(first.lake_file_id, hours=30)
    _ingest(tmp_path, content, "b")
    assert 'id="possibly-cached"' in alice_client.get("/health/").content.decode()

    # when a fresh, different capture arrives
    _ingest(tmp_path, spotify_analytics_bytes(through=date(2025, 6, 2)), "c")

    # then the health page no longer shows the doubt (the lineage keeps the timestamp)
    assert 'id="possibly-cached"' not in alice_client.get("/health/").content.decode()
    assert LakeFile.objects.get(pk=first.lake_file_id).possibly_cached_at is not None
