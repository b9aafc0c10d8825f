"""R10: an upload over the size limit, with too many files or too many fields, is refused with
a 4xx before anything is stored. The upload page posts to the same API (it answers POST with
405 itself), so the API is the one door to check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.lake.models import LakeFile

pytestmark = pytest.mark.django_db
URL = "/api/lake/upload"


def _file(name: str, size: int = 4) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, name.encode()[:1] * size, content_type="text/csv")


def _oversize() -> dict[str, Any]:
    return {"file": _file("big.csv", size=11)}


def _too_many_files() -> dict[str, Any]:
    return {"file": [_file(f"part-{index}.csv") for index in range(21)]}


def _too_many_fields() -> dict[str, Any]:
    return {"file": _file("one.csv"), **{f"field{index}": "x" for index in range(101)}}


CASES = {
    "oversize": _oversize,
    "too_many_files": _too_many_files,
    "too_many_fields": _too_many_fields,
}


def test_every_oversized_upload_is_refused_before_storing(
    alice_client: Client, settings: Any
) -> None:
    # given a 10-byte file limit, and Django's file (20) and field (100) limits from settings
    settings.UPLOAD_MAX_BYTES = 10
    settings.UPLOAD_ASYNC = False
    assert (settings.DATA_UPLOAD_MAX_NUMBER_FILES, settings.DATA_UPLOAD_MAX_NUMBER_FIELDS) == (
        20,
        100,
    )

    statuses = {case: alice_client.post(URL, build()).status_code for case, build in CASES.items()}

    refused = [case for case, status in statuses.items() if 400 <= status < 500]
    lake_root = Path(settings.STORAGES["lake"]["OPTIONS"]["location"])
    kept = [path for path in lake_root.rglob("*") if path.is_file()] if lake_root.exists() else []
    assert len(refused) == len(statuses) == 3
    assert statuses == {"oversize": 413, "too_many_files": 400, "too_many_fields": 400}
    assert (LakeFile.objects.count(), kept) == (0, [])
