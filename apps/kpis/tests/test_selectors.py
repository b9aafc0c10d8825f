"""Revenue selectors and the shared filter parser, against the database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.http import QueryDict

from apps.kpis import selectors
from apps.kpis.calculations import MonthStatus
from apps.kpis.filters import RevenueFilters, RevenueFilterSerializer
from apps.kpis.tests.factories import (
    LABEL_LOAD_FINISHED_AT,
    StatementLineFactory,
    WarehouseLoadFactory,
    label_statements_create,
)
from apps.warehouse.models import Artist, Distributor, Platform
from apps.warehouse.selectors import as_of_get

pytestmark = pytest.mark.django_db

ALL = RevenueFilters()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def label() -> dict[str, Any]:
    return label_statements_create()


def test_as_of_get_is_the_newest_finish_time() -> None:
    assert as_of_get() is None

    WarehouseLoadFactory(finished_at=datetime(2025, 7, 2, tzinfo=UTC))
    WarehouseLoadFactory(finished_at=datetime(2025, 7, 1, tzinfo=UTC))

    assert as_of_get() == datetime(2025, 7, 2, tzinfo=UTC)


def test_warehouse_snapshot_changes_with_every_load(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        empty = selectors.warehouse_snapshot_get()
    WarehouseLoadFactory(finished_at=datetime(2025, 7, 2, tzinfo=UTC))
    first = selectors.warehouse_snapshot_get()
    # a load committing late, with an earlier finish time than the newest
    WarehouseLoadFactory(finished_at=datetime(2025, 7, 1, tzinfo=UTC))
    second = selectors.warehouse_snapshot_get()

    assert empty.as_of is None
    assert first.as_of == second.as_of == datetime(2025, 7, 2, tzinfo=UTC)
    assert len({empty.version, first.version, second.version}) == 3


def test_kpi_summary_get_caches_until_the_next_load(
    label: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # 1 snapshot + 5 (artist x track totals, top artist's name, streams, ad spend days and
    # report windows)
    with django_assert_num_queries(6):
        first = selectors.kpi_summary_get(filters=ALL)
    with django_assert_num_queries(1):
        again = selectors.kpi_summary_get(filters=ALL)
    snapshot = selectors.warehouse_snapshot_get()
    with django_assert_num_queries(0):
        selectors.kpi_summary_get(filters=ALL, snapshot=snapshot)
    StatementLineFactory(platform=label["spotify"], quantity=1, earnings_usd=Decimal("1"))
    WarehouseLoadFactory(finished_at=datetime(2025, 8, 1, tzinfo=UTC))
    after = selectors.kpi_summary_get(filters=ALL)

    assert (
        first
        == again
        == selectors.KpiSummary(
            total_revenue_usd=Decimal("11.156789"),
            total_units=3550,
            revenue_per_unit_usd=Decimal("0.003142757465"),
            total_streams=0,
            artist_count=2,
            track_count=3,
            top_artist="ZONE A0",
            ad_spend_usd=Decimal("0"),
            as_of=LABEL_LOAD_FINISHED_AT,
        )
    )
    assert (after.total_revenue_usd, after.total_units) == (Decimal("12.156789"), 3551)
    assert after.as_of == datetime(2025, 8, 1, tzinfo=UTC)


def test_kpi_summary_top_artist_of_equal_revenue_is_the_first_by_name(
    label: dict[str, Any],
) -> None:
    # IWARY now earns exactly ZONE A0's 6.75 (3.50 + 1.20 - 0.50 + 2.80 - 0.25)
    StatementLineFactory(
        distributor=Distributor.objects.get(code="distrokid"),
        platform=label["spotify"],
        artist=Artist.objects.get(name="IWARY"),
        quantity=10,
        earnings_usd=Decimal("6.75"),
    )

    summary = selectors.kpi_summary_get(filters=ALL)

    assert (summary.total_revenue_usd, summary.artist_count) == (Decimal("17.906789"), 3)
    assert summary.top_artist == "IWARY"


def test_revenue_by_platform_list_orders_by_revenue(label: dict[str, Any]) -> None:
    result = selectors.revenue_by_platform_list(filters=ALL)

    assert [(row.platform, row.revenue_usd, row.line_count) for row in result.results] == [
        ("Spotify", Decimal("9"), 6),
        ("Apple Music", Decimal("1.2"), 1),
        ("YouTube", Decimal("0.956789"), 3),
    ]
    assert result.as_of == LABEL_LOAD_FINISHED_AT


def test_revenue_by_artist_list_for_the_unassigned_bucket(label: dict[str, Any]) -> None:
    result = selectors.revenue_by_artist_list(filters=RevenueFilters(is_unassigned=True))

    assert result.results == [
        selectors.ArtistRevenue(
            artist="(unassigned)",
            revenue_usd=Decimal("0.456789"),
            units=300,
            line_count=1,
            platforms=["YouTube"],
            net_revenue_usd=Decimal("0.456789"),
        )
    ]


def test_revenue_monthly_list_flags_the_month_without_rate_basis(label: dict[str, Any]) -> None:
    result = selectors.revenue_monthly_list(filters=ALL, today=date(2025, 3, 15))

    assert [
        (row.month, row.revenue_usd, row.expected_revenue_usd, row.has_rate_basis, row.status)
        for row in result.results
    ] == [
        (date(2025, 1, 1), Decimal("6.55"), Decimal("0"), False, MonthStatus.REPORTED),
        (date(2025, 2, 1), Decimal("4.606789"), Decimal("6.55"), True, MonthStatus.REPORTED),
        (date(2025, 3, 1), Decimal("0"), Decimal("5.5783945"), True, MonthStatus.PENDING),
    ]


def test_revenue_delays_get_for_one_platform(label: dict[str, Any]) -> None:
    result = selectors.revenue_delays_get(filters=RevenueFilters(platform_id=label["spotify"].pk))

    assert (result.average_delay_months, result.median_delay_months) == (2.5, 2.5)
    assert [(bucket.months, bucket.lines, bucket.share) for bucket in result.results] == [
        (2, 3, 0.5),
        (3, 3, 0.5),
    ]


def test_statement_line_list_newest_first_with_relations(
    label: dict[str, Any], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        lines = [
            (line.reporting_date, line.platform.name, line.distributor.code, line.artist)
            for line in selectors.statement_line_list(
                filters=RevenueFilters(
                    start_month=date(2025, 2, 1), platform_id=label["spotify"].pk
                )
            )
        ]

    # lines 10, 7, 6 (line 10 reported last; 7 and 6 on the same day, newest id first)
    assert lines == [
        (date(2025, 5, 5), "Spotify", "toolost", label["pig"]),
        (date(2025, 4, 10), "Spotify", "distrokid", label["pig"]),
        (date(2025, 4, 10), "Spotify", "distrokid", label["zone"]),
    ]


def test_filter_options_get_lists_every_choice(label: dict[str, Any]) -> None:
    options = selectors.filter_options_get()

    assert options.artists[0] == "(unassigned)"
    assert options.artists[1:] == sorted(Artist.objects.values_list("name", flat=True))
    assert {"IWARY", "PIG1987", "ZONE A0"} <= set(options.artists)
    assert options.platforms == sorted(Platform.objects.values_list("name", flat=True))
    assert ("toolost", "TooLost") in options.distributors


# --- the filter parser ------------------------------------------------------------------------


def test_revenue_filter_serializer_normalises_names_and_months(label: dict[str, Any]) -> None:
    query = QueryDict(
        "start=2025-01-31&end=2025-02-01&artist=zone a0&platform=SPOTIFY&distributor=DistroKid"
        "&page=3&fragment=cards"
    )
    serializer = RevenueFilterSerializer(data=query)

    assert serializer.is_valid(), serializer.errors
    assert serializer.filters() == RevenueFilters(
        start_month=date(2025, 1, 1),
        end_month=date(2025, 2, 1),
        artist_id=label["zone"].pk,
        platform_id=label["spotify"].pk,
        distributor_id=Distributor.objects.get(code="distrokid").pk,
        start_date=date(2025, 1, 31),
        end_date=date(2025, 2, 1),
    )


def test_revenue_filters_cache_key_differs_per_filter() -> None:
    keys = {
        RevenueFilters().cache_key(),
        RevenueFilters(start_month=date(2025, 1, 1)).cache_key(),
        RevenueFilters(end_month=date(2025, 1, 1)).cache_key(),
        RevenueFilters(artist_id=1).cache_key(),
        RevenueFilters(is_unassigned=True).cache_key(),
        RevenueFilters(platform_id=1).cache_key(),
        RevenueFilters(distributor_id=1).cache_key(),
    }

    assert len(keys) == 7
