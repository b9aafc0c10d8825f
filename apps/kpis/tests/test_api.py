"""Revenue KPI endpoints: whole bodies, filters, 400s, access, caching and query counts.

Every authenticated request costs 2 queries before the view runs (session and user), and every
KPI 1 more for the warehouse snapshot (load version and `as_of`); the rest is noted per test.
The summary adds 2 for streams and ad spend; the monthly series 2 for the monthly stream sums
and the report grace setting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.kpis.tests.factories import (
    StatementLineFactory,
    WarehouseLoadFactory,
    label_statements_create,
)
from apps.warehouse.models import ArtistAlias

pytestmark = pytest.mark.django_db

AS_OF = "2025-07-01T06:00:00Z"
KPI_URLS = [
    "/api/kpis/summary",
    "/api/revenue/platform",
    "/api/revenue/artist",
    "/api/revenue/monthly",
    "/api/revenue/delays",
]
EMPTY_SUMMARY = {
    "total_revenue_usd": "0.00",
    "total_units": 0,
    "revenue_per_unit_usd": "0.00",
    "total_streams": 0,
    "artist_count": 0,
    "track_count": 0,
    "top_artist": None,
    "ad_spend_usd": "0.00",
    "as_of": AS_OF,
}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # The locmem cache outlives a test, and SQLite may hand out the same load ids again.
    cache.clear()


@pytest.fixture
def label() -> dict[str, object]:
    return label_statements_create()


@pytest.fixture
def frozen_today() -> Any:
    with time_machine.travel(datetime(2025, 7, 20, 12, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", KPI_URLS)
def test_kpi_api_rejects_anonymous_with_401(client: Any, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("url", KPI_URLS)
def test_kpi_api_rejects_non_staff_with_403(bob_client: Any, url: str) -> None:
    assert bob_client.get(url).status_code == 403


@pytest.mark.parametrize("url", KPI_URLS)
def test_kpi_api_accepts_a_staff_token(alice: Any, url: str) -> None:
    token = Token.objects.create(user=alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get(url).status_code == 200


# --- summary ----------------------------------------------------------------------------------


def test_kpi_summary_api_returns_the_label_totals(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 5 (artist x track totals, top artist's name, streams, ad spend
    # days and report windows)
    with django_assert_num_queries(8):
        response = alice_client.get("/api/kpis/summary")

    assert response.status_code == 200
    assert response.json() == {
        "total_revenue_usd": "11.156789",
        "total_units": 3550,
        "revenue_per_unit_usd": "0.003142757465",
        "total_streams": 0,
        "artist_count": 2,
        "track_count": 3,
        "top_artist": "ZONE A0",
        "ad_spend_usd": "0.00",
        "as_of": AS_OF,
    }


@pytest.mark.parametrize(
    ("params", "queries", "body"),
    [
        (  # 2 auth + 1 platform lookup + 1 snapshot + 5
            {"platform": "spotify"},
            9,
            {
                "total_revenue_usd": "9.00",
                "total_units": 2550,
                "revenue_per_unit_usd": "0.003529411765",
                "artist_count": 2,
                "track_count": 3,
                "top_artist": "ZONE A0",
            },
        ),
        (  # no resolved artist, so no top artist's name to read
            {"artist": "(Unassigned)"},
            7,
            {
                "total_revenue_usd": "0.456789",
                "total_units": 300,
                "revenue_per_unit_usd": "0.00152263",
                "artist_count": 0,
                "track_count": 0,
                "top_artist": None,
            },
        ),
        (
            {"distributor": "toolost"},
            9,
            {
                "total_revenue_usd": "2.60",
                "total_units": 650,
                "revenue_per_unit_usd": "0.004",
                "artist_count": 1,
                "track_count": 1,
                "top_artist": "PIG1987",
            },
        ),
        (  # dates select by sale month: any day of February selects all of February
            {"start": "2025-02-10", "end": "2025-02-10"},
            8,
            {
                "total_revenue_usd": "4.606789",
                "total_units": 1450,
                "revenue_per_unit_usd": "0.003177095862",
                "artist_count": 2,
                "track_count": 3,
                "top_artist": "ZONE A0",
            },
        ),
        (  # the artist filter takes canonical names in any case
            {"artist": "pig1987", "end": "2025-01-31"},
            9,
            {
                "total_revenue_usd": "2.35",
                "total_units": 900,
                "revenue_per_unit_usd": "0.002611111111",
                "artist_count": 1,
                "track_count": 1,
                "top_artist": "PIG1987",
            },
        ),
    ],
    ids=["platform", "unassigned", "distributor", "one-month", "artist-and-end"],
)
def test_kpi_summary_api_applies_filters(
    alice_client: Any,
    label: dict[str, object],
    django_assert_num_queries: Any,
    params: dict[str, str],
    queries: int,
    body: dict[str, object],
) -> None:
    with django_assert_num_queries(queries):
        response = alice_client.get("/api/kpis/summary", params)

    assert response.status_code == 200
    assert response.json() == {
        **body,
        "total_streams": 0,
        "ad_spend_usd": "0.00",
        "as_of": AS_OF,
    }


def test_kpi_summary_api_returns_zeros_for_an_empty_range(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 4: no artist has lines, so no top artist's name is read
    with django_assert_num_queries(7):
        response = alice_client.get("/api/kpis/summary", {"start": "2026-01-01"})

    assert response.status_code == 200
    assert response.json() == EMPTY_SUMMARY


def test_kpi_summary_api_before_any_load(alice_client: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(7):
        response = alice_client.get("/api/kpis/summary")

    assert response.json() == {**EMPTY_SUMMARY, "as_of": None}


def test_kpi_summary_api_accepts_an_artist_alias(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    ArtistAlias.objects.create(alias="zone a zero", artist=label["zone"])  # type: ignore[misc]

    # 2 auth + 2 artist lookups (name, then alias) + 1 snapshot + 4
    with django_assert_num_queries(10):
        response = alice_client.get("/api/kpis/summary", {"artist": " Zone  A Zero"})

    assert response.json()["total_revenue_usd"] == "6.75"


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", KPI_URLS)
@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"start": "2025-13-01"},
            {"start": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"start": "2025-03-01", "end": "2025-02-28"}, {"end": ["end must be on or after start."]}),
        ({"platform": "Napster"}, {"platform": ["Unknown platform 'Napster'."]}),
        ({"artist": "NOBODY"}, {"artist": ["Unknown artist 'NOBODY'."]}),
        ({"distributor": "cdbaby"}, {"distributor": ["Unknown distributor 'cdbaby'."]}),
        (
            {"platform": "Napster", "end": "yesterday"},
            {
                "platform": ["Unknown platform 'Napster'."],
                "end": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            },
        ),
    ],
    ids=["bad-date", "inverted", "platform", "artist", "distributor", "two-fields"],
)
def test_kpi_api_rejects_invalid_filters_with_field_errors(
    alice_client: Any,
    label: dict[str, object],
    url: str,
    params: dict[str, str],
    errors: dict[str, list[str]],
) -> None:
    response = alice_client.get(url, params)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize("url", KPI_URLS)
def test_kpi_api_treats_blank_filters_as_absent(
    alice_client: Any, label: dict[str, object], url: str
) -> None:
    blank = {"start": "", "end": " ", "artist": "", "platform": "", "distributor": ""}

    with time_machine.travel(datetime(2025, 7, 20, tzinfo=UTC), tick=False):
        assert alice_client.get(url, blank).json() == alice_client.get(url).json()


@pytest.mark.parametrize("url", KPI_URLS)
def test_kpi_api_accepts_the_widest_dates(
    alice_client: Any, label: dict[str, object], url: str
) -> None:
    widest = {"start": "0001-01-01", "end": "9999-12-31"}

    with time_machine.travel(datetime(2025, 7, 20, tzinfo=UTC), tick=False):
        response = alice_client.get(url, widest)
        assert response.status_code == 200
        assert response.json() == alice_client.get(url).json()


# --- platform and artist ----------------------------------------------------------------------


def test_revenue_platform_list_api_returns_every_platform_with_lines(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 1 grouped query
    with django_assert_num_queries(4):
        response = alice_client.get("/api/revenue/platform")

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "platform": "Spotify",
                "revenue_usd": "9.00",
                "units": 2550,
                "revenue_per_unit_usd": "0.003529411765",
                "line_count": 6,
            },
            {
                "platform": "Apple Music",
                "revenue_usd": "1.20",
                "units": 200,
                "revenue_per_unit_usd": "0.006",
                "line_count": 1,
            },
            {
                "platform": "YouTube",
                "revenue_usd": "0.956789",
                "units": 800,
                "revenue_per_unit_usd": "0.00119598625",
                "line_count": 3,
            },
        ],
        "as_of": AS_OF,
    }


def test_revenue_platform_list_api_with_artist_and_empty_range(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(5):
        zone = alice_client.get(
            "/api/revenue/platform", {"artist": "ZONE A0", "start": "2025-02-01"}
        )
    with django_assert_num_queries(4):
        empty = alice_client.get("/api/revenue/platform", {"end": "2024-12-31"})

    # ZONE A0 in February: line 6 (Spotify 2.80, 800 units) and line 9 (YouTube -0.25)
    assert zone.json() == {
        "results": [
            {
                "platform": "Spotify",
                "revenue_usd": "2.80",
                "units": 800,
                "revenue_per_unit_usd": "0.0035",
                "line_count": 1,
            },
            {
                "platform": "YouTube",
                "revenue_usd": "-0.25",
                "units": 0,
                "revenue_per_unit_usd": "0.00",
                "line_count": 1,
            },
        ],
        "as_of": AS_OF,
    }
    assert empty.json() == {"results": [], "as_of": AS_OF}


def test_revenue_artist_list_api_includes_unassigned(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 2 (grouped totals, artist x platform pairs) + 2 for net revenue
    # (artist x track x month slices, splits; no split, so no track history)
    with django_assert_num_queries(7):
        response = alice_client.get("/api/revenue/artist")

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "artist": "ZONE A0",
                "revenue_usd": "6.75",
                "units": 2000,
                "line_count": 5,
                "net_revenue_usd": "6.75",
                "platforms": ["Apple Music", "Spotify", "YouTube"],
            },
            {
                "artist": "PIG1987",
                "revenue_usd": "3.95",
                "units": 1250,
                "line_count": 4,
                "net_revenue_usd": "3.95",
                "platforms": ["Spotify", "YouTube"],
            },
            {
                "artist": "(unassigned)",
                "revenue_usd": "0.456789",
                "units": 300,
                "line_count": 1,
                "net_revenue_usd": "0.456789",
                "platforms": ["YouTube"],
            },
        ],
        "as_of": AS_OF,
    }


def test_revenue_artist_list_api_with_platform_filter(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(8):
        response = alice_client.get("/api/revenue/artist", {"platform": "YOUTUBE"})

    assert response.json() == {
        "results": [
            {
                "artist": "PIG1987",
                "revenue_usd": "0.75",
                "units": 500,
                "line_count": 1,
                "net_revenue_usd": "0.75",
                "platforms": ["YouTube"],
            },
            {
                "artist": "(unassigned)",
                "revenue_usd": "0.456789",
                "units": 300,
                "line_count": 1,
                "net_revenue_usd": "0.456789",
                "platforms": ["YouTube"],
            },
            {
                "artist": "ZONE A0",
                "revenue_usd": "-0.25",
                "units": 0,
                "line_count": 1,
                "net_revenue_usd": "-0.25",
                "platforms": ["YouTube"],
            },
        ],
        "as_of": AS_OF,
    }


# --- monthly ----------------------------------------------------------------------------------


def test_revenue_monthly_list_api_runs_to_the_current_month(
    alice_client: Any,
    label: dict[str, object],
    frozen_today: Any,
    django_assert_num_queries: Any,
) -> None:
    # 2 auth + 1 snapshot + 3 (grouped history, monthly streams, grace setting)
    with django_assert_num_queries(6):
        response = alice_client.get("/api/revenue/monthly")

    # March is late: its active pairs' report-by date (2025-06-30 + 10 days) has passed
    pending = {"revenue_usd": "0.00", "units": 0, "expected_revenue_usd": "5.5783945"}
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "month": "2025-01",
                "revenue_usd": "6.55",
                "units": 2100,
                "expected_revenue_usd": "0.00",
                "status": "reported",
            },
            {
                "month": "2025-02",
                "revenue_usd": "4.606789",
                "units": 1450,
                "expected_revenue_usd": "6.55",
                "status": "reported",
            },
            {"month": "2025-03", **pending, "status": "late"},
            {"month": "2025-04", **pending, "status": "pending"},
            {"month": "2025-05", **pending, "status": "pending"},
            {"month": "2025-06", **pending, "status": "pending"},
            {"month": "2025-07", **pending, "status": "pending"},
        ],
        "as_of": AS_OF,
    }


def test_revenue_monthly_list_api_for_one_artist_in_a_range(
    alice_client: Any,
    label: dict[str, object],
    frozen_today: Any,
    django_assert_num_queries: Any,
) -> None:
    # 2 auth + 1 artist lookup + 1 snapshot + 3 (history, the artist's revenue, grace setting);
    # one artist's expected revenue is its run-rate, so no stream sums are read
    with django_assert_num_queries(7):
        response = alice_client.get(
            "/api/revenue/monthly",
            {"artist": "PIG1987", "start": "2025-02-01", "end": "2025-03-31"},
        )

    # PIG1987: January 2.35 (900 units), February 1.60 (350); status judged on every line
    assert response.json() == {
        "results": [
            {
                "month": "2025-02",
                "revenue_usd": "1.60",
                "units": 350,
                "expected_revenue_usd": "2.35",
                "status": "reported",
            },
            {
                "month": "2025-03",
                "revenue_usd": "0.00",
                "units": 0,
                "expected_revenue_usd": "1.975",
                "status": "late",
            },
        ],
        "as_of": AS_OF,
    }


def test_revenue_monthly_list_api_returns_nothing_for_an_empty_range(
    alice_client: Any,
    label: dict[str, object],
    frozen_today: Any,
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(6):
        response = alice_client.get("/api/revenue/monthly", {"start": "2025-03-01"})

    assert response.json() == {"results": [], "as_of": AS_OF}


# --- delays -----------------------------------------------------------------------------------


def test_revenue_delays_get_api_returns_the_distribution(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 1 grouped query
    with django_assert_num_queries(4):
        response = alice_client.get("/api/revenue/delays")

    assert response.status_code == 200
    assert response.json() == {
        "average_delay_months": 2.4,
        "median_delay_months": 2.0,
        "results": [
            {"months": 2, "lines": 6, "share": 0.6},
            {"months": 3, "lines": 4, "share": 0.4},
        ],
        "by_platform": [
            {"platform": "Apple Music", "median_delay_months": 2.0},
            {"platform": "Spotify", "median_delay_months": 2.5},
            {"platform": "YouTube", "median_delay_months": 2.0},
        ],
        "as_of": AS_OF,
    }


def test_revenue_delays_get_api_with_filters_and_empty_range(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(5):
        toolost = alice_client.get("/api/revenue/delays", {"distributor": "toolost"})
    with django_assert_num_queries(4):
        empty = alice_client.get("/api/revenue/delays", {"start": "2030-01-01"})

    assert toolost.json() == {
        "average_delay_months": 3.0,
        "median_delay_months": 3.0,
        "results": [{"months": 3, "lines": 2, "share": 1.0}],
        "by_platform": [{"platform": "Spotify", "median_delay_months": 3.0}],
        "as_of": AS_OF,
    }
    assert empty.json() == {
        "average_delay_months": None,
        "median_delay_months": None,
        "results": [],
        "by_platform": [],
        "as_of": AS_OF,
    }


# --- caching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", KPI_URLS)
def test_kpi_api_serves_repeats_from_the_cache(
    alice_client: Any,
    label: dict[str, object],
    frozen_today: Any,
    django_assert_num_queries: Any,
    url: str,
) -> None:
    first = alice_client.get(url, {"platform": "Spotify"})

    # 2 auth + 1 platform lookup + 1 snapshot; nothing is aggregated again
    with django_assert_num_queries(4):
        second = alice_client.get(url, {"platform": "spotify"})

    assert second.json() == first.json()


def test_kpi_summary_api_cache_is_invalidated_by_a_new_load(
    alice_client: Any, label: dict[str, object], django_assert_num_queries: Any
) -> None:
    # given a cached summary, and a line committed by a load that has not finished yet
    before = alice_client.get("/api/kpis/summary").json()
    StatementLineFactory(
        platform=label["spotify"],
        artist=label["pig"],
        sale_month=date(2025, 2, 1),
        quantity=50,
        earnings_usd=Decimal("10.00"),
    )
    with django_assert_num_queries(3):
        cached = alice_client.get("/api/kpis/summary").json()

    # when the load finishes
    WarehouseLoadFactory(finished_at=datetime(2025, 7, 2, 6, 0, tzinfo=UTC))
    with django_assert_num_queries(8):
        after = alice_client.get("/api/kpis/summary").json()

    # then the old entry is unreachable and the new figures carry the new as_of
    assert cached == before
    assert after == {
        **before,
        "total_revenue_usd": "21.156789",
        "total_units": 3600,
        "revenue_per_unit_usd": "0.005876885833",
        "top_artist": "PIG1987",
        "as_of": "2025-07-02T06:00:00Z",
    }
