"""Money conservation per statement file (SPEC 4.5): money in the file = loaded from it + lines
another export supplied + its rejected rows, each rejected row listed with its row number and
amount, or as unreadable."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest
from django.core.management import call_command

from apps.lake.curated import curated_remove_file_rows
from apps.lake.models import LakeFile
from apps.lake.services import staged_tables
from apps.warehouse.models import StatementLine
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
DK_HEADER = (
    '"Date Inserted","Reporting Date","Sale Month","Store","Artist","Title","ISRC","UPC",'
    '"Quantity","Team Percentage","Source Type","Country of Sale",'
    '"Songwriter Royalties Withheld (USD)","Earnings (USD)","Recoup (USD)"'
)


def _dk_line(quantity: int, earnings: str, reporting_date: str = "2025-08-01") -> str:
    cells = ["2025-08-05", reporting_date, "2025-06", "Spotify", "zone.a0", "Café Nocturne",
             "QZABC2500001", "0123456789012", str(quantity), "100", "Song", "US", "0.00000",
             earnings, ""]  # fmt: skip
    return ",".join(f'"{cell}"' for cell in cells)


def _statement_with_rejections(tmp_path: Path) -> Path:
    """60 rows: 57 good lines of 0.25 USD, and on lines 10, 25 and 40 (the header is line 1) a
    bad date beside a readable 5.25, an unreadable amount, and a line cut short."""
    lines = [DK_HEADER]
    for row in range(2, 62):
        if row == 10:
            lines.append(_dk_line(row, "5.250000000000", reporting_date="2025-13-45"))
        elif row == 25:
            lines.append(_dk_line(row, "12,5x"))
        elif row == 40:
            lines.append('"2025-08-05","2025-08-01","2025-06","Spotify","zone.a0"')
        else:
            lines.append(_dk_line(row, "0.250000000000"))
    path = tmp_path / "DistroKid_1234.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _report(*, expect_failure: bool = False) -> dict[str, Any]:
    out = StringIO()
    if expect_failure:
        with pytest.raises(SystemExit) as exit_info:
            call_command("validate_warehouse", stdout=out)
        assert exit_info.value.code == 1
    else:
        call_command("validate_warehouse", stdout=out)
    return json.loads(out.getvalue())


def _identity(entry: dict[str, Any]) -> tuple[str | None, ...]:
    """(in the file, loaded, supplied by another export, rejected, unaccounted)."""
    keys = ["file_usd", "warehouse_usd", "elsewhere_usd", "rejected_usd", "unaccounted_usd"]
    return tuple(entry[key] for key in keys)


def test_rejected_rows_carry_their_money_into_the_per_file_check(
    tmp_path: Path, alice_client: Any
) -> None:
    ingest_path(path=_statement_with_rejections(tmp_path))
    lake_file = LakeFile.objects.get()
    assert (lake_file.rows_in, lake_file.rows_out, lake_file.rows_rejected) == (60, 57, 3)

    document = _report()
    check = document["checks"]["statement_money_per_file"]["details"]
    [entry] = check["files"]
    # 19.50 in the file = 14.25 loaded (57 x 0.25) + 0 elsewhere + 5.25 rejected
    assert _identity(entry) == (
        "19.500000000000",
        "14.250000000000",
        "0.000000000000",
        "5.250000000000",
        "0.000000000000",
    )
    assert entry["rejected_lines"] == 3
    assert entry["rejected_rows"] == [
        {"row": 10, "code": "invalid_date", "amount_usd": "5.250000000000"},
        {"row": 25, "code": "invalid_amount", "amount_usd": None},
        {"row": 40, "code": "ragged_row", "amount_usd": None},
    ]
    assert entry["unreadable_amount_rows"] == [25, 40]
    # rejected money is not revenue: a person should look, but nothing was lost
    assert document["statuses"]["statement_money_per_file"] == "warn"
    assert check["mismatched_files"] == []
    assert check["files_with_rejected_rows"] == [f"{lake_file.pk} DistroKid_1234.tsv"]
    assert check["rejected_usd"] == "5.250000000000"
    # and the validation page shows the same rows
    body = alice_client.get("/warehouse/validation/").content.decode()
    assert "row 10: 5.250000000000; row 25: amount unreadable; row 40: amount unreadable" in body
    assert "<td>19.500000000000</td>" in body


def test_lines_an_overlapping_export_supplied_are_accounted_for() -> None:
    # given two exports whose three common lines curated keeps from the newer one
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    ingest_path(path=FIXTURES / "dk_current_overlap.tsv")
    files = {
        f["name"]: f for f in _report()["checks"]["statement_money_per_file"]["details"]["files"]
    }
    # the older file's 5.54 = 2.73 loaded from it + 2.81 (1.77 + 0.35 + 0.69) from the newer one
    assert _identity(files["dk_current_small.tsv"]) == (
        "5.540000000000",
        "2.730000000000",
        "2.810000000000",
        "0.000000000000",
        "0.000000000000",
    )
    assert _identity(files["dk_current_overlap.tsv"]) == (
        "4.010000000000",
        "4.010000000000",
        "0.000000000000",
        "0.000000000000",
        "0.000000000000",
    )


def test_a_line_lost_by_curated_and_warehouse_alike_is_unaccounted_money() -> None:
    # given a file whose YouTube (Red) line (0.69) vanished from curated and the warehouse
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    lake_file = LakeFile.objects.get()
    staged = staged_tables(lake_file)["statement_lines"]
    youtube = staged.filter(pc.equal(staged.column("store"), "YouTube (Red)"))
    curated_remove_file_rows(
        dataset_name="statement_lines", table=youtube, source_file_id=lake_file.pk
    )
    StatementLine.objects.filter(store="YouTube (Red)").delete()
    # then curated and the warehouse still agree, but the file's money does not add up
    document = _report(expect_failure=True)
    check = document["checks"]["statement_money_per_file"]["details"]
    [entry] = check["files"]
    assert (entry["difference_usd"], entry["unaccounted_usd"]) == (
        "0.000000000000",
        "0.690000000000",
    )
    assert check["mismatched_files"] == [f"{lake_file.pk} dk_current_small.tsv"]


TOOLOST_HEADER = (
    "Sale Date,Accounting Date,Reporting Date,Store,Artist,Title,ISRC,UPC,Quantity,"
    "Revenue,Revenue Fee,Original Currency,Country,Split ID,Share"
)


def test_toolost_rejected_rows_count_revenue_minus_the_fee(tmp_path: Path) -> None:
    """A report without a net column: the earnings are revenue minus the fee, as the parser's."""
    lines = [TOOLOST_HEADER]
    for row in range(2, 42):
        sale_date = "2025-03-99" if row == 7 else "2025-03-23"
        lines.append(
            f"{sale_date},2025-04-30,2025-05-03,Spotify,IWARY,Lanternfish,QZTL22500011,"
            f"199876500017,{row},1.00000000,0.10000000,USD,US,,100"
        )
    path = tmp_path / "@04-2025-77.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_path(path=path)
    [entry] = _report()["checks"]["statement_money_per_file"]["details"]["files"]
    # 40 lines of 0.90: 39 loaded (35.10) and line 7 rejected for its date (0.90)
    assert entry["rejected_rows"] == [
        {"row": 7, "code": "invalid_date", "amount_usd": "0.900000000000"}
    ]
    assert _identity(entry) == (
        "36.000000000000",
        "35.100000000000",
        "0.000000000000",
        "0.900000000000",
        "0.000000000000",
    )
