"""The lake browser: files by source and zone, a file's lineage and rejected rows, the original's
download, replay buttons, and curated datasets with a preview (staff only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from apps.lake.models import LakeFile
from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.distrokid.connector import DistroKidConnector
from apps.sources.connectors.distrokid.samples import statement_bytes
from apps.sources.connectors.spotify.samples import songs_summary_csv
from apps.warehouse.models import StatementLine
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "warehouse" / "tests" / "fixtures"


def test_lake_page_lists_files_by_source_and_zone(alice_client: Any) -> None:
    # given one loaded and one quarantined file
    loaded = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    ingest_path(path=FIXTURES / "not_a_statement.tsv")

    # when staff open the lake page
    response = alice_client.get("/lake/")

    # then the matrix counts one curated distrokid file and one quarantined unrecognised file
    assert response.status_code == 200
    matrix = response.context["matrix"]
    assert [(row.source, row.counts, row.total) for row in matrix] == [
        ("_unrecognised", {"quarantine": 1}, 1),
        ("distrokid", {"curated": 1}, 1),
    ]
    assert f'href="/lake/files/{loaded.lake_file_id}/"' in response.content.decode()


def test_lake_page_filters_and_refuses_unknown_filter_values(alice_client: Any) -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    ingest_path(path=FIXTURES / "not_a_statement.tsv")
    quarantined = alice_client.get("/lake/?zone=quarantine")
    assert [file.original_name for file in quarantined.context["files"]] == ["not_a_statement.tsv"]
    bad = alice_client.get("/lake/?zone=moon")
    assert bad.status_code == 400
    assert "zone" in bad.context["form"].errors


def test_file_page_shows_lineage_and_rejected_rows_with_reasons(
    alice_client: Any, tmp_path: Path
) -> None:
    # given an S4A songs summary with one rejected row
    path = tmp_path / "zonea0-songs-28day.csv"
    path.write_bytes(songs_summary_csv(account="zonea0", window="28day", seed=1987))
    outcome = ingest_path(path=path, account="zonea0")
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.rows_in, lake_file.rows_rejected) == (5, 1)

    # when its page is opened
    response = alice_client.get(f"/lake/files/{lake_file.pk}/")

    # then every rejected row is listed with its row, column and reason
    assert response.status_code == 200
    rejections = list(response.context["rejections"])
    assert len(rejections) == lake_file.rows_rejected
    body = response.content.decode()
    assert [(row.row_number, row.column, row.code) for row in rejections] == [
        (2, "song", "aggregate_row")
    ]
    assert escape(rejections[0].message) in body


def test_download_streams_the_original_bytes_under_the_arrival_name(alice_client: Any) -> None:
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    response = alice_client.get(f"/lake/files/{outcome.lake_file_id}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="dk_current_small.tsv"'
    assert b"".join(response.streaming_content) == (FIXTURES / "dk_current_small.tsv").read_bytes()


def test_download_and_pages_refuse_non_staff(bob_client: Any) -> None:
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    for path in ("/lake/", f"/lake/files/{outcome.lake_file_id}/download/", "/lake/datasets/"):
        assert bob_client.get(path).status_code == 403


def test_replay_buttons_queue_a_replay_and_come_back(
    alice_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        one = alice_client.post(f"/lake/files/{outcome.lake_file_id}/replay/")
        every = alice_client.post("/lake/replay/", {"source": "distrokid"})
    assert (one.status_code, one["Location"]) == (302, f"/lake/files/{outcome.lake_file_id}/")
    assert (every.status_code, every["Location"]) == (302, "/lake/?source=distrokid")
    assert len(callbacks) == 2
    assert alice_client.post("/lake/replay/", {"source": "nope"}).status_code == 302
    assert alice_client.get(f"/lake/files/{outcome.lake_file_id}/replay/").status_code == 405


def test_curated_datasets_list_versions_and_preview_100_rows(
    alice_client: Any, tmp_path: Path
) -> None:
    # given a statement of 300 lines
    path = tmp_path / "DistroKid_300.tsv"
    path.write_bytes(statement_bytes(schema_id="dk_current_15", lines=300, seed=3))
    ingest_path(path=path)

    # when staff open the datasets page and the statement_lines preview
    listing = alice_client.get("/lake/datasets/")
    preview = alice_client.get("/lake/datasets/statement_lines/").context["preview"]

    # then the dataset is at version 1 and the preview holds exactly 100 rows
    assert [(d.name, d.version) for d in listing.context["datasets"]] == [("statement_lines", 1)]
    assert (preview.version, len(preview.rows)) == (1, 100)
    assert "earnings_usd" in preview.columns
    assert alice_client.get("/lake/datasets/nothing/").status_code == 404


def test_dismiss_button_sets_a_quarantined_file_aside_and_the_page_shows_it(
    alice_client: Any, alice: Any
) -> None:
    # given a quarantined file and a loaded one
    rejected = ingest_path(path=FIXTURES / "not_a_statement.tsv")
    loaded = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    page = alice_client.get("/lake/").content.decode()
    assert page.count('action="/lake/files/') == 2  # dismiss + reprocess, quarantined row only

    # when staff dismiss the quarantined one from the lake page
    response = alice_client.post(
        f"/lake/files/{rejected.lake_file_id}/dismiss/", {"note": "stray export"}
    )

    # then they come back to the quarantined files, which show the review and no buttons
    assert (response.status_code, response["Location"]) == (302, "/lake/?status=quarantined")
    lake_file = LakeFile.objects.get(pk=rejected.lake_file_id)
    assert (lake_file.status, lake_file.dismissed_by, lake_file.dismissal_note) == (
        "quarantined",
        alice,
        "stray export",
    )
    page = alice_client.get("/lake/?status=quarantined").content.decode()
    assert f"dismissed {lake_file.dismissed_at:%Y-%m-%d}: stray export" in page
    assert "Dismiss</button>" not in page
    assert f"File {lake_file.pk} dismissed; its raw copy is kept." in page
    # and a loaded file cannot be dismissed: the page says why and nothing changes
    alice_client.post(f"/lake/files/{loaded.lake_file_id}/dismiss/", {"next": "file"})
    detail = alice_client.get(f"/lake/files/{loaded.lake_file_id}/").content.decode()
    assert "only a quarantined file can be dismissed" in detail
    assert LakeFile.objects.get(pk=loaded.lake_file_id).dismissed_at is None


def test_dismiss_refuses_get_non_staff_and_an_overlong_note(alice_client: Any, bob: Any) -> None:
    rejected = ingest_path(path=FIXTURES / "not_a_statement.tsv")
    url = f"/lake/files/{rejected.lake_file_id}/dismiss/"
    assert alice_client.get(url).status_code == 405
    page = alice_client.post(url, {"note": "x" * 501}, follow=True).content.decode()
    assert "Not dismissed. note: Ensure this value has at most 500 characters (it has 501)." in page
    assert LakeFile.objects.get(pk=rejected.lake_file_id).dismissed_at is None
    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.post(url, {"note": "no"}).status_code == 403
    assert LakeFile.objects.get(pk=rejected.lake_file_id).dismissed_at is None


def test_a_dismissed_file_is_reprocessed_once_the_parser_accepts_it(
    alice_client: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # given a statement the parser refused, dismissed by staff
    original = DistroKidConnector.parse

    def refuse(self: DistroKidConnector, payload: Payload) -> ParsedFile:
        raise FileRejected("header not recognised")

    monkeypatch.setattr(DistroKidConnector, "parse", refuse)
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv", source_id="distrokid")
    alice_client.post(f"/lake/files/{outcome.lake_file_id}/dismiss/", {"note": "parser bug"})

    # when the parser is fixed and staff press Reprocess
    monkeypatch.setattr(DistroKidConnector, "parse", original)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/lake/files/{outcome.lake_file_id}/replay/")

    # then its 5 lines are loaded from the kept raw copy and it no longer counts as dismissed
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.status, lake_file.rows_out, lake_file.is_dismissed) == ("loaded", 5, False)
    assert StatementLine.objects.count() == 5
