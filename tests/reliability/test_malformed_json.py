"""R15: malformed JSON (truncated, 10k-deep nesting, huge numbers, duplicate keys, wrong types)
is quarantined with a reason by every JSON source, with bounded memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from apps.lake.models import FileStatus, LakeFile
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db
JSON_SOURCES = ["instagram", "linktree", "mailchimp", "metaads", "spotify", "youtube"]
MALFORMED = {
    "truncated": '{"data": [{"name": "reach", "values": [{"value": 1',
    "deep_nesting": "[" * 10_000 + "]" * 10_000,
    "huge_number": '{"data": [{"value": 1' + "0" * 5_000 + "}]}",
    "duplicate_keys": '{"data": [], "data": {"oops": true}}',
    "wrong_types": '{"data": "not a list", "paging": 7}',
}
PEAK_LIMIT_BYTES = 200 * 1024 * 1024


def test_every_json_source_quarantines_every_malformed_case(tmp_path: Path) -> None:
    outcomes = {}
    tracemalloc.start()
    try:
        for source in JSON_SOURCES:
            for case, text in MALFORMED.items():
                # a per-source marker keeps the bytes (and so the sha256) of each case distinct
                path = tmp_path / f"{source}-{case}.json"
                path.write_text(text + " " * JSON_SOURCES.index(source), encoding="utf-8")
                outcomes[(source, case)] = ingest_path(path=path, source_id=source, account="a")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    not_quarantined = sorted(
        key for key, o in outcomes.items() if not (o.result == "rejected" and o.reason)
    )
    assert len(outcomes) == 30
    assert not_quarantined == []
    assert LakeFile.objects.filter(status=FileStatus.QUARANTINED).count() == 30
    assert sum(o.rows_out or 0 for o in outcomes.values()) == 0
    assert peak <= PEAK_LIMIT_BYTES
