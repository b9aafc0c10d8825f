"""Statements runs resume from the newest statement month already loaded (DistroKid, TooLost):
only loaded files of the same source, account and statement kind count, and an explicit
`since` or a daily run is left alone."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from apps.lake.models import FileStatus, LakeFile
from apps.sources.credentials import credential_save
from apps.sources.extractors import EXTRACTORS
from apps.sources.services import source_extract, statements_resume_since
from apps.sources.tests.browser import fake_distrokid, fake_toolost
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db


def _ingest(tmp_path: Path, *, source: str, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    outcome = ingest_path(path=path, source_id=source, original_name=name, origin="browser")
    assert outcome.result == "accepted"


def _bank_export(tmp_path: Path) -> None:
    """The five fake DistroKid lines, reported 3 February to 10 March 2025, loaded."""
    lines = [fake_distrokid.CURRENT_HEADER, *(line.quoted() for line in fake_distrokid.LINES)]
    content = ("\r".join(lines) + "\r").encode()
    _ingest(tmp_path, source="distrokid", name="DistroKid_1741000000001.tsv", content=content)


def _lineage_row(*, status: str, kind: str, period_end: date, account: str = "") -> None:
    """A lineage row standing for a file the pipeline has not (or not fully) taken in."""
    LakeFile.objects.create(
        source="distrokid",
        account=account,
        kind=kind,
        original_name=f"DistroKid_{period_end:%Y%m%d}.tsv",
        landing_key=f"landing/distrokid/_/{period_end:%Y%m%d}.tsv",
        sha256=f"{period_end:%Y%m%d}{status}{kind}{account}".ljust(64, "0")[:64],
        size_bytes=100,
        status=status,
        period_end=period_end,
    )


def test_distrokid_resumes_at_the_month_of_the_newest_loaded_reporting_date(
    tmp_path: Path,
) -> None:
    # given nothing held yet: no resume point (the first run reads the whole history)
    assert statements_resume_since(source="distrokid", account="") is None

    # given a loaded export whose last line was reported on 10 March 2025
    _bank_export(tmp_path)
    loaded = LakeFile.objects.get(source="distrokid", kind="bank_statement")
    assert (loaded.status, loaded.period_end) == ("loaded", date(2025, 3, 10))
    # and later statements that are quarantined or still on their way, another account's
    # export and a later chart page, none of which put statement lines in the warehouse
    _lineage_row(status=FileStatus.QUARANTINED, kind="bank_statement", period_end=date(2025, 6, 2))
    _lineage_row(status=FileStatus.STAGED, kind="bank_statement", period_end=date(2025, 7, 7))
    _lineage_row(status=FileStatus.CURATED, kind="bank_statement", period_end=date(2025, 8, 4))
    _lineage_row(
        status=FileStatus.LOADED, kind="bank_statement", period_end=date(2025, 9, 1), account="b"
    )
    _lineage_row(status=FileStatus.LOADED, kind="streams_chart", period_end=date(2025, 10, 6))

    # then the run resumes on 1 March: that month is read again in full
    assert statements_resume_since(source="distrokid", account="") == date(2025, 3, 1)
    assert statements_resume_since(source="distrokid", account="b") == date(2025, 9, 1)


def test_toolost_resumes_at_the_newest_report_month_not_its_reporting_date(
    tmp_path: Path,
) -> None:
    # given the January 2025 sales report loaded (its line was reported on 3 March)
    month, line = fake_toolost.SALES_REPORTS["311"]
    content = f"{fake_toolost.SALES_HEADER}\n{line}\n".encode()
    _ingest(tmp_path, source="toolost", name=f"@{month}-311.csv", content=content)
    assert LakeFile.objects.get(source="toolost").period_end == date(2025, 3, 3)

    # then the next run asks for the notices from January on, the month the notice names
    assert statements_resume_since(source="toolost", account="") == date(2025, 1, 1)
    # and a source without statements never resumes
    assert statements_resume_since(source="mailchimp", account="") is None


def test_explicit_since_wins_and_daily_runs_never_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an export loaded through 10 March and an extractor that records what it is asked
    _bank_export(tmp_path)
    credential_save(source="distrokid", account="", kind="password", data={"username": "u"})
    asked: list[tuple[str, date | None]] = []

    def extract(*, account: str, since: Any, landing_dir: Path, scope: str = "all") -> list[Path]:
        asked.append((scope, since))
        return []

    monkeypatch.setattr(EXTRACTORS["distrokid"], "extract", extract)

    # when runs go with each scope, and once with an explicit since
    for scope in ("statements", "all", "daily"):
        source_extract(source="distrokid", scope=scope)
    source_extract(source="distrokid", scope="statements", since=date(2024, 11, 1))

    # then runs with statements resumed on 1 March, the daily one kept its own window (None),
    # and the given since was passed unchanged
    assert asked == [
        ("statements", date(2025, 3, 1)),
        ("all", date(2025, 3, 1)),
        ("daily", None),
        ("statements", date(2024, 11, 1)),
    ]
