"""Schema drift against the header set the parser declares (SPEC 3.3): reported, never silent."""

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


def test_a_renamed_optional_column_is_reported_as_new_instead_of_silent_nulls(
    tmp_path: Path, alice_client: Any
) -> None:
    # given a timeline with playlist adds and saves
    first = _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")

    # when the next export calls `saves` `library saves` (the parser keeps only known columns)
    renamed = audience_timeline_csv(first_day=date(2025, 1, 4), days=3).replace(
        b",saves\n", b",library saves\n", 1
    )
    second = _ingest(tmp_path, renamed, "b")

    # then the file loads, and the unknown column and the one left empty are on its lineage row
    assert second.status == FileStatus.LOADED
    drift = second.schema_drift
    assert drift["compared_with"] == first.pk
    assert (drift["new_columns"], drift["missing_columns"]) == (["library saves"], [])
    assert "renamed_columns" not in drift
    assert drift["emptied_columns"] == ["spotify_audience_daily.saves"]
    expected = (
        f"schema drift vs file {first.pk}: new: library saves; "
        "now empty: spotify_audience_daily.saves"
    )
    assert expected in second.warnings
    # and /api/lake/files shows it
    rows = alice_client.get("/api/lake/files?source=spotify").json()["results"]
    assert {row["id"]: row["schema_drift"] for row in rows} == {
        second.pk: expected,
        first.pk: "",
    }


def test_optional_columns_dropped_by_the_export_are_not_drift_but_their_nulls_are_listed(
    tmp_path: Path,
) -> None:
    # given a timeline with playlist adds and saves, then one without both
    first = _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")
    second = _ingest(
        tmp_path,
        audience_timeline_csv(first_day=date(2025, 1, 4), days=3, has_saves=False),
        "b",
    )

    # then they are declared optional columns, so not missing; their curated columns emptied
    assert second.schema_drift["compared_with"] == first.pk
    assert second.schema_drift["new_columns"] == []
    assert second.schema_drift["missing_columns"] == []
    assert second.schema_drift["emptied_columns"] == [
        "spotify_audience_daily.playlist_adds",
        "spotify_audience_daily.saves",
    ]


# Date, Auditeurs, Ecoutes, Abonnes, Ajouts a des playlists, Enregistrements (accented).
FRENCH_HEADER = (
    "Date,Auditeurs,\u00c9coutes,Abonn\u00e9s,Ajouts \u00e0 des playlists,Enregistrements"
)


def test_a_localised_export_after_an_english_one_is_not_drift(tmp_path: Path) -> None:
    # given an English timeline, then the same export with the UI set to French
    _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")
    french = audience_timeline_csv(first_day=date(2025, 1, 4), days=3).replace(
        b"date,listeners,streams,followers,playlist adds,saves",
        FRENCH_HEADER.encode(),
        1,
    )
    second = _ingest(tmp_path, french, "b")

    # then the alias table absorbs the labels: nothing drifted, nothing alerts (SPEC 3.3)
    assert second.status == FileStatus.LOADED
    drift = second.schema_drift
    assert drift["columns"] == FRENCH_HEADER.split(",")
    assert (drift["new_columns"], drift["missing_columns"], drift["emptied_columns"]) == (
        [],
        [],
        [],
    )
    assert not [warning for warning in second.warnings if "schema drift" in warning]
    assert _drift_alerts() == []


def _drift_alerts() -> list[tuple[str, str, str, str]]:
    alerts_refresh()
    return [
        (alert.type, alert.severity, alert.subject, alert.message)
        for alert in Alert.objects.filter(type=Alert.Type.DATA_QUALITY).order_by("pk")
    ]


def test_declared_optional_columns_appearing_raise_no_alert(tmp_path: Path) -> None:
    # given a timeline without playlist adds and saves, then one that has them
    _ingest(
        tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3, has_saves=False), "a"
    )
    second = _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 4), days=3), "b")

    # then both are in the parser's declared set: no drift, no alert (SPEC 3.3)
    assert second.schema_drift["new_columns"] == []
    assert _drift_alerts() == []


def test_new_columns_raise_one_info_alert_even_when_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a timeline, then one with two columns the parser does not know
    _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")
    second = _ingest(tmp_path, _with_new_columns(date(2025, 1, 4)), "b")
    expected = [
        (
            "data_quality",
            "info",
            f"schema_changed spotify/{second.kind}",
            f"{TIMELINE_NAME} (spotify/{second.kind}): new columns Shares, Reposts",
        )
    ]
    assert second.schema_drift["new_columns"] == ["Shares", "Reposts"]
    assert second.schema_drift["emptied_columns"] == []
    assert second.status == FileStatus.LOADED
    assert _drift_alerts() == expected

    # when the file is re-staged under a newer parser (same header), no second alert appears
    monkeypatch.setattr(SpotifyConnector, "parser_version", "2")
    call_command("replay", "--file", str(second.pk), stdout=StringIO())
    assert LakeFile.objects.get(pk=second.pk).parser_version == "2"
    assert _drift_alerts() == expected


def _with_new_columns(first_day: date) -> bytes:
    """An audience timeline with two extra trailing columns the parser does not declare."""
    lines = audience_timeline_csv(first_day=first_day, days=3).decode().splitlines()
    widened = [lines[0] + ",Shares,Reposts"] + [line + ",1,2" for line in lines[1:]]
    return ("\n".join(widened) + "\n").encode()


def test_a_new_column_in_a_localised_export_is_still_reported(tmp_path: Path) -> None:
    # given an English timeline, then a French one that also carries an unknown column
    _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")
    french = _with_new_columns(date(2025, 1, 4)).replace(
        b"date,listeners,streams,followers,playlist adds,saves", FRENCH_HEADER.encode(), 1
    )
    second = _ingest(tmp_path, french, "b")

    # then only the genuinely new columns are drift, not the French labels
    assert second.status == FileStatus.LOADED
    assert (second.schema_drift["new_columns"], second.schema_drift["missing_columns"]) == (
        ["Shares", "Reposts"],
        [],
    )
    assert f"schema drift vs file {second.schema_drift['compared_with']}: new: Shares, Reposts" in (
        second.warnings
    )


def test_the_same_new_columns_in_english_and_french_exports_are_one_alert(
    tmp_path: Path,
) -> None:
    # given an English and a French timeline carrying the same two unknown columns
    _ingest(tmp_path, _with_new_columns(date(2025, 1, 1)), "a")
    french = _with_new_columns(date(2025, 1, 4)).replace(
        b"date,listeners,streams,followers,playlist adds,saves", FRENCH_HEADER.encode(), 1
    )
    _ingest(tmp_path, french, "b")

    # then the change is reported once, not once per header spelling
    assert [subject for _, _, subject, _ in _drift_alerts()] == [
        "schema_changed spotify/audience_timeline"
    ]


def test_a_header_only_file_empties_nothing(tmp_path: Path) -> None:
    # given a timeline with rows, then the same export with a header and no rows
    _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 1), days=3), "a")
    second = _ingest(tmp_path, audience_timeline_csv(first_day=date(2025, 1, 4), days=0), "b")

    # then no column is reported `now empty`: a file without rows fills none
    assert second.schema_drift["emptied_columns"] == []
    assert not [warning for warning in second.warnings if "schema drift" in warning]
