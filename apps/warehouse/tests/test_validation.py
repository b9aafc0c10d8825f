"""The validation report: produced after each load, by a rebuild and by the command."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from apps.lake.models import LakeFile
from apps.warehouse.models import (
    Artist,
    AudienceDaily,
    DailyStream,
    Distributor,
    Platform,
    StatementLine,
    Track,
    TrackSplit,
    ValidationReport,
)
from apps.warehouse.services import ingest_path
from apps.warehouse.validation import gaps_over, split_total_problems

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def test_gaps_over_reports_only_runs_longer_than_three_days() -> None:
    days = [date(2025, 1, 1), date(2025, 1, 5), date(2025, 1, 10), date(2025, 1, 11)]
    # Jan 2-4 is three missing days (allowed); Jan 6-9 is four
    assert gaps_over(days) == [(date(2025, 1, 5), date(2025, 1, 10))]


def test_split_total_problems_checks_every_start_date() -> None:
    splits = [
        (1, date(2025, 1, 1), None, Decimal("60")),
        (1, date(2025, 1, 1), date(2025, 5, 31), Decimal("40")),
        (1, date(2025, 6, 1), None, Decimal("30")),
        (2, date(2025, 1, 1), None, Decimal("100")),
    ]
    assert split_total_problems(splits) == ["track 1 on 2025-06-01: 90"]


def test_ingest_produces_a_passing_report_with_totals(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # the report is made on a worker once the load has committed
    with django_capture_on_commit_callbacks(execute=True):
        ingest_path(path=FIXTURES / "dk_current_small.tsv")
    report = ValidationReport.objects.get()
    checks = report.summary["checks"]
    assert (report.trigger, report.has_failures) == ("load", False)
    assert checks["curated_vs_warehouse"]["details"]["counts"]["statement_lines"] == {
        "curated": 5,
        "warehouse": 5,
    }
    assert checks["curated_vs_warehouse"]["details"]["money"]["warehouse"] == {
        "distrokid": "5.540000000000"
    }
    assert (checks["duplicates"]["status"], checks["row_conservation"]["status"]) == (
        "pass",
        "pass",
    )
    assert report.summary["totals"]["revenue_by_platform"]["Spotify"] == "2.730000000000"


def test_validate_warehouse_exits_1_when_the_warehouse_disagrees_with_curated() -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    # given a statement line that no curated row backs, and splits totalling 90
    line = StatementLine.objects.first()
    line.pk, line.line_fingerprint = None, "not-in-curated"
    line.save()
    track = Track.objects.create(title="Half split")
    TrackSplit.objects.create(track=track, party="a", share=90, effective_from=date(2025, 1, 1))
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("validate_warehouse", stdout=out)
    document = json.loads(out.getvalue())
    assert exit_info.value.code == 1
    assert document["statuses"]["curated_vs_warehouse"] == "fail"
    assert document["statuses"]["splits"] == "fail"
    assert document["checks"]["curated_vs_warehouse"]["details"]["mismatches"][
        "statement_lines"
    ] == {
        "curated": 5,
        "warehouse": 6,
    }


def test_validate_warehouse_flags_gaps_and_cross_source_spotify() -> None:
    spotify = Platform.objects.get(name="Spotify")
    distrokid = Distributor.objects.get(code="distrokid")
    zone = Artist.objects.get(name="ZONE A0")
    for day, streams in [(1, 100), (2, 100), (9, 100)]:
        DailyStream.objects.create(
            date=date(2025, 5, day), platform=spotify, distributor=distrokid, streams=streams
        )
    for day, streams in [(1, 102), (2, 130), (9, 100)]:
        AudienceDaily.objects.create(
            account="zonea0", artist=zone, date=date(2025, 5, day), streams=streams
        )
    out = StringIO()
    # (the hand-made rows have no curated backing, so the command also exits 1)
    with pytest.raises(SystemExit):
        call_command("validate_warehouse", stdout=out)
    checks = json.loads(out.getvalue())["checks"]
    assert checks["coverage"]["details"]["examples"] == [
        "DailyStream distrokid/Spotify: 2025-05-02 .. 2025-05-09",
        "AudienceDaily zonea0: 2025-05-02 .. 2025-05-09",
    ]
    assert checks["cross_source_spotify"]["details"] == {
        "days_compared": 3,
        "note": [],
        "investigate": ["2025-05-02 23.1%"],
    }


def test_validation_page_is_staff_only(bob_client: Any) -> None:
    assert bob_client.get("/warehouse/validation/").status_code == 403


def test_validation_page_shows_the_newest_report(alice_client: Any) -> None:
    call_command("validate_warehouse", stdout=StringIO())
    body = alice_client.get("/warehouse/validation/").content.decode()
    assert "all checks pass" in body
    assert "cross_source_spotify" in body


def _money_files(document: dict[str, Any]) -> list[tuple[str, int, int, str, str, str]]:
    files = document["checks"]["statement_money_per_file"]["details"]["files"]
    return [
        (
            f["name"],
            f["curated_lines"],
            f["warehouse_lines"],
            f["curated_usd"],
            f["warehouse_usd"],
            f["difference_usd"],
        )
        for f in files
    ]


def test_validate_warehouse_compares_statement_money_file_by_file() -> None:
    # given two exports whose three common lines curated keeps from the newer one
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    ingest_path(path=FIXTURES / "dk_current_overlap.tsv")
    out = StringIO()
    call_command("validate_warehouse", stdout=out)
    document = json.loads(out.getvalue())
    assert document["statuses"]["statement_money_per_file"] == "pass"
    assert _money_files(document) == [
        ("dk_current_small.tsv", 2, 2, "2.730000000000", "2.730000000000", "0.000000000000"),
        ("dk_current_overlap.tsv", 4, 4, "4.010000000000", "4.010000000000", "0.000000000000"),
    ]


def test_validate_warehouse_names_the_file_whose_money_went_missing(alice_client: Any) -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    ingest_path(path=FIXTURES / "dk_current_overlap.tsv")
    overlap = LakeFile.objects.get(original_name="dk_current_overlap.tsv")
    # when one warehouse line of the newer file is lost
    StatementLine.objects.filter(source_file_id=overlap.pk, store="Spotify").delete()
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("validate_warehouse", stdout=out)
    document = json.loads(out.getvalue())
    money = document["checks"]["statement_money_per_file"]["details"]
    assert exit_info.value.code == 1
    assert document["statuses"]["statement_money_per_file"] == "fail"
    assert money["mismatched_files"] == [f"{overlap.pk} dk_current_overlap.tsv"]
    assert _money_files(document) == [
        ("dk_current_overlap.tsv", 4, 3, "4.010000000000", "2.810000000000", "-1.200000000000"),
        ("dk_current_small.tsv", 2, 2, "2.730000000000", "2.730000000000", "0.000000000000"),
    ]
    body = alice_client.get("/warehouse/validation/").content.decode()
    assert f"mismatched: {overlap.pk} dk_current_overlap.tsv" in body
    assert "<td>-1.200000000000</td>" in body
