"""The revenue rollups always hold the statement lines' sums: after a load, a re-load, a
correction, a retraction and a rebuild; and the revenue KPIs read them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from django.db import connection
from django.db.models import F, Sum

from apps.kpis.filters import RevenueFilters
from apps.kpis.selectors import kpi_summary_get, revenue_by_territory_list
from apps.lake.curated import curated_merge, curated_remove_file_rows, partition_labels
from apps.warehouse import corrections, rollup
from apps.warehouse.loaders import statement_lines_load
from apps.warehouse.models import Artist, RevenueRollup, StatementLine, TerritoryRollup
from apps.warehouse.retract import warehouse_file_retract
from apps.warehouse.rollup import revenue_rollup_batched, revenue_rollup_mismatches
from apps.warehouse.services import ingest_path, warehouse_rebuild
from apps.warehouse.tests.test_loaders import _curated
from apps.warehouse.validation import check_revenue_rollups

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def _assert_rollups_match_lines() -> None:
    assert revenue_rollup_mismatches() == []


def test_an_ingest_fills_the_rollups_and_a_second_ingest_changes_nothing() -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    _assert_rollups_match_lines()
    assert RevenueRollup.objects.aggregate(e=Sum("earnings_usd"), n=Sum("lines")) == {
        "e": Decimal("5.54"),
        "n": 5,
    }
    ingest_path(path=FIXTURES / "dk_current_overlap.tsv")
    _assert_rollups_match_lines()
    before = list(RevenueRollup.objects.order_by("pk").values())
    # one rollup row per distinct grain of the lines (sale and reporting months are first days)
    grain = ("distributor", "platform", "artist", "track", "sale_month", "reporting_date")
    assert len(before) == StatementLine.objects.values(*grain).distinct().count()
    ingest_path(path=FIXTURES / "dk_current_overlap.tsv")  # a duplicate: nothing moves
    assert list(RevenueRollup.objects.order_by("pk").values()) == before


def test_the_summary_reads_the_rollup_for_its_filters() -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    summary = kpi_summary_get(filters=RevenueFilters())
    assert (summary.total_revenue_usd, summary.total_units) == (Decimal("5.54"), 6610)
    # the rollup is what is read: emptying it (the product never does) empties the KPI
    RevenueRollup.objects.all().delete()
    uncached = kpi_summary_get(filters=RevenueFilters(start_month=date(2000, 1, 1)))
    assert (uncached.total_revenue_usd, uncached.total_units) == (Decimal(0), 0)


def _partition(fingerprint: str, earnings: str, sale_month: date) -> pa.Table:
    return _curated(
        [
            {
                "line_fingerprint": fingerprint,
                "store": "Spotify",
                "artist_name": "ZONE A0",
                "earnings_usd": Decimal(earnings),
                "sale_month": sale_month,
            }
        ]
    )


def test_a_batched_load_writes_the_rollups_once_at_its_end() -> None:
    with revenue_rollup_batched():
        statement_lines_load(_partition("a", "10", date(2025, 4, 1)))
        statement_lines_load(_partition("b", "2.5", date(2025, 4, 1)))
        statement_lines_load(_partition("c", "1", date(2025, 5, 1)))
        assert RevenueRollup.objects.count() == 0  # noted, not yet written
    _assert_rollups_match_lines()
    assert list(
        RevenueRollup.objects.order_by("sale_month").values_list("sale_month", "earnings_usd")
    ) == [(date(2025, 4, 1), Decimal("12.5")), (date(2025, 5, 1), Decimal("1"))]


def _load_then_fail() -> None:
    with revenue_rollup_batched():
        statement_lines_load(_partition("a", "10", date(2025, 4, 1)))
        raise RuntimeError("the second partition failed")


def test_a_failed_batched_load_keeps_neither_lines_nor_rollups() -> None:
    with pytest.raises(RuntimeError, match="second partition"):
        _load_then_fail()
    assert (StatementLine.objects.count(), RevenueRollup.objects.count()) == (0, 0)


def test_a_correction_re_points_the_rollups_with_the_lines() -> None:
    statement_lines_load(
        _curated(
            [
                {
                    "line_fingerprint": "a",
                    "store": "Spotify",
                    "artist_name": "ZONE A0",
                    "earnings_usd": Decimal("10"),
                },
                {
                    "line_fingerprint": "b",
                    "store": "Spotify",
                    "artist_name": "Sxnctuary",
                    "earnings_usd": Decimal("2.5"),
                },
            ]
        )
    )
    winner = Artist.objects.get(name="ZONE A0")
    corrections.artist_alias_add(alias="SXNCTUARY", artist=winner)
    _assert_rollups_match_lines()
    assert list(RevenueRollup.objects.values_list("artist__name", "earnings_usd")) == [
        ("ZONE A0", Decimal("12.5"))
    ]


def test_a_retracted_line_leaves_the_rollup_and_a_rebuild_agrees() -> None:
    kept = {
        "line_fingerprint": "k",
        "store": "Spotify",
        "artist_name": "ZONE A0",
        "earnings_usd": Decimal("4"),
        "country_code": "DE",
    }
    dropped = {
        "line_fingerprint": "d",
        "store": "Spotify",
        "artist_name": "ZONE A0",
        "earnings_usd": Decimal("6"),
        "sale_month": date(2025, 5, 1),
    }
    table = _curated([kept, dropped])
    curated_merge(
        dataset_name="statement_lines",
        table=table.drop_columns(["source_file_id", "captured_at"]),
        source_file_id=7,
        captured_at=datetime(2025, 6, 5, tzinfo=UTC),
    )
    statement_lines_load(table)
    assert RevenueRollup.objects.aggregate(e=Sum("earnings_usd"))["e"] == Decimal(10)
    # the replayed file no longer yields line "d"
    partitions = {"statement_lines": partition_labels("statement_lines", table)}
    curated_remove_file_rows(
        dataset_name="statement_lines",
        table=_curated([dropped]).drop_columns(["source_file_id", "captured_at"]),
        source_file_id=7,
    )
    warehouse_file_retract(file_id=7, datasets={"statement_lines"}, partitions=partitions)
    _assert_rollups_match_lines()
    assert list(RevenueRollup.objects.values_list("sale_month", "earnings_usd")) == [
        (date(2025, 4, 1), Decimal(4))
    ]
    assert [
        (r.territory, r.revenue_usd)
        for r in revenue_by_territory_list(filters=RevenueFilters()).results
    ] == [("DE", Decimal("4.00"))]
    warehouse_rebuild()
    _assert_rollups_match_lines()


def test_the_validation_report_names_a_month_whose_rollup_is_stale() -> None:
    ingest_path(path=FIXTURES / "dk_current_small.tsv")
    assert check_revenue_rollups()["status"] == "pass"
    # a line changed behind the loaders' back (the admin cannot) leaves its month's rollup stale
    line = StatementLine.objects.order_by("pk").first()
    StatementLine.objects.filter(pk=line.pk).update(earnings_usd=F("earnings_usd") + 1)
    check = check_revenue_rollups()
    assert (check["status"], check["details"]) == (
        "fail",
        {"mismatched_sale_months": [line.sale_month.strftime("%Y-%m")]},
    )


def _line(fingerprint: str, earnings: str, **fields: object) -> dict[str, object]:
    return {
        "line_fingerprint": fingerprint,
        "store": "Spotify",
        "artist_name": "ZONE A0",
        "earnings_usd": Decimal(earnings),
        **fields,
    }


def _revenue_rows() -> list[tuple[object, ...]]:
    return list(
        RevenueRollup.objects.order_by(
            "sale_month", F("artist_id").asc(nulls_last=True)
        ).values_list(
            "artist__name",
            "sale_month",
            "reporting_month",
            "lines",
            "units",
            "earnings_usd",
            "positive_earnings_usd",
        )
    )


def test_new_lines_add_their_exact_sums_to_the_months_they_share() -> None:
    # mid-month days, a negative amount, lines without an artist or a territory
    statement_lines_load(
        _curated(
            [
                _line("a", "0.000000000001", sale_month=date(2025, 4, 15)),
                _line("b", "-2.5", artist_name="Nobody Known", country_code=""),
            ]
        )
    )
    statement_lines_load(
        _curated(
            [
                _line("c", "10", sale_month=date(2025, 4, 3), reporting_date=date(2025, 6, 20)),
                _line("d", "-1", artist_name="Nobody Known", country_code=""),
                _line("e", "0.1", sale_month=date(2025, 5, 1), quantity=3),
            ]
        )
    )
    _assert_rollups_match_lines()
    april, may, june = date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)
    assert _revenue_rows() == [
        ("ZONE A0", april, june, 2, 20, Decimal("10.000000000001"), Decimal("10.000000000001")),
        (None, april, june, 2, 20, Decimal("-3.5"), Decimal(0)),
        ("ZONE A0", may, june, 1, 3, Decimal("0.1"), Decimal("0.1")),
    ]
    assert sorted(
        TerritoryRollup.objects.values_list("territory__code", "sale_month", "lines"),
        key=str,
    ) == [("US", april, 2), ("US", may, 1), (None, april, 2)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL tells all-new")
def test_a_load_of_new_lines_never_reads_the_lines_back(monkeypatch: pytest.MonkeyPatch) -> None:
    statement_lines_load(_curated([_line("a", "1")]))

    def no_rewrite(*args: object) -> None:
        raise AssertionError("the rollups were rewritten from the lines")

    monkeypatch.setattr(rollup, "_insert_grouped", no_rewrite)
    with revenue_rollup_batched():
        statement_lines_load(_curated([_line("b", "2")]))
        statement_lines_load(_curated([_line("c", "4", sale_month=date(2025, 5, 1))]))
    assert RevenueRollup.objects.aggregate(e=Sum("earnings_usd"), n=Sum("lines")) == {
        "e": Decimal(7),
        "n": 3,
    }
    with pytest.raises(AssertionError, match="rewritten"):
        statement_lines_load(_curated([_line("b", "2.5")]))  # replaces a line


def test_a_batch_mixing_new_and_replaced_lines_rewrites_only_what_it_must() -> None:
    statement_lines_load(_curated([_line("a", "1"), _line("m", "5", sale_month=date(2025, 5, 1))]))
    with revenue_rollup_batched():
        statement_lines_load(_curated([_line("b", "2")]))  # new, April
        statement_lines_load(_curated([_line("a", "1.5")]))  # replaces a line of April
        statement_lines_load(_curated([_line("n", "7", sale_month=date(2025, 5, 1))]))  # new, May
        statement_lines_load(_curated([_line("j", "3", sale_month=date(2025, 6, 1))]))  # new month
        assert RevenueRollup.objects.aggregate(e=Sum("earnings_usd"))["e"] == Decimal(6)
    _assert_rollups_match_lines()
    assert list(
        RevenueRollup.objects.order_by("sale_month").values_list(
            "sale_month", "lines", "earnings_usd"
        )
    ) == [
        (date(2025, 4, 1), 2, Decimal("3.5")),
        (date(2025, 5, 1), 2, Decimal(12)),
        (date(2025, 6, 1), 1, Decimal(3)),
    ]


def test_a_reload_of_the_same_lines_after_an_addition_changes_no_sum() -> None:
    table = _curated([_line("a", "1"), _line("b", "2", sale_month=date(2025, 5, 1))])
    statement_lines_load(table)
    before = sorted(RevenueRollup.objects.values_list("sale_month", "lines", "earnings_usd"))
    statement_lines_load(table)  # every key present: the general path, nothing doubled
    _assert_rollups_match_lines()
    assert (
        sorted(RevenueRollup.objects.values_list("sale_month", "lines", "earnings_usd")) == before
    )


def test_an_empty_partition_leaves_the_rollups_alone() -> None:
    statement_lines_load(_curated([_line("a", "1")]))
    before = list(RevenueRollup.objects.values_list("pk", "earnings_usd"))
    with revenue_rollup_batched():
        assert statement_lines_load(_curated([])) == 0
    assert statement_lines_load(_curated([])) == 0
    assert list(RevenueRollup.objects.values_list("pk", "earnings_usd")) == before
