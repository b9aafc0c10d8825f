"""The audience page's TikTok lag view (SPEC 5.3.5), the streaming page's cross-source Spotify
check (SPEC 4.5/5.6) and the overview's freshness strip and pipeline card (SPEC 5.6, 6.2).

The page warehouse (apps/kpis/tests/page_warehouse.py) is the fixture; the clock is frozen at
2025-07-20 12:00 UTC.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from apps.kpis.tests.factories import WarehouseLoadFactory
from apps.kpis.tests.page_warehouse import page_warehouse_create
from apps.lake.models import FileStatus, LakeFile
from apps.warehouse.models import AudienceDaily, SocialDaily
from apps.warehouse.validation import check_cross_source_spotify

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def warehouse() -> dict[str, Any]:
    return page_warehouse_create()


@pytest.fixture
def frozen_today() -> Any:
    with time_machine.travel(datetime(2025, 7, 20, 12, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _text(html: str) -> str:
    html = re.sub(r"<(script|canvas)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _section(html: str, element_id: str) -> str:
    match = re.search(rf'<section id="{element_id}".*?</section>', html, re.DOTALL)
    assert match, f"no section {element_id}"
    return _text(match.group(0))


def _csv(response: Any) -> list[str]:
    assert response.status_code == 200
    return response.content.decode("utf-8-sig").split("\r\n")


# --- TikTok lag view --------------------------------------------------------------------------


def test_lag_view_says_when_there_is_too_little_overlap(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/audience/").content.decode()

    assert _section(html, "lag-summary").startswith(
        "TikTok account zonea0 artist: ZONE A0 Best lag — views lead streams by this many days "
        "Correlation at the best lag — Overlapping days 2 at least 90 needed "
        "Correlation is not causation."
    )
    assert _section(html, "table-lag").endswith(
        "Not enough data: 2 days with both TikTok views and S4A streams of the artist; the "
        "correlation needs 90."
    )
    # the daily context: views, the artist's S4A streams and the Meta spend of that day
    assert _section(html, "table-lag-daily").endswith(
        "2025-06-29 1,000 500 10.00 2025-06-30 2,000 550 5.50"
    )
    assert '<option value="zonea0" selected>zonea0</option>' in html


def _lagged_audience(zone: Any, *, days: int, lag: int) -> None:
    """`days` days of TikTok views, and S4A streams that repeat them `lag` days later (half, plus
    100): a perfect linear relation at that lag."""
    first = date(2025, 3, 1)
    views = [(n * 37 % 101) * 10 for n in range(days + lag)]
    SocialDaily.objects.filter(platform="tiktok").delete()
    AudienceDaily.objects.all().delete()
    SocialDaily.objects.bulk_create(
        SocialDaily(platform="tiktok", account="zonea0", date=first + timedelta(days=n), views=v)
        for n, v in enumerate(views[:days])
    )
    AudienceDaily.objects.bulk_create(
        AudienceDaily(
            account="zonea0",
            artist=zone,
            date=first + timedelta(days=n + lag),
            streams=views[n] // 2 + 100,
        )
        for n in range(days)
    )


def test_lag_view_shows_the_api_correlations_and_exports_them(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    _lagged_audience(warehouse["zone"], days=120, lag=7)

    html = alice_client.get("/audience/?lag_account=zonea0").content.decode()
    api = alice_client.get("/api/audience/tiktok-lag", {"account": "zonea0"}).json()
    export = _csv(alice_client.get("/audience/?format=csv&table=lag&lag_account=zonea0"))

    assert (api["status"], api["best_lag_days"], api["overlap_days"]) == ("ok", 7, 113)
    summary = _section(html, "lag-summary")
    assert "Best lag 7 days" in summary
    assert "Correlation at the best lag 1.000" in summary
    assert "Overlapping days 113" in summary
    assert export[0] == "Lag (days),Correlation"
    assert len(export) == 1 + 85 + 1  # header, lags 0..84, the final line end
    # the CSV holds exactly the API's figures
    assert export[1:-1] == [
        f"{row['lag_days']},{'' if row['correlation'] is None else repr(row['correlation'])}"
        for row in api["results"]
    ]
    assert export[8] == "7,1.0"


def test_lag_view_refreshes_as_a_fragment_with_the_chosen_account(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    response = alice_client.get("/audience/?fragment=lag_daily&lag_account=zonea0", **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="table-lag-daily"')
    assert 'hx-get="/audience/?fragment=lag_daily&amp;lag_account=zonea0"' in html
    assert 'data-datasets="tiktok spotify_audience meta"' in html


# --- cross-source Spotify check -----------------------------------------------------------------


def test_streaming_page_shows_the_cross_source_check_day_by_day(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/streaming/").content.decode()
    export = _csv(alice_client.get("/streaming/?format=csv&table=cross_source"))

    # distributors: 1000, 1200 + 200, 900 + 250; S4A: -, 500, 550
    assert "3 days: 0 ok, 0 note, 2 investigate, 1 without S4A figures." in _section(
        html, "table-cross-source"
    )
    assert _section(html, "table-cross-source").endswith(
        "2025-06-28 1,000 — — — no_s4a "
        "2025-06-29 1,400 500 900 64.3 % investigate "
        "2025-06-30 1,150 550 600 52.2 % investigate"
    )
    assert export == [
        "Date,Distributors (Spotify),Spotify for Artists,Difference,Gap,Check",
        "2025-06-28,1000,,,,no_s4a",
        "2025-06-29,1400,500,900,0.642857,investigate",
        "2025-06-30,1150,550,600,0.521739,investigate",
        "",
    ]
    # the same days the warehouse validation report asks to investigate
    assert check_cross_source_spotify()["details"]["investigate"] == [
        "2025-06-29 64.3%",
        "2025-06-30 52.2%",
    ]


def test_cross_source_check_is_label_wide_but_follows_the_dates(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get(
        "/streaming/?distributor=toolost&start=2025-06-29&end=2025-06-29", **HTMX
    ).content.decode()

    # both distributors, whatever the distributor filter; only the days asked for
    assert _section(html, "table-cross-source").endswith(
        "2025-06-29 1,400 500 900 64.3 % investigate"
    )


# --- overview: freshness strip and pipeline status ----------------------------------------------


def _data_file(number: int, source: str, period_end: date, status: str = FileStatus.LOADED) -> None:
    LakeFile.objects.create(
        source=source,
        account="zonea0",
        original_name=f"{source}.csv",
        landing_key=f"landing/{source}/{number}",
        sha256=f"{number:064d}",
        size_bytes=1,
        status=status,
        period_end=period_end,
    )


def test_overview_freshness_strip_reads_the_health_scoring(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    _data_file(1, "spotify", date(2025, 7, 19))  # 1 day old: within the 2-day cadence
    _data_file(2, "tiktok", date(2025, 7, 10))  # 10 days old: stale
    _data_file(3, "linktree", date(2025, 7, 19), status=FileStatus.QUARANTINED)

    html = alice_client.get("/").content.decode()
    health = alice_client.get("/api/health/").json()

    strip = _section(html, "freshness-strip")
    assert "spotify fresh audience 2025-07-19 (1 d)" in strip
    assert "tiktok stale analytics 2025-07-10 (10 d)" in strip
    assert "linktree no data no data yet" in strip
    assert "youtube not configured" in strip
    ages = {row["service"]: row["freshness_days"] for row in health["results"]}
    assert (ages["spotify"], ages["tiktok"]) == (1, 10)
    # the pipeline card says what /api/health/ says
    assert f"Pipeline status {health['overall_status']} 3 sources scored" in _section(
        html, "revenue-cards"
    )


def test_overview_freshness_strip_is_its_own_live_fragment(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    response = alice_client.get("/?fragment=freshness", **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="freshness-strip"')
    assert 'hx-trigger="bedrot:refresh" data-datasets=""' in html
    assert 'href="/health/#source-distrokid"' in html


def test_lag_daily_chart_keeps_every_calendar_day_and_leaves_missing_figures_as_gaps(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    SocialDaily.objects.create(
        platform="tiktok", account="zonea0", date=date(2025, 6, 27), views=700
    )

    html = alice_client.get("/audience/").content.decode()

    match = re.search(
        r'<script id="table-lag-daily-chart-data" type="application/json">(.*?)</script>', html
    )
    assert match
    assert json.loads(match.group(1)) == {
        "labels": ["2025-06-27", "2025-06-28", "2025-06-29", "2025-06-30"],
        "series": [
            {"label": "TikTok views", "data": [700, None, 1000, 2000]},
            {"label": "S4A streams", "data": [None, None, 500, 550], "axis": "y2"},
            {
                "label": "Meta spend (USD)",
                "type": "bar",
                "data": [None, None, "10.00", "5.50"],
                "axis": "spend",
            },
        ],
    }


def test_overview_freshness_follows_the_next_warehouse_load(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    _data_file(1, "spotify", date(2025, 7, 10))
    before = _section(
        alice_client.get("/?fragment=freshness", **HTMX).content.decode(), "freshness-strip"
    )
    _data_file(2, "spotify", date(2025, 7, 19))
    WarehouseLoadFactory(
        finished_at=datetime(2025, 7, 20, 11, 0, tzinfo=UTC),
        started_at=datetime(2025, 7, 20, 10, 59, tzinfo=UTC),
    )
    after = _section(
        alice_client.get("/?fragment=freshness", **HTMX).content.decode(), "freshness-strip"
    )

    assert "spotify stale audience 2025-07-10 (10 d)" in before
    assert "spotify fresh audience 2025-07-19 (1 d)" in after
