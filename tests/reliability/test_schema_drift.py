"""R16: each schema-drift case is classified as SPEC 3.3 says, and no value silently becomes
null: every input row is either loaded with its value or rejected with a reason."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from apps.lake.models import FileStatus, LakeFile
from apps.warehouse.models import AudienceDaily
from apps.warehouse.services import IngestOutcome, ingest_path

pytestmark = pytest.mark.django_db
DAYS = 21
HEADER = "date,listeners,streams,followers"


def _timeline(header: str = HEADER, *, first: date, streams: str = "{n}", extra: str = "") -> str:
    """A Spotify audience timeline of DAYS rows. `streams` formats the streams cell from the
    row's expected count n; `extra` is appended to every data row (for a new column)."""
    lines = [header]
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        cell = streams.format(n=200 + offset)
        lines.append(f"{day.isoformat()},{100 + offset},{cell},{1000 + offset}{extra}")
    return "\n".join(lines) + "\n"


def _ingest(tmp_path: Path, label: str, text: str) -> IngestOutcome:
    path = tmp_path / f"{label}-timeline.csv"
    path.write_text(text, encoding="utf-8")
    return ingest_path(path=path, source_id="spotify", account="artist-a")


def test_every_drift_case_is_classified_without_silent_nulls(tmp_path: Path) -> None:
    one_bad_row = _timeline(first=date(2025, 4, 1)).replace(
        "2025-04-11,110,210,", "2025-04-11,110,n/a,"
    )
    cases = {
        # a new column: accepted, every row kept
        "new_column": _timeline(HEADER + ",saves", first=date(2025, 1, 1), extra=",7"),
        # a required column renamed, or missing: the whole file is quarantined naming it
        "renamed_required": _timeline("date,listeners,plays,followers", first=date(2025, 2, 1)),
        "missing_required": "date,listeners,followers\n2025-03-01,1,2\n",
        # a type change in one row: that row is rejected, the other 20 load
        "type_change_one_row": one_bad_row,
        # a type change in every row: above the 5 % threshold, the file is quarantined
        "type_change_all_rows": _timeline(first=date(2025, 5, 1), streams="lots"),
    }
    outcomes = {label: _ingest(tmp_path, label, text) for label, text in cases.items()}

    classified = {label: (o.result, o.rows_out, o.rows_rejected) for label, o in outcomes.items()}
    assert classified == {
        "new_column": ("accepted", DAYS, 0),
        "renamed_required": ("rejected", None, None),
        "missing_required": ("rejected", None, None),
        "type_change_one_row": ("accepted", DAYS - 1, 1),
        "type_change_all_rows": ("rejected", None, None),
    }
    assert "streams" in outcomes["renamed_required"].reason
    assert "streams" in outcomes["missing_required"].reason
    assert LakeFile.objects.filter(status=FileStatus.QUARANTINED).count() == 3
    # 0 silent nulls: the 41 loaded days all carry the streams value of their input row
    loaded = AudienceDaily.objects.order_by("date")
    assert loaded.count() == 2 * DAYS - 1
    assert loaded.filter(streams__isnull=True).count() == 0
    assert all(row.streams == 200 + (row.date.day - 1) for row in loaded)
