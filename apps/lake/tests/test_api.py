from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.lake.models import LakeFile
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
        "source not recognised; pass --source",
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
