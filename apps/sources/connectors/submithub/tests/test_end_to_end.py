"""From `ingest_path` to curated: a SubmitHub export, a refused layout, and the history rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from apps.lake.curated import curated_partitions
from apps.lake.models import FileStatus, LakeFile
from apps.sources.connectors.submithub.tests.helpers import FIXTURES, key_of
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db

LINEAGE = ("source_file_id", "captured_at")


def _ingest(name: str, *, at: datetime) -> IngestOutcome:
    with time_machine.travel(at, tick=False):
        return ingest_path(path=FIXTURES / name)


def _curated() -> list[tuple[object, ...]]:
    found = [
        row for table in curated_partitions("submithub_submissions") for row in table.to_pylist()
    ]
    return [
        (row["submission_key"], row["submitted_on"].isoformat(), row["outlet"], row["status"])
        for row in found
    ]


INDIE = key_of("2025-03-02", "ZONE A0", "NOCTURNES", "Indie Shuffle", "Jason G.")
NIGHT = key_of("2025-03-02", "ZONE A0", "NOCTURNES", "Night Drive Synthwave", "Ava R.")
LOFI = key_of("2025-03-03", "PIG1987", "MUD SEASON", "Lo-Fi Basement", "Marcus T.")
OBSCURE = key_of("2025-03-03", "PIG1987", "MUD SEASON", "Obscure Sound", "Chris P.")
DEEP = key_of("2025-03-09", "ZONE A0", "NOCTURNES", "Deep Cuts TV", "Lena K.")


def test_ingest_submithub_export_reaches_curated() -> None:
    outcome = _ingest(
        "submissions_guessed_layout_four_statuses.csv", at=datetime(2025, 3, 4, tzinfo=UTC)
    )
    assert (outcome.result, outcome.source, outcome.account, outcome.rows_in) == (
        "accepted",
        "submithub",
        "_",
        4,
    )
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.kind, lake_file.status, lake_file.schema_id) == (
        "submissions",
        FileStatus.LOADED,
        "submithub_submissions_provisional_v1",
    )
    assert _curated() == [
        (INDIE, "2025-03-02", "Indie Shuffle", "approved"),
        (NIGHT, "2025-03-02", "Night Drive Synthwave", "declined"),
        (LOFI, "2025-03-03", "Lo-Fi Basement", "pending"),
        (OBSCURE, "2025-03-03", "Obscure Sound", "expired"),
    ]


def test_ingest_newer_export_keeps_older_submissions_and_restates_a_status() -> None:
    _ingest("submissions_guessed_layout_four_statuses.csv", at=datetime(2025, 3, 4, tzinfo=UTC))
    newer = _ingest(
        "submissions_newer_export_pending_now_approved.csv", at=datetime(2025, 3, 10, tzinfo=UTC)
    )
    assert (newer.result, newer.rows_in, newer.rows_rejected) == ("accepted", 2, 0)
    assert _curated() == [
        (INDIE, "2025-03-02", "Indie Shuffle", "approved"),
        (NIGHT, "2025-03-02", "Night Drive Synthwave", "declined"),
        (OBSCURE, "2025-03-03", "Obscure Sound", "expired"),
        (LOFI, "2025-03-03", "Lo-Fi Basement", "approved"),
        (DEEP, "2025-03-09", "Deep Cuts TV", "pending"),
    ]


def test_ingest_link_analytics_is_quarantined_with_its_reason() -> None:
    outcome = _ingest("link_analytics_utm_columns.csv", at=datetime(2025, 3, 4, tzinfo=UTC))
    assert (outcome.result, outcome.source) == ("rejected", "submithub")
    assert outcome.reason.startswith("SubmitHub link analytics (artist, track, utm_*, opened")


def test_ingest_foreign_header_with_source_forced_lists_the_headers() -> None:
    with time_machine.travel(datetime(2025, 3, 4, tzinfo=UTC), tick=False):
        outcome = ingest_path(
            path=FIXTURES / "submissions_headers_not_recognised.csv", source_id="submithub"
        )
    assert outcome.result == "rejected"
    assert "headers found: 'When', 'Who', 'What', 'Where'; required:" in outcome.reason
