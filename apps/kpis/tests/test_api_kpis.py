"""KPI endpoints beyond revenue by platform/artist: exact bodies over a fixture warehouse
(`label_statements_create` + `label_activity_create`, numbers worked out in their docstrings),
filters, empty ranges, CSV export, goals and alerts.

Every request costs 2 auth queries and 1 warehouse snapshot query before its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.renderers import JSONRenderer

from apps.kpis.models import Alert, AlertRule, Goal, KpiSetting
from apps.kpis.renderers import KpiCsvRenderer
from apps.kpis.services import alerts_refresh
from apps.kpis.tests.factories import label_activity_create, label_statements_create
from apps.warehouse.models import (
    AdPerformanceDaily,
    Campaign,
    DailyStream,
    Distributor,
    EmailCampaign,
    FollowerSnapshot,
    ListMonthly,
    ListSnapshot,
    Platform,
    Release,
    SocialDaily,
    SongStreamDaily,
    Submission,
    Track,
)

pytestmark = pytest.mark.django_db

AS_OF = "2025-07-01T06:00:00Z"
NEW_URLS = [
    "/api/kpis/realtime",
    "/api/kpis/goals",
    "/api/kpis/alerts",
    "/api/revenue/track",
    "/api/revenue/distributor",
    "/api/revenue/territory",
    "/api/revenue/ledger",
    "/api/streaming/daily",
    "/api/streaming/summary",
    "/api/streaming/growth",
    "/api/marketing/campaigns",
    "/api/marketing/artists",
    "/api/marketing/releases",
    "/api/marketing/submithub",
    "/api/audience/tiktok",
    "/api/audience/spotify",
    "/api/audience/linktree",
    "/api/audience/instagram",
    "/api/audience/youtube",
    "/api/audience/mailchimp",
    "/api/audience/tiktok-lag?account=zonea0",
]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def warehouse() -> dict[str, object]:
    label = label_statements_create()
    return {**label, **label_activity_create(label)}


@pytest.fixture
def frozen_today() -> Any:
    # A Sunday: the last complete ISO week is 2025-07-07..13, the current month July.
    with time_machine.travel(datetime(2025, 7, 20, 12, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _get(client: Any, url: str, params: dict[str, str] | None = None) -> Any:
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return response.json()


# --- access and validation ------------------------------------------------------------------


@pytest.mark.parametrize("url", [*NEW_URLS, "/api/kpis/alerts/1/acknowledge"])
def test_kpi_api_refuses_anonymous_and_non_staff(client: Any, bob: Any, url: str) -> None:
    assert client.get(url).status_code == 401
    assert client.post(url).status_code == 401
    client.force_login(bob)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


@pytest.mark.parametrize(
    "url", [url for url in NEW_URLS if "alerts" not in url and "goals" not in url]
)
def test_kpi_api_rejects_bad_filters_with_field_errors(
    alice_client: Any, warehouse: dict[str, object], url: str
) -> None:
    response = alice_client.get(url.split("?")[0], {"start": "2025-02-30", "account": "nobody"})

    assert response.status_code == 400
    body = response.json()
    assert body["start"] == ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
    assert body["account"] == ["Unknown account 'nobody'."]


@pytest.mark.parametrize("url", NEW_URLS)
def test_kpi_api_accepts_the_widest_dates_and_an_empty_warehouse(
    alice_client: Any, frozen_today: Any, url: str
) -> None:
    widest = {"start": "0001-01-01", "end": "9999-12-31"}
    if "tiktok-lag" in url:
        # the account must exist for the lag view; without facts it is unknown
        assert alice_client.get(url, widest).status_code == 400
        return
    assert alice_client.get(url, widest).status_code == 200


def test_streaming_growth_api_rejects_an_unknown_period(alice_client: Any) -> None:
    response = alice_client.get("/api/streaming/growth", {"period": "year"})

    assert (response.status_code, response.json()) == (
        400,
        {"period": ['"year" is not a valid choice.']},
    )


def test_tiktok_lag_api_requires_an_account(alice_client: Any, warehouse: Any) -> None:
    response = alice_client.get("/api/audience/tiktok-lag")

    assert response.status_code == 400
    assert response.json() == {"account": ["A TikTok account is required."]}


# --- summary and realtime -------------------------------------------------------------------


def test_kpi_summary_api_adds_streams_and_finest_grain_spend(
    alice_client: Any, warehouse: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 4 (totals, top artist, streams, ad spend)
    with django_assert_num_queries(8):
        body = _get(alice_client, "/api/kpis/summary")

    # streams: 475 from DailyStream; spend: 10.00 (ad sets, not + campaign row) + 5.50 + 2.00
    assert body == {
        "total_revenue_usd": "11.156789",
        "total_units": 3550,
        "revenue_per_unit_usd": "0.003142757465",
        "total_streams": 475,
        "artist_count": 2,
        "track_count": 3,
        "top_artist": "ZONE A0",
        "ad_spend_usd": "17.50",
        "as_of": AS_OF,
    }


def test_kpi_summary_api_filters_streams_by_date_and_spend_by_artist(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    july = _get(alice_client, "/api/kpis/summary", {"start": "2025-07-01"})
    pig = _get(alice_client, "/api/kpis/summary", {"artist": "PIG1987"})
    toolost = _get(alice_client, "/api/kpis/summary", {"distributor": "toolost"})

    assert (july["total_streams"], july["ad_spend_usd"]) == (155, "2.00")
    assert (pig["ad_spend_usd"], pig["total_revenue_usd"]) == ("15.50", "3.95")
    assert toolost["total_streams"] == 90


def test_kpi_realtime_api_compares_the_latest_complete_day(
    alice_client: Any, warehouse: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 2 (newest day per pair, sums of the two days)
    with django_assert_num_queries(5):
        body = _get(alice_client, "/api/kpis/realtime")

    # Spotify: TooLost stops at 06-30, so 06-30 (120 + 50) vs 06-29 (100 + 40)
    assert body == {
        "results": [
            {
                "platform": "Spotify",
                "date": "2025-06-30",
                "streams": 170,
                "previous_streams": 140,
                "change": 30,
                "change_rate": 0.214286,
            },
            {
                "platform": "YouTube",
                "date": "2025-07-01",
                "streams": 5,
                "previous_streams": 10,
                "change": -5,
                "change_rate": -0.5,
            },
        ],
        "as_of": AS_OF,
    }
    distrokid = _get(alice_client, "/api/kpis/realtime", {"distributor": "distrokid"})
    assert distrokid["results"][0] == {
        "platform": "Spotify",
        "date": "2025-07-01",
        "streams": 150,
        "previous_streams": 120,
        "change": 30,
        "change_rate": 0.25,
    }
    assert _get(alice_client, "/api/kpis/realtime", {"end": "2025-06-01"})["results"] == []


# --- revenue ----------------------------------------------------------------------------------


def test_revenue_track_api_applies_splits_flat_fee_first(
    alice_client: Any, warehouse: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 4 (grouped lines, track names, splits, split tracks' history)
    with django_assert_num_queries(7):
        body = _get(alice_client, "/api/revenue/track")

    # THE SCALE: January 4.70 pays the 2.00 fee, then 20 % of 2.70 (0.54); February 20 % of
    # 2.80 (0.56): net 7.50 - 3.10. THE SOURCE: 50 % only from February (-0.25 -> -0.125).
    assert body == {
        "results": [
            {
                "track": "THE SCALE",
                "isrc": "QZTEST000001",
                "artist": "ZONE A0",
                "revenue_usd": "7.50",
                "units": 2000,
                "net_revenue_usd": "4.40",
            },
            {
                "track": "RENEGADE PIPELINE",
                "isrc": "QZTEST000003",
                "artist": "PIG1987",
                "revenue_usd": "3.95",
                "units": 1250,
                "net_revenue_usd": "3.95",
            },
            {
                "track": "(unassigned)",
                "isrc": None,
                "artist": "(unassigned)",
                "revenue_usd": "0.456789",
                "units": 300,
                "net_revenue_usd": "0.456789",
            },
            {
                "track": "THE SOURCE",
                "isrc": "QZTEST000002",
                "artist": "ZONE A0",
                "revenue_usd": "-0.75",
                "units": 0,
                "net_revenue_usd": "-0.625",
            },
        ],
        "as_of": AS_OF,
    }


def test_revenue_track_api_shares_the_fee_by_the_selected_slice(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    body = _get(alice_client, "/api/revenue/track", {"platform": "Apple Music"})
    february = _get(alice_client, "/api/revenue/track", {"start": "2025-02-01"})

    # Apple Music is 1.20 of January's 4.70: fee 2.40/4.70, then 20 % of the rest
    assert body["results"] == [
        {
            "track": "THE SCALE",
            "isrc": "QZTEST000001",
            "artist": "ZONE A0",
            "revenue_usd": "1.20",
            "units": 200,
            "net_revenue_usd": "0.551489361702",
        }
    ]
    # the fee was recouped in January, so February keeps 80 %
    assert february["results"][0]["net_revenue_usd"] == "2.24"


def test_revenue_artist_api_adds_net_revenue_from_the_track_splits(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    body = _get(alice_client, "/api/revenue/artist")
    apple = _get(alice_client, "/api/revenue/artist", {"platform": "Apple Music"})

    # ZONE A0: 6.75 gross; THE SCALE passes on 3.10, THE SOURCE takes back 0.125 (its
    # negative February line is split 50 %): 6.75 - 3.10 + 0.125 = 3.775
    assert [(r["artist"], r["revenue_usd"], r["net_revenue_usd"]) for r in body["results"]] == [
        ("ZONE A0", "6.75", "3.775"),
        ("PIG1987", "3.95", "3.95"),
        ("(unassigned)", "0.456789", "0.456789"),
    ]
    # the same slice as the track view: Apple Music's share of THE SCALE's fee month
    assert [(r["artist"], r["net_revenue_usd"]) for r in apple["results"]] == [
        ("ZONE A0", "0.551489361702")
    ]


def test_revenue_distributor_and_territory_apis(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    distributors = _get(alice_client, "/api/revenue/distributor")
    june_streams = _get(alice_client, "/api/revenue/distributor", {"end": "2025-06-29"})
    territories = _get(alice_client, "/api/revenue/territory", {"distributor": "toolost"})

    assert distributors["results"] == [
        {"distributor": "distrokid", "revenue_usd": "8.556789", "units": 2900, "streams": 385},
        {"distributor": "toolost", "revenue_usd": "2.60", "units": 650, "streams": 90},
    ]
    assert [row["streams"] for row in june_streams["results"]] == [100, 40]
    assert territories == {
        "results": [{"territory": "US", "revenue_usd": "2.60", "units": 650, "line_count": 2}],
        "as_of": AS_OF,
    }


def test_revenue_monthly_api_adds_the_stream_part_of_expected_revenue(
    alice_client: Any, warehouse: dict[str, object], frozen_today: Any
) -> None:
    body = _get(alice_client, "/api/revenue/monthly")

    # June: Spotify/DistroKid 220 streams x 6.40/1900; YouTube/DistroKid 10 x the label rate
    # 9.956789/3350 (800 YouTube units < 1,000); Spotify/TooLost 90 x 9.00/2550 (650 < 1,000);
    # Apple Music has no streams: run-rate 1.20/2.
    assert body["results"][5] == {
        "month": "2025-06",
        "revenue_usd": "0.00",
        "units": 0,
        "expected_revenue_usd": "1.688421448611",
        "status": "pending",
    }


def test_revenue_ledger_api_lists_months_per_distributor(
    alice_client: Any, warehouse: dict[str, object], frozen_today: Any
) -> None:
    body = _get(
        alice_client,
        "/api/revenue/ledger",
        {"distributor": "distrokid", "start": "2025-02-01", "end": "2025-03-31"},
    )

    # March: Spotify and YouTube reported in January and February are missing; with under 3
    # months of history the usual delay is 3 months, so they were due 2025-06-30 + 10 days.
    assert body == {
        "results": [
            {
                "sale_month": "2025-02",
                "distributor": "distrokid",
                "status": "reported",
                "report_by": "2025-06-10",
                "lines": 4,
                "revenue_usd": "3.606789",
                "expected_revenue_usd": "4.95",
                "missing_platforms": [],
            },
            {
                "sale_month": "2025-03",
                "distributor": "distrokid",
                "status": "late",
                "report_by": "2025-07-10",
                "lines": 0,
                "revenue_usd": "0.00",
                "expected_revenue_usd": "4.2783945",
                "missing_platforms": ["Spotify", "YouTube"],
            },
        ],
        "as_of": AS_OF,
    }


# --- streaming ----------------------------------------------------------------------------------


def test_streaming_daily_and_summary_apis(
    alice_client: Any, warehouse: dict[str, object], django_assert_num_queries: Any
) -> None:
    daily = _get(alice_client, "/api/streaming/daily", {"start": "2025-07-01"})
    # 2 auth + 1 snapshot + 3 (by platform, totals, by distributor)
    with django_assert_num_queries(6):
        summary = _get(alice_client, "/api/streaming/summary")
    empty = _get(alice_client, "/api/streaming/summary", {"start": "2026-01-01"})

    assert daily["results"] == [
        {"date": "2025-07-01", "platform": "Spotify", "distributor": "distrokid", "streams": 150},
        {"date": "2025-07-01", "platform": "YouTube", "distributor": "distrokid", "streams": 5},
    ]
    # 475 streams over 3 distinct dates (7 rows)
    assert summary == {
        "total_streams": 475,
        "by_platform": [
            {"platform": "Spotify", "streams": 460},
            {"platform": "YouTube", "streams": 15},
        ],
        "by_distributor": [
            {"distributor": "distrokid", "streams": 385},
            {"distributor": "toolost", "streams": 90},
        ],
        "daily_average": 158.3333,
        "first_date": "2025-06-29",
        "last_date": "2025-07-01",
        "as_of": AS_OF,
    }
    assert empty == {
        "total_streams": 0,
        "by_platform": [],
        "by_distributor": [],
        "daily_average": 0.0,
        "first_date": None,
        "last_date": None,
        "as_of": AS_OF,
    }


def test_streaming_daily_api_writes_its_rows_as_the_renderers_would(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    # The rows skip the serializer fields: a name with a quote, non-ASCII and U+2028 must still
    # come out exactly as DRF renders the serializer's data, compact, indented and as CSV.
    odd = Platform.objects.create(name='D\u00e9ezer "HiFi"\u2028')
    toolost = Distributor.objects.get(code="toolost")
    DailyStream.objects.create(date=date(2025, 7, 1), platform=odd, distributor=toolost, streams=7)
    expected = {
        "results": [
            {"date": "2025-07-01", "platform": odd.name, "distributor": "toolost", "streams": 7},
            {
                "date": "2025-07-01",
                "platform": "Spotify",
                "distributor": "distrokid",
                "streams": 150,
            },
            {"date": "2025-07-01", "platform": "YouTube", "distributor": "distrokid", "streams": 5},
        ],
        "as_of": AS_OF,
    }
    query = {"start": "2025-07-01"}
    indented = "application/json; indent=2"

    compact = alice_client.get("/api/streaming/daily", query)
    pretty = alice_client.get("/api/streaming/daily", query, HTTP_ACCEPT=indented)
    spreadsheet = alice_client.get("/api/streaming/daily", {**query, "format": "csv"})

    assert compact.content == JSONRenderer().render(expected)
    assert b"\\u2028" in compact.content
    assert pretty.content == JSONRenderer().render(expected, indented)
    assert spreadsheet.content == KpiCsvRenderer().render(expected)


def test_streaming_growth_api_uses_complete_calendar_periods(
    alice_client: Any, warehouse: dict[str, object], frozen_today: Any
) -> None:
    weeks = _get(
        alice_client,
        "/api/streaming/growth",
        {"period": "week", "start": "2025-06-25", "end": "2025-07-06"},
    )
    default_weeks = _get(alice_client, "/api/streaming/growth", {"period": "week"})
    months = _get(alice_client, "/api/streaming/growth", {"period": "month", "start": "2025-06-01"})

    # ISO weeks from Monday: 06-23 week holds 06-29 (140); 06-30 week 335
    assert weeks["results"] == [
        {"period_start": "2025-06-23", "streams": 140, "previous_streams": 0, "growth_rate": 0.0},
        {
            "period_start": "2025-06-30",
            "streams": 335,
            "previous_streams": 140,
            "growth_rate": 1.392857,
        },
    ]
    # 12 complete weeks, the current one (from 07-14) excluded
    assert len(default_weeks["results"]) == 12
    assert default_weeks["results"][-1] == {
        "period_start": "2025-07-07",
        "streams": 0,
        "previous_streams": 335,
        "growth_rate": -1.0,
    }
    # July is the current month, so only June is complete
    assert months["results"] == [
        {"period_start": "2025-06-01", "streams": 320, "previous_streams": 0, "growth_rate": 0.0}
    ]


# --- marketing ----------------------------------------------------------------------------------


CAMPAIGN_111 = {
    "campaign": "PIG1987 - RENEGADE PIPELINE - BROAD",
    "external_id": "111",
    "artist": "PIG1987",
    "track": "RENEGADE PIPELINE",
    "targeting": "BROAD",
}


def test_marketing_campaign_api_sums_the_finest_grain_and_never_sums_reach(
    alice_client: Any, warehouse: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 3 (campaigns, grouped days, lifetime reach)
    with django_assert_num_queries(6):
        body = _get(alice_client, "/api/marketing/campaigns")

    assert body == {
        "results": [
            {
                **CAMPAIGN_111,
                "spend_usd": "15.50",
                "impressions": 1500,
                "clicks": 25,
                "reach": 1100,
                "reach_basis": "lifetime",
                "ctr": 0.016667,
                "cpc_usd": "0.62",
                "cpm_usd": "10.333333333333",
            },
            {
                "campaign": "IWARY - BROAD",
                "external_id": "222",
                "artist": "IWARY",
                "track": None,
                "targeting": "BROAD",
                "spend_usd": "2.00",
                "impressions": 0,
                "clicks": 0,
                "reach": None,
                "reach_basis": "max_daily",
                "ctr": 0.0,
                "cpc_usd": "0.00",
                "cpm_usd": "0.00",
            },
        ],
        "as_of": AS_OF,
    }


def test_marketing_campaign_api_reach_for_a_month_and_for_other_ranges(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    june = _get(
        alice_client, "/api/marketing/campaigns", {"start": "2025-06-01", "end": "2025-06-30"}
    )
    one_day = _get(
        alice_client, "/api/marketing/campaigns", {"start": "2025-06-02", "end": "2025-06-02"}
    )
    nothing = _get(alice_client, "/api/marketing/campaigns", {"artist": "ZONE A0"})

    assert [(r["reach"], r["reach_basis"]) for r in june["results"]] == [(1050, "month")]
    assert one_day["results"] == [
        {
            **CAMPAIGN_111,
            "spend_usd": "5.50",
            "impressions": 500,
            "clicks": 5,
            "reach": 450,
            "reach_basis": "max_daily",
            "ctr": 0.01,
            "cpc_usd": "1.10",
            "cpm_usd": "11.00",
        }
    ]
    assert nothing == {"results": [], "as_of": AS_OF}


def test_marketing_campaign_api_daily_reach_skips_a_grain_without_reach(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    # given campaign 111 on 07-04..05: API ad-set rows A1 reach 800 / 600 (plus A2 300 on
    # 07-04) and campaign rows from an export without a Reach column (reach null)
    broad = Campaign.objects.get(external_id="111")
    for day, grain, adset, spend, reach in [
        (date(2025, 7, 4), "campaign", "", "3.00", None),
        (date(2025, 7, 4), "adset", "A1", "2.00", 800),
        (date(2025, 7, 4), "adset", "A2", "1.00", 300),
        (date(2025, 7, 5), "campaign", "", "1.50", None),
        (date(2025, 7, 5), "adset", "A1", "1.50", 600),
    ]:
        AdPerformanceDaily.objects.create(
            date=day,
            campaign=broad,
            grain=grain,
            adset_id=adset,
            spend_usd=Decimal(spend),
            impressions=100,
            reach=reach,
        )
    both = _get(
        alice_client, "/api/marketing/campaigns", {"start": "2025-07-04", "end": "2025-07-05"}
    )
    july_5 = _get(
        alice_client, "/api/marketing/campaigns", {"start": "2025-07-05", "end": "2025-07-05"}
    )

    # the largest daily reach of the ad-set grain (800 on 07-04), never 800 + 300 nor null;
    # spend and impressions still at the finest grain: 2.00 + 1.00 + 1.50, 3 x 100
    assert [
        (r["external_id"], r["spend_usd"], r["impressions"], r["reach"], r["reach_basis"])
        for r in both["results"]
    ] == [("111", "4.50", 300, 800, "max_daily")]
    assert [(r["reach"], r["reach_basis"]) for r in july_5["results"]] == [(600, "max_daily")]


def test_marketing_artist_api_returns_roas(alice_client: Any, warehouse: dict[str, object]) -> None:
    body = _get(alice_client, "/api/marketing/artists")
    june = _get(alice_client, "/api/marketing/artists", {"start": "2025-06-01"})

    # PIG1987's track earned 3.95 in all sale months: 3.95 / 15.50
    assert body["results"] == [
        {
            "artist": "PIG1987",
            "spend_usd": "15.50",
            "impressions": 1500,
            "clicks": 25,
            "revenue_usd": "3.95",
            "roas": 0.254839,
        },
        {
            "artist": "IWARY",
            "spend_usd": "2.00",
            "impressions": 0,
            "clicks": 0,
            "revenue_usd": "0.00",
            "roas": 0.0,
        },
    ]
    assert june["results"][0]["revenue_usd"] == "0.00"


# --- audience -----------------------------------------------------------------------------------


def _scale_campaign(warehouse: dict[str, object]) -> None:
    """ZONE A0 - THE SCALE - FANS: 2.00 on 2025-02-10 and 3.00 on 2025-02-14."""
    fans = Campaign.objects.create(
        external_id="333",
        name="ZONE A0 - THE SCALE - FANS",
        artist=warehouse["zone"],
        track=warehouse["scale"],
        targeting="FANS",
    )
    for day, spend in [(date(2025, 2, 10), "2.00"), (date(2025, 2, 14), "3.00")]:
        AdPerformanceDaily.objects.create(
            date=day, campaign=fans, grain="campaign", spend_usd=Decimal(spend)
        )


def _submission(key: str, track: Any, title: str, status: str, day: date, **fields: Any) -> None:
    Submission.objects.create(
        submission_key=key,
        submitted_on=day,
        track=track,
        artist=track.artist if track else None,
        track_title=title,
        artist_name=track.artist.name if track else "someone",
        status=status,
        **fields,
    )


def test_marketing_release_api_attributes_revenue_per_track(
    alice_client: Any, warehouse: dict[str, object], frozen_today: Any
) -> None:
    _scale_campaign(warehouse)
    renegade = Track.objects.get(title="RENEGADE PIPELINE")
    for day, streams in [(date(2025, 6, 1), 100), (date(2025, 6, 30), 50), (date(2025, 7, 1), 9)]:
        SongStreamDaily.objects.create(
            account="pig1987", song_key="renegade", date=day, track=renegade, streams=streams
        )
    _submission("s1", renegade, "Renegade Pipeline", "approved", date(2025, 6, 10), cost_usd=3)
    _submission("s2", renegade, "Renegade Pipeline", "declined", date(2025, 7, 5), cost_usd=1)
    # The track came out as a single, then on an album: the row names the single.
    album = Release.objects.create(
        title="Pipelines", release_date=date(2025, 9, 1), release_type="album"
    )
    single = Release.objects.create(
        title="Renegade Pipeline", release_date=date(2025, 3, 1), release_type="single"
    )
    album.tracks.add(renegade)
    single.tracks.add(renegade)

    body = _get(alice_client, "/api/marketing/releases")

    # Reported sale months: 2025-01 and 2025-02 only. RENEGADE PIPELINE (3.95 over those two
    # months) spends on 06-01 and 06-02: attribution 06-01..06-30 and baseline 05-02..05-31 use
    # its run-rate (2.35 + 1.60) / 2 = 1.975 a month, pro-rated: June 1.975, May 30/31 of it.
    # THE SCALE spends 02-10 and 02-14: attribution 02-10..03-14 = 19/28 of February's 2.80 +
    # 14/31 of March's run-rate (4.70 + 2.80) / 2; baseline 01-08..02-09 = 24/31 of 4.70 +
    # 9/28 of 2.80. IWARY's campaign has no track: artist level only.
    assert body == {
        "window_days": 28,
        "results": [
            {
                "track": "RENEGADE PIPELINE",
                "artist": "PIG1987",
                "release": "Renegade Pipeline",
                "release_type": "single",
                "campaigns": ["PIG1987 - RENEGADE PIPELINE - BROAD"],
                "spend_usd": "15.50",
                "attribution_start": "2025-06-01",
                "attribution_end": "2025-06-30",
                "attributed_revenue_usd": "1.975",
                "baseline_revenue_usd": "1.911290322581",
                "roas": 0.127419,
                "incremental_roas": 0.00411,
                "status": "provisional",
                "s4a_streams": 150,
                "cost_per_stream_usd": "0.103333333333",
                "other_promo_usd": "3.00",
            },
            {
                "track": "THE SCALE",
                "artist": "ZONE A0",
                "release": None,
                "release_type": None,
                "campaigns": ["ZONE A0 - THE SCALE - FANS"],
                "spend_usd": "5.00",
                "attribution_start": "2025-02-10",
                "attribution_end": "2025-03-14",
                "attributed_revenue_usd": "3.593548387097",
                "baseline_revenue_usd": "4.538709677419",
                "roas": 0.71871,
                "incremental_roas": -0.189032,
                "status": "provisional",
                "s4a_streams": None,
                "cost_per_stream_usd": None,
                "other_promo_usd": "0.00",
            },
        ],
        "as_of": AS_OF,
    }


def test_marketing_release_api_window_parameter_and_default(
    alice_client: Any, warehouse: dict[str, object], frozen_today: Any
) -> None:
    _scale_campaign(warehouse)

    none = _get(alice_client, "/api/marketing/releases", {"window": "0", "artist": "ZONE A0"})
    KpiSetting.objects.filter(name="attribution_window_days").update(value=0)
    KpiSetting.objects.get(name="attribution_window_days").save()  # an admin edit
    default = _get(alice_client, "/api/marketing/releases", {"artist": "ZONE A0"})
    bad = alice_client.get("/api/marketing/releases", {"window": "14"})

    # window 0: 02-10..02-14 and 02-05..02-09, both 5/28 of February's 2.80, all reported
    expected = {
        "window_days": 0,
        "results": [
            {
                "track": "THE SCALE",
                "artist": "ZONE A0",
                "release": None,
                "release_type": None,
                "campaigns": ["ZONE A0 - THE SCALE - FANS"],
                "spend_usd": "5.00",
                "attribution_start": "2025-02-10",
                "attribution_end": "2025-02-14",
                "attributed_revenue_usd": "0.50",
                "baseline_revenue_usd": "0.50",
                "roas": 0.1,
                "incremental_roas": 0.0,
                "status": "final",
                "s4a_streams": None,
                "cost_per_stream_usd": None,
                "other_promo_usd": "0.00",
            }
        ],
        "as_of": AS_OF,
    }
    assert none == expected
    assert default == expected
    assert bad.status_code == 400
    assert bad.json() == {"window": ['"14" is not a valid choice.']}


def test_marketing_submithub_api_sums_outcomes_per_track(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    renegade = Track.objects.get(title="RENEGADE PIPELINE")
    _submission("s1", renegade, "Renegade", "approved", date(2025, 6, 10), shares=2, cost_usd=3)
    _submission("s2", renegade, "Renegade", "declined", date(2025, 7, 5), shares=0, cost_usd=1)
    _submission("s3", renegade, "Renegade", "pending", date(2025, 7, 6), cost_usd=1)
    _submission("s4", None, "New Song", "approved", date(2025, 6, 3), shares=0, cost_usd=2)

    body = _get(alice_client, "/api/marketing/submithub")
    july = _get(alice_client, "/api/marketing/submithub", {"start": "2025-07-01"})

    # approval rate: approved / submissions with an outcome (the pending one is not judged)
    assert body == {
        "results": [
            {
                "track": "RENEGADE PIPELINE",
                "artist": "PIG1987",
                "submissions": 3,
                "approved": 1,
                "approval_rate": 0.5,
                "shares": 2,
                "cost_usd": "5.00",
                "cost_per_share_usd": "2.50",
            },
            {
                "track": "New Song",
                "artist": "someone",
                "submissions": 1,
                "approved": 1,
                "approval_rate": 1.0,
                "shares": 0,
                "cost_usd": "2.00",
                "cost_per_share_usd": "0.00",
            },
        ],
        "as_of": AS_OF,
    }
    assert [(r["submissions"], r["approval_rate"], r["cost_usd"]) for r in july["results"]] == [
        (2, 0.0, "2.00")
    ]


def test_audience_mailchimp_api_sums_campaigns_and_takes_the_latest_members(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    for key, sent_on, opens, clicks, unsubscribed in [
        ("c1", datetime(2025, 6, 5, 15, 0, tzinfo=UTC), 250, 40, 3),
        ("c2", datetime(2025, 7, 2, 15, 0, tzinfo=UTC), 150, 10, 1),
    ]:
        EmailCampaign.objects.create(
            campaign_id=key,
            list_id="L1",
            send_time=sent_on,
            emails_sent=1000,
            unique_opens=opens,
            unique_clicks=clicks,
            unsubscribed=unsubscribed,
        )
    ListMonthly.objects.create(list_id="L1", month=date(2025, 6, 1), subscribed=20)
    ListMonthly.objects.create(list_id="L1", month=date(2025, 7, 1), subscribed=5)
    ListSnapshot.objects.create(list_id="L1", captured_on=date(2025, 6, 30), member_count=1200)
    ListSnapshot.objects.create(list_id="L1", captured_on=date(2025, 7, 15), member_count=1210)

    body = _get(alice_client, "/api/audience/mailchimp")
    june = _get(
        alice_client, "/api/audience/mailchimp", {"start": "2025-06-01", "end": "2025-06-30"}
    )

    assert body == {
        "results": [
            {
                "list_id": "L1",
                "campaigns": 2,
                "emails_sent": 2000,
                "unique_opens": 400,
                "unique_clicks": 50,
                "unsubscribed": 4,
                "open_rate": 0.2,
                "click_rate": 0.025,
                "subscribed": 25,
                "members": 1210,
                "members_on": "2025-07-15",
            }
        ],
        "as_of": AS_OF,
    }
    assert june["results"][0] == {
        "list_id": "L1",
        "campaigns": 1,
        "emails_sent": 1000,
        "unique_opens": 250,
        "unique_clicks": 40,
        "unsubscribed": 3,
        "open_rate": 0.25,
        "click_rate": 0.04,
        "subscribed": 20,
        "members": 1200,
        "members_on": "2025-06-30",
    }


def test_audience_tiktok_api_sums_and_takes_the_latest_followers(
    alice_client: Any, warehouse: dict[str, object], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 3 (account artists, sums, latest followers)
    with django_assert_num_queries(6):
        body = _get(alice_client, "/api/audience/tiktok")
    until_june_2 = _get(
        alice_client, "/api/audience/tiktok", {"end": "2025-06-02", "account": "zonea0"}
    )
    june_3 = _get(
        alice_client, "/api/audience/tiktok", {"start": "2025-06-03", "artist": "zone a0"}
    )

    zonea0 = {
        "account": "zonea0",
        "artist": "ZONE A0",
        "video_views": 1500,
        "profile_views": 70,
        "likes": 140,
        "comments": 14,
        "shares": 6,
        "engagement_rate": 0.106667,
        "followers": 5100,
    }
    assert body["results"] == [
        {
            "account": "pig1987",
            "artist": None,
            "video_views": 10,
            "profile_views": 0,
            "likes": 1,
            "comments": 0,
            "shares": 0,
            "engagement_rate": 0.1,
            "followers": None,
        },
        zonea0,
    ]
    assert until_june_2["results"] == [{**zonea0, "followers": 5000}]
    assert june_3["results"] == [
        {
            **zonea0,
            "video_views": 0,
            "profile_views": 0,
            "likes": 0,
            "comments": 0,
            "shares": 0,
            "engagement_rate": 0.0,
        }
    ]


def test_audience_tiktok_api_takes_followers_from_snapshots(
    alice_client: Any, warehouse: dict[str, object], django_assert_num_queries: Any
) -> None:
    # given a Studio-only July for zonea0 (daily rows without a followers total) and follower
    # snapshots on 07-05 (1500), 07-09 (1600) and 07-12 (1700, after the range); a snapshot on
    # 06-03 (5150) the same day as the daily total 5100; pig1987 only a snapshot (77) on 06-01
    for day in (date(2025, 7, 7), date(2025, 7, 8), date(2025, 7, 9)):
        SocialDaily.objects.create(platform="tiktok", account="zonea0", date=day, views=100)
    for account, day, followers in [
        ("zonea0", date(2025, 6, 3), 5150),
        ("zonea0", date(2025, 7, 5), 1500),
        ("zonea0", date(2025, 7, 9), 1600),
        ("zonea0", date(2025, 7, 12), 1700),
        ("zonea0", date(2025, 7, 10), None),
        ("pig1987", date(2025, 6, 1), 77),
    ]:
        FollowerSnapshot.objects.create(
            platform="tiktok", account=account, captured_on=day, followers=followers
        )
    # 2 auth + 1 snapshot + 3 (account artists, sums, latest followers: days and snapshots
    # united in one query)
    with django_assert_num_queries(6):
        july = _get(
            alice_client, "/api/audience/tiktok", {"start": "2025-07-07", "end": "2025-07-09"}
        )
    until_july_8 = _get(
        alice_client, "/api/audience/tiktok", {"start": "2025-07-07", "end": "2025-07-08"}
    )
    june_3 = _get(alice_client, "/api/audience/tiktok", {"end": "2025-06-03"})
    june_2 = _get(alice_client, "/api/audience/tiktok", {"end": "2025-06-02"})

    assert [(r["account"], r["video_views"], r["followers"]) for r in july["results"]] == [
        ("zonea0", 300, 1600)
    ]
    assert [r["followers"] for r in until_july_8["results"]] == [1500]
    # the snapshot wins over the daily total of the same day; before it, the daily total
    assert [(r["account"], r["followers"]) for r in june_3["results"]] == [
        ("pig1987", 77),
        ("zonea0", 5150),
    ]
    assert [(r["account"], r["followers"]) for r in june_2["results"]] == [
        ("pig1987", 77),
        ("zonea0", 5000),
    ]


def test_audience_spotify_and_linktree_apis(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    spotify = _get(alice_client, "/api/audience/spotify")
    june_1 = _get(alice_client, "/api/audience/spotify", {"end": "2025-06-01", "artist": "ZONE A0"})
    linktree = _get(alice_client, "/api/audience/linktree")
    empty = _get(alice_client, "/api/audience/linktree", {"start": "2026-01-01"})

    assert spotify["results"] == [
        {
            "artist": "PIG1987",
            "account": "pig1987",
            "date": "2025-06-01",
            "listeners": 50,
            "streams": 60,
            "followers": 400,
        },
        {
            "artist": "ZONE A0",
            "account": "zonea0",
            "date": "2025-06-02",
            "listeners": 110,
            "streams": 160,
            "followers": 905,
        },
    ]
    assert [row["followers"] for row in june_1["results"]] == [900]
    assert linktree == {
        "total_views": 100,
        "total_clicks": 32,
        "click_through_rate": 0.32,
        "results": [
            {"date": "2025-06-01", "views": 100, "clicks": 30},
            {"date": "2025-06-02", "views": 0, "clicks": 2},
        ],
        "as_of": AS_OF,
    }
    assert empty == {
        "total_views": 0,
        "total_clicks": 0,
        "click_through_rate": 0.0,
        "results": [],
        "as_of": AS_OF,
    }


def test_audience_tiktok_lag_api_needs_90_overlapping_days(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    body = _get(alice_client, "/api/audience/tiktok-lag", {"account": "zonea0"})

    assert body == {
        "account": "zonea0",
        "artist": "ZONE A0",
        "status": "insufficient_data",
        "best_lag_days": None,
        "overlap_days": 2,
        "results": [],
        "as_of": AS_OF,
    }


# --- CSV ----------------------------------------------------------------------------------------


def test_kpi_list_api_exports_csv_with_bom_and_formula_escaping(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    warehouse["broad"].override_targeting = "=HYPERLINK(1)"  # type: ignore[attr-defined]
    warehouse["broad"].save()  # type: ignore[attr-defined]

    response = alice_client.get(
        "/api/marketing/campaigns", {"format": "csv", "start": "2025-06-02", "end": "2025-06-02"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="bedrot_marketing_campaigns_2025-06-02_2025-06-02.csv"'
    )
    assert response.content.decode("utf-8") == (
        "\ufeffcampaign,external_id,artist,track,targeting,spend_usd,impressions,clicks,reach,"
        "reach_basis,ctr,cpc_usd,cpm_usd\r\n"
        "PIG1987 - RENEGADE PIPELINE - BROAD,111,PIG1987,RENEGADE PIPELINE,'=HYPERLINK(1),"
        "5.50,500,5,450,max_daily,0.01,1.10,11.00\r\n"
    )


def test_kpi_list_api_csv_keeps_negative_numbers(
    alice_client: Any, warehouse: dict[str, object]
) -> None:
    body = alice_client.get("/api/revenue/track", {"format": "csv", "platform": "YouTube"})

    lines = body.content.decode("utf-8").splitlines()
    assert lines[-1] == "THE SOURCE,QZTEST000002,ZONE A0,-0.25,0,-0.125"


# --- goals --------------------------------------------------------------------------------------


def test_kpi_goal_api_measures_each_goal(
    alice_client: Any, warehouse: dict[str, object], frozen_today: Any
) -> None:
    body = _get(alice_client, "/api/kpis/goals")

    # revenue: February, the latest reported month; streams: July to date (150 + 5) against
    # 20/31 of the target; followers: 905 + 400
    assert body == {
        "results": [
            {
                "goal": "monthly_revenue",
                "unit": "usd",
                "target": "500.00",
                "current": "4.606789",
                "progress": 0.009214,
                "status": "at_risk",
            },
            {
                "goal": "monthly_streams",
                "unit": "streams",
                "target": 200000,
                "current": 155,
                "progress": 0.000775,
                "status": "at_risk",
            },
            {
                "goal": "spotify_followers",
                "unit": "followers",
                "target": 10000,
                "current": 1305,
                "progress": 0.1305,
                "status": "at_risk",
            },
        ],
        "as_of": AS_OF,
    }


@pytest.mark.parametrize(
    ("goal", "target", "progress", "status"),
    [
        ("spotify_followers", "1305", 1.0, "achieved"),
        ("spotify_followers", "1500", 0.87, "on_track"),
        ("spotify_followers", "2000", 0.6525, "behind"),
        # 155 streams in 20 of 31 days: pace ratio 155 / (300 * 20/31) = 0.80
        ("monthly_streams", "300", 0.516667, "on_track"),
        ("monthly_revenue", "4", 1.0, "achieved"),
    ],
)
def test_kpi_goal_api_follows_an_edited_target(
    alice_client: Any,
    warehouse: dict[str, object],
    frozen_today: Any,
    goal: str,
    target: str,
    progress: float,
    status: str,
) -> None:
    _get(alice_client, "/api/kpis/goals")  # cached before the edit
    Goal.objects.filter(name=goal).update(target=target)
    Goal.objects.get(name=goal).save()  # an admin save: invalidates cached KPIs

    rows = {row["goal"]: row for row in _get(alice_client, "/api/kpis/goals")["results"]}

    assert (rows[goal]["progress"], rows[goal]["status"]) == (progress, status)


# --- alerts -------------------------------------------------------------------------------------


def test_alerts_refresh_finds_drops_and_late_statements_once(
    alice_client: Any, warehouse: dict[str, object], frozen_today: Any
) -> None:
    first = alerts_refresh()
    again = alerts_refresh()

    assert (len(first), again) == (3, [])
    assert sorted(Alert.objects.values_list("type", "subject", "period", "severity")) == [
        ("late_statement", "distrokid", "2025-03", "warning"),
        ("late_statement", "toolost", "2025-03", "warning"),
        ("streaming", "label", "2025-W28", "warning"),
    ]
    body = _get(alice_client, "/api/kpis/alerts", {"type": "streaming"})
    assert body == {
        "results": [
            {
                "id": Alert.objects.get(type="streaming").pk,
                "type": "streaming",
                "subject": "label",
                "period": "2025-W28",
                "severity": "warning",
                "message": (
                    "Streams in the week of 2025-07-07 fell 100.0% to 0 from 335 the week before."
                ),
                "created_at": "2025-07-20T12:00:00Z",
                "acknowledged": False,
                "acknowledged_at": None,
            }
        ],
        "as_of": AS_OF,
    }


def test_alerts_refresh_escalates_late_statements_and_reads_thresholds(
    warehouse: dict[str, object], frozen_today: Any
) -> None:
    AlertRule.objects.filter(name="revenue_swing_usd").update(threshold="1.00")
    AlertRule.objects.filter(name="streaming_drop_fraction").update(is_enabled=False)
    alerts_refresh()

    # 30 days after the 2025-07-10 report-by date, the same alert rises to high
    frozen_today.move_to(datetime(2025, 8, 10, 12, 0, tzinfo=UTC))
    alerts_refresh()

    revenue = Alert.objects.get(type="revenue")
    assert (revenue.period, revenue.severity, revenue.message) == (
        "2025-02",
        "high",
        "Revenue down 1.943211 USD: 2025-02 4.606789 USD vs 2025-01 6.55 USD.",
    )
    assert not Alert.objects.filter(type="streaming").exists()
    assert (
        Alert.objects.get(type="late_statement", subject="distrokid", period="2025-03").severity
        == "high"
    )


def test_kpi_alert_acknowledge_api_marks_the_alert_once(
    alice_client: Any, alice: Any, warehouse: dict[str, object], frozen_today: Any
) -> None:
    alerts_refresh()
    alert = Alert.objects.get(type="streaming")

    response = alice_client.post(f"/api/kpis/alerts/{alert.pk}/acknowledge")
    frozen_today.shift(3600)
    again = alice_client.post(f"/api/kpis/alerts/{alert.pk}/acknowledge")
    missing = alice_client.post("/api/kpis/alerts/999999/acknowledge")
    alerts_refresh()  # a refresh keeps the acknowledgement

    assert response.status_code == 200
    assert response.json()["acknowledged"] is True
    assert again.json()["acknowledged_at"] == "2025-07-20T12:00:00Z"
    assert missing.status_code == 404
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.is_acknowledged) == (alice, True)
    open_alerts = _get(alice_client, "/api/kpis/alerts", {"acknowledged": "false"})
    assert [row["type"] for row in open_alerts["results"]] == ["late_statement", "late_statement"]
