"""Meta spend known only as an Ads Manager period report (no `Day` column) counts in the
marketing views, once: SPEC 2.5 keeps the window whole, SPEC 5.2 sums at the finest grain.

On the small KPI label (factories.label_statements_create):
- "ZONE A0 - THE SCALE - COLD OPEN" (-> THE SCALE) is known only from period rows: January
  2025 at campaign grain 20.00 / 4000 impressions / 100 clicks / reach 3000 plus its two ad sets
  12.00 + 8.00 (the same delivery, finer), and a lifetime window Jan 1 - Feb 28 of 20.00 with
  reach 3100 that overlaps January.
- "PIG1987 - RENEGADE PIPELINE - BROAD" (-> RENEGADE PIPELINE) has daily rows Feb 1 (5.00 /
  500 / 10) and Feb 2 (3.00 / 300 / 6) and a February period row of 8.00 / 800 / 16 repeating
  them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from apps.kpis import selectors
from apps.kpis.filters import RevenueFilters
from apps.kpis.tests.factories import label_statements_create
from apps.warehouse.models import (
    AdPerformanceDaily,
    AdPerformancePeriod,
    Artist,
    Campaign,
    Track,
)

pytestmark = pytest.mark.django_db

JAN_1, JAN_31, FEB_1, FEB_2, FEB_28 = (
    date(2025, 1, 1),
    date(2025, 1, 31),
    date(2025, 2, 1),
    date(2025, 2, 2),
    date(2025, 2, 28),
)
COLD_OPEN = "ZONE A0 - THE SCALE - COLD OPEN"
BROAD = "PIG1987 - RENEGADE PIPELINE - BROAD"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def ads() -> None:
    label_statements_create()
    cold_open = Campaign.objects.create(
        external_id="120210987654321004",
        name=COLD_OPEN,
        artist=Artist.objects.get(name="ZONE A0"),
        track=Track.objects.get(title="THE SCALE"),
    )
    for start, end, grain, adset, spend, impressions, clicks, reach in [
        (JAN_1, JAN_31, "campaign", "", "20.00", 4000, 100, 3000),
        (JAN_1, JAN_31, "adset", "A1", "12.00", 2500, 60, 1900),
        (JAN_1, JAN_31, "adset", "A2", "8.00", 1500, 40, 1200),
        (JAN_1, FEB_28, "campaign", "", "20.00", 4000, 100, 3100),
    ]:
        AdPerformancePeriod.objects.create(
            campaign=cold_open,
            period_start=start,
            period_end=end,
            grain=grain,
            adset_id=adset,
            spend_usd=Decimal(spend),
            impressions=impressions,
            clicks=clicks,
            reach=reach,
        )
    broad = Campaign.objects.create(
        external_id="111",
        name=BROAD,
        artist=Artist.objects.get(name="PIG1987"),
        track=Track.objects.get(title="RENEGADE PIPELINE"),
    )
    for day, spend, impressions, clicks in [(FEB_1, "5.00", 500, 10), (FEB_2, "3.00", 300, 6)]:
        AdPerformanceDaily.objects.create(
            date=day,
            campaign=broad,
            grain="campaign",
            spend_usd=Decimal(spend),
            impressions=impressions,
            clicks=clicks,
        )
    AdPerformancePeriod.objects.create(
        campaign=broad,
        period_start=FEB_1,
        period_end=FEB_28,
        grain="campaign",
        spend_usd=Decimal("8.00"),
        impressions=800,
        clicks=16,
    )


def _campaigns(filters: RevenueFilters) -> dict[str, selectors.CampaignRow]:
    rows = selectors.marketing_campaign_list(filters=filters).results
    return {row.campaign: row for row in rows}


@pytest.mark.usefixtures("ads")
def test_a_period_only_campaign_counts_its_finest_grain_once() -> None:
    # when the campaigns are listed with no range
    rows = _campaigns(RevenueFilters())
    # then the period-only campaign shows its January ad sets' sums, not 20 + 20 + 20
    cold = rows[COLD_OPEN]
    assert (cold.spend_usd, cold.impressions, cold.clicks) == (Decimal("20.00"), 4000, 100)
    assert (cold.reach, cold.reach_basis) == (3100, "lifetime")
    assert (cold.ctr, cold.cpc_usd, cold.cpm_usd) == (0.025, Decimal("0.20"), Decimal("5.00"))
    # and the campaign with days counts them only, never its February window on top
    broad = rows[BROAD]
    assert (broad.spend_usd, broad.impressions, broad.clicks) == (Decimal("8.00"), 800, 16)


@pytest.mark.usefixtures("ads")
def test_a_window_counts_only_inside_the_range() -> None:
    # when the range cuts January's window, only the days in range count
    rows = _campaigns(RevenueFilters(start_date=date(2025, 1, 10), end_date=FEB_28))
    assert list(rows) == [BROAD]
    # and when the range is January, the January window counts
    january = _campaigns(RevenueFilters(start_date=JAN_1, end_date=JAN_31))
    assert list(january) == [COLD_OPEN]
    assert january[COLD_OPEN].spend_usd == Decimal("20.00")
    assert (january[COLD_OPEN].reach, january[COLD_OPEN].reach_basis) == (3000, "month")


@pytest.mark.usefixtures("ads")
def test_artist_roas_counts_period_spend() -> None:
    rows = {
        row.artist: row for row in selectors.marketing_artist_list(filters=RevenueFilters()).results
    }
    # ZONE A0 earned 4.20 (Jan) + 2.55 (Feb) = 6.75 on 20.00; PIG1987 3.95 on 8.00
    zone, pig = rows["ZONE A0"], rows["PIG1987"]
    assert (zone.spend_usd, zone.revenue_usd, zone.roas) == (
        Decimal("20.00"),
        Decimal("6.75"),
        0.3375,
    )
    assert (pig.spend_usd, pig.revenue_usd, pig.roas) == (Decimal("8.00"), Decimal("3.95"), 0.49375)


@pytest.mark.usefixtures("ads")
def test_release_roas_counts_period_spend_over_its_window() -> None:
    rows = selectors.marketing_release_list(
        filters=RevenueFilters(), window_days=0, today=date(2025, 7, 1)
    ).results
    rows_by_track = {row.track: row for row in rows}
    # THE SCALE: the January window is its spend period; January earned 3.50 + 1.20 = 4.70
    scale = rows_by_track["THE SCALE"]
    assert scale.campaigns == [COLD_OPEN]
    assert (scale.spend_usd, scale.attribution_start, scale.attribution_end) == (
        Decimal("20.00"),
        JAN_1,
        JAN_31,
    )
    assert (scale.attributed_revenue_usd.quantize(Decimal("0.01")), scale.roas) == (
        Decimal("4.70"),
        0.235,
    )
    # RENEGADE PIPELINE: its two spend days only (Feb 1-2, not the February window), 2/28 of
    # February's 1.60 = 0.114286 on 8.00
    pipeline = rows_by_track["RENEGADE PIPELINE"]
    assert (pipeline.spend_usd, pipeline.attribution_start, pipeline.attribution_end) == (
        Decimal("8.00"),
        FEB_1,
        FEB_2,
    )
    assert pipeline.roas == 0.014286


def test_demo_cold_open_counts_its_ads_manager_period_report() -> None:
    # given the demo loaded on 2026-11-26, where "Cold Open" is known only from an Ads Manager
    # period export (2026-03-21 to 2026-04-20, one campaign row)
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False):
        call_command("load_demo", stdout=StringIO())
    name = "ZONE A0 - COLD OPEN - STREAMING"
    # when the campaigns and the releases are listed with no range
    cold = _campaigns(RevenueFilters())[name]
    releases = selectors.marketing_release_list(
        filters=RevenueFilters(), window_days=28, today=date(2026, 11, 26)
    ).results
    release = next(row for row in releases if row.track == "Cold Open")
    # then its window's spend, impressions and clicks count, in both
    assert (cold.spend_usd, cold.impressions, cold.clicks) == (Decimal("421.64"), 50596, 2191)
    assert (release.campaigns, release.spend_usd) == ([name], Decimal("421.64"))
    # and its attribution runs from the window's first day to its last + 28 days
    assert (release.attribution_start, release.attribution_end) == (
        date(2026, 3, 21),
        date(2026, 5, 18),
    )


@pytest.mark.usefixtures("ads")
def test_the_summary_ad_spend_counts_what_the_campaigns_count() -> None:
    # Cold Open's window once (20.00) and Broad's days (5.00 + 3.00), not its repeating window
    summary = selectors.kpi_summary_get(filters=RevenueFilters())
    campaigns = selectors.marketing_campaign_list(filters=RevenueFilters()).results
    assert summary.ad_spend_usd == Decimal("28.00")
    assert summary.ad_spend_usd == sum((row.spend_usd for row in campaigns), Decimal(0))
