from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from apps.lake.curated import curated_merge, curated_partitions
from apps.sources.datasets import STATEMENT_LINES

pytestmark = pytest.mark.django_db


def _lines(rows: list[tuple[str, int, str, str]]) -> pa.Table:
    """(fingerprint, occurrence, sale month, earnings) -> a statement_lines table."""
    columns: dict[str, list[object]] = {field.name: [] for field in STATEMENT_LINES.schema}
    for fingerprint, occurrence, month, earnings in rows:
        row = {
            "distributor": "distrokid",
            "line_fingerprint": fingerprint,
            "occurrence": occurrence,
            "schema_id": "dk_current_15",
            "reporting_date": date(2025, 6, 3),
            "sale_month": date.fromisoformat(f"{month}-01"),
            "store": "Spotify",
            "artist_name": "ZONE A0",
            "title": "T",
            "isrc": "",
            "upc": "",
            "quantity": 1,
            "earnings_usd": Decimal(earnings),
            "line_number": 2,
        }
        for name in columns:
            columns[name].append(row.get(name))
    return pa.table(columns, schema=STATEMENT_LINES.schema)


def _all_rows() -> dict[tuple[str, int], str]:
    rows = {}
    for table in curated_partitions("statement_lines"):
        for row in table.to_pylist():
            rows[(row["line_fingerprint"], row["occurrence"])] = f"{row['earnings_usd']:.4f}"
    return rows


def test_curated_merge_keeps_history_and_applies_restatements() -> None:
    # given an older export with lines a, b (May) and c (June)
    older = _lines(
        [("a", 1, "2025-05", "1.00"), ("b", 1, "2025-05", "2.00"), ("c", 1, "2025-06", "3.00")]
    )
    curated_merge(
        dataset_name="statement_lines",
        table=older,
        source_file_id=1,
        captured_at=datetime(2025, 7, 1, tzinfo=UTC),
    )
    # when a newer export restates b and adds d, but lacks a and c
    newer = _lines([("b", 1, "2025-05", "2.50"), ("d", 1, "2025-06", "4.00")])
    result = curated_merge(
        dataset_name="statement_lines",
        table=newer,
        source_file_id=2,
        captured_at=datetime(2025, 8, 1, tzinfo=UTC),
    )
    # then nothing is lost, b takes the newer value, and only touched partitions were rewritten
    assert _all_rows() == {
        ("a", 1): "1.0000",
        ("b", 1): "2.5000",
        ("c", 1): "3.0000",
        ("d", 1): "4.0000",
    }
    assert (result.rows_added, result.rows_replaced, result.partitions) == (
        1,
        1,
        ["2025-05", "2025-06"],
    )


def test_curated_merge_never_lets_an_older_capture_overwrite_a_newer_one() -> None:
    newer = _lines([("a", 1, "2025-05", "5.00")])
    curated_merge(
        dataset_name="statement_lines",
        table=newer,
        source_file_id=2,
        captured_at=datetime(2025, 8, 1, tzinfo=UTC),
    )
    older = _lines([("a", 1, "2025-05", "1.00"), ("z", 1, "2025-05", "9.00")])
    curated_merge(
        dataset_name="statement_lines",
        table=older,
        source_file_id=1,
        captured_at=datetime(2025, 7, 1, tzinfo=UTC),
    )
    assert _all_rows() == {("a", 1): "5.0000", ("z", 1): "9.0000"}


def test_curated_merge_twice_changes_nothing() -> None:
    table = _lines([("a", 1, "2025-05", "1.00"), ("a", 2, "2025-05", "1.00")])
    moment = datetime(2025, 7, 1, tzinfo=UTC)
    curated_merge(dataset_name="statement_lines", table=table, source_file_id=1, captured_at=moment)
    first = _all_rows()
    curated_merge(dataset_name="statement_lines", table=table, source_file_id=1, captured_at=moment)
    assert _all_rows() == first == {("a", 1): "1.0000", ("a", 2): "1.0000"}
