"""A statement's curated partitions load as one group when all their lines are new (one COPY in
natural-key order), and partition by partition when some are loaded already; either way every
line is stored once and the revenue rollups agree with the lines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from django.db import connection
from django.db.models import Sum

from apps.lake.curated import curated_merge
from apps.sources.datasets import STATEMENT_LINES
from apps.warehouse.models import Release, StatementLine, Track
from apps.warehouse.rollup import revenue_rollup_mismatches
from apps.warehouse.services import _partition_groups, warehouse_partitions_load

pytestmark = pytest.mark.django_db

APRIL, MAY = date(2025, 4, 1), date(2025, 5, 1)


def _line(fingerprint: str, sale_month: date, earnings: str, **extra: Any) -> dict[str, Any]:
    return {
        "distributor": "distrokid",
        "line_fingerprint": fingerprint,
        "occurrence": 1,
        "schema_id": "dk_current_15",
        "reporting_date": date(2025, 6, 3),
        "sale_month": sale_month,
        "store": "Spotify",
        "artist_name": "ZONE A0",
        "title": "Track " + fingerprint,
        "isrc": "",
        "upc": "",
        "quantity": 10,
        "country_code": "US",
        "earnings_usd": Decimal(earnings),
        "line_number": 2,
        **extra,
    }


def _arrive(file_id: int, lines: list[dict[str, Any]]) -> list[str]:
    """One file through curated into the warehouse, as ingest does; returns its partitions."""
    merge = curated_merge(
        dataset_name="statement_lines",
        table=pa.Table.from_pylist(lines, schema=STATEMENT_LINES.schema),
        source_file_id=file_id,
        captured_at=datetime(2025, 6, file_id, tzinfo=UTC),
    )
    warehouse_partitions_load(dataset="statement_lines", partitions=merge.partitions)
    return merge.partitions


def _fingerprints_by_id() -> list[str]:
    return list(StatementLine.objects.order_by("pk").values_list("line_fingerprint", flat=True))


def _earnings() -> dict[str, str]:
    return {
        line.line_fingerprint: f"{line.earnings_usd:.2f}"
        for line in StatementLine.objects.order_by("line_fingerprint")
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one COPY is PostgreSQL's")
def test_new_partitions_load_in_one_copy_in_natural_key_order() -> None:
    # April holds b and d, May a and c: partition by partition would insert b, d, a, c
    partitions = _arrive(
        1,
        [
            _line("d", APRIL, "4.00"),
            _line("b", APRIL, "2.00"),
            _line("c", MAY, "3.00"),
            _line("a", MAY, "1.00"),
        ],
    )
    assert partitions == ["2025-04", "2025-05"]
    assert _fingerprints_by_id() == ["a", "b", "c", "d"]
    assert StatementLine.objects.aggregate(total=Sum("earnings_usd"))["total"] == Decimal("10")
    assert revenue_rollup_mismatches() == []


def test_a_statement_overlapping_loaded_months_loads_partition_by_partition() -> None:
    # given April's lines a and b loaded by a first file
    _arrive(1, [_line("a", APRIL, "1.00"), _line("b", APRIL, "2.00")])
    # when a second file restates b and adds c in April and d in a new month
    _arrive(
        2,
        [_line("b", APRIL, "2.50"), _line("c", APRIL, "3.00"), _line("d", MAY, "4.00")],
    )
    # then every line is stored once, with the restated amount, and the rollups follow
    assert _earnings() == {"a": "1.00", "b": "2.50", "c": "3.00", "d": "4.00"}
    assert _fingerprints_by_id()[:2] == ["a", "b"]  # loaded lines keep their rows
    assert revenue_rollup_mismatches() == []


def test_loading_the_same_partitions_again_changes_nothing() -> None:
    _arrive(1, [_line("a", APRIL, "1.00"), _line("b", MAY, "2.00")])
    before = list(StatementLine.objects.order_by("pk").values())
    warehouse_partitions_load(dataset="statement_lines", partitions=None)
    assert list(StatementLine.objects.order_by("pk").values()) == before
    assert revenue_rollup_mismatches() == []


def test_a_new_isrc_seen_in_two_partitions_takes_its_first_line_title() -> None:
    _arrive(
        1,
        [
            _line("a", APRIL, "1.00", isrc="QZABC2500001", title="First Title"),
            _line("b", APRIL, "1.00", isrc="QZABC2500002", title="Other"),
            _line("c", MAY, "1.00", isrc="QZABC2500001", title="Later Title"),
        ],
    )
    tracks = list(Track.objects.filter(isrc__startswith="QZABC25").order_by("pk"))
    assert [(track.isrc, track.title) for track in tracks] == [
        ("QZABC2500001", "First Title"),
        ("QZABC2500002", "Other"),
    ]
    assert StatementLine.objects.filter(track__isrc="QZABC2500001").count() == 2


def test_partition_groups_hold_at_most_the_row_budget() -> None:
    tables = [pa.table({"n": list(range(rows))}) for rows in (2, 2, 3, 6, 1)]
    sizes = [[table.num_rows for table in group] for group in _partition_groups(iter(tables), 5)]
    assert sizes == [[2, 2], [3], [6], [1]]


def test_a_release_is_named_from_the_first_partition_showing_its_upc() -> None:
    # as partition by partition: April names the release, May's album line renames nothing
    _arrive(
        1,
        [
            _line("a", APRIL, "1.00", upc="0199412048125", title="Bonfire"),
            _line(
                "b",
                MAY,
                "1.00",
                upc="0199412048125",
                title="Bonfire of the Rares",
                source_type="Album",
            ),
        ],
    )
    assert list(Release.objects.values_list("upc", "title")) == [("0199412048125", "Bonfire")]
