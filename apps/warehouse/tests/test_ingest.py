"""End to end: files through landing, raw, staging, curated and into the warehouse."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from apps.lake.models import FileStatus, LakeFile, RejectedRow, Zone
from apps.warehouse.models import StatementLine, WarehouseLoad
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def _totals() -> tuple[int, Decimal, int]:
    agg = StatementLine.objects.aggregate(
        n=Count("id"), revenue=Sum("earnings_usd"), units=Sum("quantity")
    )
    return agg["n"], agg["revenue"], agg["units"]


def _by_platform() -> dict[str, str]:
    rows = StatementLine.objects.values("platform__name").annotate(revenue=Sum("earnings_usd"))
    return {row["platform__name"]: f"{row['revenue']:.4f}" for row in rows}


def test_ingest_path_loads_a_current_statement_with_negative_lines() -> None:
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    assert (outcome.result, outcome.source, outcome.rows_in, outcome.rows_rejected) == (
        "accepted",
        "distrokid",
        5,
        0,
    )
    assert _totals() == (5, Decimal("5.54"), 6610)
    assert _by_platform() == {
        "Spotify": "2.7300",
        "Apple Music": "1.7700",
        "Meta": "0.3500",
        "YouTube": "0.6900",
    }
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.zone, lake_file.status, lake_file.schema_id) == (
        Zone.CURATED,
        FileStatus.LOADED,
        "dk_current_15",
    )
    assert WarehouseLoad.objects.count() == 1


def test_ingest_path_reads_the_legacy_latin1_cr_only_schema() -> None:
    outcome = ingest_path(path=FIXTURES / "dk_legacy_small.tsv")
    assert outcome.result == "accepted"
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.schema_id, lake_file.line_ending, lake_file.delimiter) == (
        "dk_legacy_13",
        "CR",
        "\t",
    )
    titles = set(StatementLine.objects.values_list("title", flat=True))
    assert titles == {"Café Nocturne", 'The "Source"'}
    assert _totals() == (3, Decimal("3.016"), 1090)
    assert _by_platform() == {"Spotify": "1.9200", "Deezer": "0.7000", "Tidal": "0.3960"}


def test_ingest_path_same_file_three_times_is_a_duplicate_and_changes_nothing(
    tmp_path: Path,
) -> None:
    first = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    renamed = tmp_path / "DistroKid_123.tsv"
    renamed.write_bytes((FIXTURES / "dk_current_small.tsv").read_bytes())
    second = ingest_path(path=renamed)
    third = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    assert [first.result, second.result, third.result] == ["accepted", "duplicate", "duplicate"]
    assert (LakeFile.objects.count(), WarehouseLoad.objects.count()) == (1, 1)
    assert _totals() == (5, Decimal("5.54"), 6610)


def test_ingest_path_overlapping_and_cross_schema_exports_store_each_line_once() -> None:
    for name in (
        "dk_current_small.tsv",
        "dk_legacy_small.tsv",
        "dk_current_same_as_legacy.tsv",
        "dk_current_overlap.tsv",
    ):
        assert ingest_path(path=FIXTURES / name).result == "accepted"
    assert _totals() == (9, Decimal("9.756"), 8200)
    assert _by_platform() == {
        "Spotify": "5.8500",
        "Apple Music": "1.7700",
        "Meta": "0.3500",
        "YouTube": "0.6900",
        "Deezer": "0.7000",
        "Tidal": "0.3960",
    }


def test_ingest_path_rejects_a_non_statement_and_leaves_everything_else_alone() -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    outcome = ingest_path(path=FIXTURES / "not_a_statement.tsv")
    # the file-type check refuses it for what it is, with or without --source (SPEC 3.3)
    png = "content does not match .tsv (looks like a PNG image)"
    assert (outcome.result, outcome.reason) == ("rejected", png)
    forced = ingest_path(path=FIXTURES / "not_a_statement.tsv", source_id="distrokid")
    assert forced.result == "rejected"
    assert forced.reason == png
    quarantined = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (quarantined.zone, quarantined.status, bool(quarantined.raw_key)) == (
        Zone.QUARANTINE,
        FileStatus.QUARANTINED,
        True,
    )
    assert _totals() == (5, Decimal("5.54"), 6610)
    assert WarehouseLoad.objects.count() == 1


def test_ingest_path_keeps_rejected_rows_with_row_column_and_reason(tmp_path: Path) -> None:
    source = (FIXTURES / "dk_current_small.tsv").read_text(encoding="utf-8").splitlines()
    good = source[1:]
    broken = source[1].replace('"2025-06"', '"June"')
    path = tmp_path / "statement.tsv"
    path.write_text("\n".join([source[0], *good * 4, broken, *good * 4]) + "\n", encoding="utf-8")
    outcome = ingest_path(path=path)
    assert (outcome.result, outcome.rows_in, outcome.rows_out, outcome.rows_rejected) == (
        "accepted",
        41,
        40,
        1,
    )
    rejection = RejectedRow.objects.get()
    assert (rejection.row_number, rejection.column, rejection.code) == (
        22,
        "Sale Month",
        "invalid_date",
    )


def test_ingest_command_prints_one_line_per_file_and_exits_1_on_a_rejection() -> None:
    out = StringIO()
    with pytest.raises(CommandError, match="1 file") as exit_info:
        call_command(
            "ingest",
            str(FIXTURES / "dk_current_small.tsv"),
            str(FIXTURES / "not_a_statement.tsv"),
            str(FIXTURES / "dk_current_small.tsv"),
            stdout=out,
        )
    lines = out.getvalue().splitlines()
    assert exit_info.value.returncode == 1
    assert lines[0].startswith(f"{FIXTURES / 'dk_current_small.tsv'}: accepted source=distrokid")
    assert (
        lines[1] == f"{FIXTURES / 'not_a_statement.tsv'}: rejected: content does not match .tsv "
        "(looks like a PNG image)"
    )
    assert lines[2].startswith(f"{FIXTURES / 'dk_current_small.tsv'}: duplicate")


def test_rebuild_warehouse_twice_gives_identical_contents() -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    ingest_path(path=FIXTURES / "dk_legacy_small.tsv")
    before = list(StatementLine.objects.order_by("pk").values())
    call_command("rebuild_warehouse", stdout=StringIO())
    call_command("rebuild_warehouse", stdout=StringIO())
    assert list(StatementLine.objects.order_by("pk").values()) == before
