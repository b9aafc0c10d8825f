"""Schema drift against the previous file of the same source and kind: reported, never silent."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from apps.kpis.models import Alert
from apps.kpis.services import alerts_refresh
from apps.lake.models import FileStatus, LakeFile
from apps.sources.connectors.spotify.connector import SpotifyConnector
from apps.sources.connectors.spotify.samples import audience_timeline_csv
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

TIMELINE_NAME = "62owJQCD2XzVB2o19CVsFM-audience-timeline.csv"


def _ingest(tmp_path: Path, content: bytes, folder: str) -> LakeFile:
    path = tmp_path / folder / TIMELINE_NAME
    path.parent.mkdir()
    path.write_bytes(content)
    outcome = ingest_path(path=path, account="zonea0")
    return LakeFile.objects.get(pk=outcome.lake_file_id)


def test_first_file_of_a_kind_records_its_columns_without_drift(tmp_path: Path) -> None:
    # when the first audience timeline arrives
    lake_file = _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")

    # then its header is recorded and nothing is reported
    assert lake_file.schema_drift["columns"] == [
        "date",
        "listeners",
        "streams",
        "followers",
        "playlist adds",
        "saves",
    ]
    assert "compared_with" not in lake_file.schema_drift
    assert len(lake_file.header_fingerprint) == 64


def test_a_renamed_optional_column_is_reported_instead_of_silent_nulls(
    tmp_path: Path, alice_client: Any
) -> None:
    # given a timeline with playlist adds and saves
    first = _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")

    # when the next export calls `saves` `library saves` (the parser keeps only known columns)
    renamed = audience_timeline_csv(first_day=date(2025, 1, 4), days=3).replace(
        b",saves\n", b",library saves\n", 1
    )
    second = _ingest(tmp_path, renamed, "b")

    # then the file loads, and the rename and the column left empty are on its lineage row
    assert second.status == FileStatus.LOADED
    drift = second.schema_drift
    assert drift["compared_with"] == first.pk
    assert drift["renamed_columns"] == [{"from": "saves", "to": "library saves"}]
    assert (drift["new_columns"], drift["missing_columns"]) == ([], [])
    assert drift["emptied_columns"] == ["spotify_audience_daily.saves"]
    expected = (
        f"schema drift vs file {first.pk}: renamed: saves -> library saves; "
        "now empty: spotify_audience_daily.saves"
    )
    assert expected in second.warnings
    # and /api/lake/files shows it
    rows = alice_client.get("/api/lake/files?source=spotify").json()["results"]
    assert {row["id"]: row["schema_drift"] for row in rows} == {
        second.pk: expected,
        first.pk: "",
    }


def test_columns_dropped_by_the_export_are_listed_as_missing(tmp_path: Path) -> None:
    # given a timeline with playlist adds and saves, then one without both
    first = _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")
    second = _ingest(
        tmp_path,
        audience_timeline_csv(first_day=date(2025, 1, 4), days=3, has_saves=False),
        "b",
    )

    # then both are reported missing and their curated columns as emptied
    assert second.schema_drift["compared_with"] == first.pk
    assert second.schema_drift["missing_columns"] == ["playlist adds", "saves"]
    assert second.schema_drift["emptied_columns"] == [
        "spotify_audience_daily.playlist_adds",
        "spotify_audience_daily.saves",
    ]


def _drift_alerts() -> list[tuple[str, str, str, str]]:
    alerts_refresh()
    return [
        (alert.type, alert.severity, alert.subject, alert.message)
        for alert in Alert.objects.filter(type=Alert.Type.DATA_QUALITY).order_by("pk")
    ]


def test_a_renamed_column_is_recorded_on_the_lineage_but_raises_no_alert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a timeline with playlist adds and saves, then one that renamed `saves`
    _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")
    renamed = audience_timeline_csv(first_day=date(2025, 1, 4), days=3).replace(
        b",saves\n", b",library saves\n", 1
    )
    second = _ingest(tmp_path, renamed, "b")

    # then the lineage says what drifted, and only new columns alert (SPEC 3.3)
    assert second.schema_drift["renamed_columns"] == [{"from": "saves", "to": "library saves"}]
    assert _drift_alerts() == []


def test_new_columns_raise_one_info_alert_even_when_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a timeline without playlist adds and saves, then one that has them
    _ingest(
        tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3, has_saves=False), "a"
    )
    second = _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 4), days=3), "b")
    expected = [
        (
            "data_quality",
            "info",
            f"schema_changed spotify/{second.kind}",
            f"{TIMELINE_NAME} (spotify/{second.kind}): new columns playlist adds, saves",
        )
    ]
    assert second.status == FileStatus.LOADED
    assert _drift_alerts() == expected

    # when the file is re-staged under a newer parser (same header), no second alert appears
    monkeypatch.setattr(SpotifyConnector, "parser_version", "2")
    call_command("replay", "--file", str(second.pk), stdout=StringIO())
    assert LakeFile.objects.get(pk=second.pk).parser_version == "2"
    assert _drift_alerts() == expected
