from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.lake.models import LakeFile
from apps.lake.storage import lake_storage
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[2] / "warehouse" / "tests" / "fixtures"


def test_lake_file_list_api_projects_the_lineage_without_server_paths(alice_client: Any) -> None:
    accepted = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    rejected = ingest_path(path=FIXTURES / "not_a_statement.tsv")
    body = alice_client.get("/api/lake/files").json()
    first, second = body["results"]
    assert (first["id"], first["source"], first["zone"], first["status"], first["error"]) == (
        rejected.lake_file_id,
        "_unrecognised",
        "quarantine",
        "quarantined",
        "content does not match .tsv (looks like a PNG image)",
    )
    loaded = LakeFile.objects.get(pk=accepted.lake_file_id)
    assert second == {
        "id": loaded.pk,
        "source": "distrokid",
        "account": "",
        "zone": "curated",
        "name": "dk_current_small.tsv",
        "sha256": loaded.sha256,
        "rows_in": 5,
        "rows_out": 5,
        "rows_rejected": 0,
        "status": "loaded",
        "error": "",
        "created_at": loaded.created_at.isoformat().replace("+00:00", "Z"),
        "origin": "upload",
        "kind": "bank_statement",
        "parser_version": "1",
        "schema_drift": "",
        "is_dismissed": False,
        "dismissed_at": None,
        "dismissal_note": "",
        "possibly_cached_at": None,
    }
    assert "/" not in str(body).replace("https://", "")  # no server path is exposed


def test_lake_file_list_api_filters_and_rejects_unknown_values(alice_client: Any) -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    assert len(alice_client.get("/api/lake/files?source=distrokid").json()["results"]) == 1
    assert alice_client.get("/api/lake/files?source=toolost").json() == {"results": []}
    response = alice_client.get("/api/lake/files?status=nonsense")
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_lake_file_rejection_list_api_names_row_column_and_reason(
    alice_client: Any, tmp_path: Path
) -> None:
    lines = (FIXTURES / "dk_current_small.tsv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "statement.tsv"
    bad = lines[1].replace('"1200"', '"-3"')
    path.write_text("\n".join([lines[0], *lines[1:] * 5, bad]) + "\n", encoding="utf-8")
    outcome = ingest_path(path=path)
    body = alice_client.get(f"/api/lake/files/{outcome.lake_file_id}/rejections").json()
    assert body == {
        "results": [
            {
                "row": 27,
                "column": "Quantity",
                "code": "negative_count",
                "message": "Quantity '-3' is negative",
            }
        ]
    }
    assert alice_client.get("/api/lake/files/999999/rejections").status_code == 404


def test_lake_file_dismiss_api_sets_a_quarantined_file_aside_once(
    alice_client: Any, alice: Any
) -> None:
    # given a quarantined file
    rejected = ingest_path(path=FIXTURES / "not_a_statement.tsv")
    url = f"/api/lake/files/{rejected.lake_file_id}/dismiss"

    # when staff dismiss it with a note, then again with another note
    first = alice_client.post(url, {"note": "  test export, not a statement "})
    second = alice_client.post(url, {"note": "again"})

    # then it is dismissed once (the first review stays), still quarantined, bytes kept
    lake_file = LakeFile.objects.get(pk=rejected.lake_file_id)
    assert (first.status_code, second.status_code) == (200, 200)
    assert {key: first.json()[key] for key in ("status", "is_dismissed", "dismissal_note")} == {
        "status": "quarantined",
        "is_dismissed": True,
        "dismissal_note": "test export, not a statement",
    }
    assert second.json()["dismissal_note"] == "test export, not a statement"
    assert (lake_file.dismissed_by, lake_file_exists(lake_file.raw_key)) == (alice, True)
    listed = alice_client.get("/api/lake/files?status=quarantined").json()["results"]
    assert [(row["id"], row["is_dismissed"]) for row in listed] == [(lake_file.pk, True)]


def lake_file_exists(key: str) -> bool:
    return bool(key) and lake_storage().exists(key)


def test_lake_file_dismiss_api_refuses_bad_input_and_non_staff(alice_client: Any, bob: Any) -> None:
    accepted = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    rejected = ingest_path(path=FIXTURES / "not_a_statement.tsv")
    url = f"/api/lake/files/{rejected.lake_file_id}/dismiss"
    # a loaded file cannot be dismissed (a conflict with its state); a note past 500
    # characters is a field error
    loaded = alice_client.post(f"/api/lake/files/{accepted.lake_file_id}/dismiss", {})
    assert (loaded.status_code, loaded.json()) == (
        409,
        {
            "detail": f"file {accepted.lake_file_id} is loaded; "
            "only a quarantined file can be dismissed",
        },
    )
    long_note = alice_client.post(url, {"note": "x" * 501})
    assert (long_note.status_code, list(long_note.json())) == (400, ["note"])
    assert alice_client.post("/api/lake/files/999/dismiss", {}).status_code == 404
    bob_client = Client()
    bob_client.force_login(bob)
    assert (Client().post(url, {}).status_code, bob_client.post(url, {}).status_code) == (401, 403)
    assert LakeFile.objects.get(pk=rejected.lake_file_id).dismissed_at is None


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf\r\n", b"  \n\n"])
def test_an_empty_file_is_quarantined_as_empty_not_as_unrecognised(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "statement.csv"
    path.write_bytes(content)

    outcome = ingest_path(path=path)

    assert (outcome.result, outcome.reason) == ("rejected", "file is empty")
    assert LakeFile.objects.get(pk=outcome.lake_file_id).status == "quarantined"
