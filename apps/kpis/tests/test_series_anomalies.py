"""Spike/drop alerts on the series SPEC 5.3.6 watches beyond streams and listeners: TikTok views,
followers, Linktree views and CTR, Meta CPM per active campaign, revenue per unit per platform;
and the cross-source Spotify data-quality alert (SPEC 5.4).

Each spike series is 28 baseline points then the latest one. The clock is frozen at 2025-07-20
12:00 UTC, like the other KPI tests; daily series end on 2025-07-18.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from apps.kpis.models import Alert, AlertRule
from apps.kpis.services import alerts_refresh
from apps.kpis.tests.factories import (
    ArtistFactory,
    DistributorFactory,
    PlatformFactory,
    StatementLineFactory,
)
from apps.warehouse.models import (
    AdPerformanceDaily,
    AudienceDaily,
    Campaign,
    DailyStream,
    LinkAnalyticsDaily,
    SocialDaily,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 7, 20, 12, 0, tzinfo=UTC)
LAST_DAY = date(2025, 7, 18)
# 28 points alternating 100/110: median 105, MAD 5
ALTERNATING = [100, 110] * 14


@pytest.fixture(autouse=True)
def _frozen_and_empty() -> Any:
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def _days(count: int) -> list[date]:
    return [LAST_DAY - timedelta(days=count - 1 - n) for n in range(count)]


def _anomalies() -> list[tuple[str, str, str, str]]:
    return sorted(
        Alert.objects.filter(type="anomaly").values_list("subject", "period", "severity", "message")
    )


def _social(platform: str, account: str, field: str, values: list[int]) -> None:
    SocialDaily.objects.bulk_create(
        SocialDaily(platform=platform, account=account, date=day, **{field: value})
        for day, value in zip(_days(len(values)), values, strict=True)
    )


# --- TikTok views per account ---------------------------------------------------------------------


def test_a_tiktok_views_spike_raises_one_alert_with_its_value_and_baseline() -> None:
    _social("tiktok", "zonea0", "views", [*ALTERNATING, 300])  # z = 0.6745 * 195 / 5 = 26.3
    _social("tiktok", "pig1987", "views", [500] * 29)  # flat: nothing

    alerts_refresh()

    assert _anomalies() == [
        (
            "TikTok views zonea0",
            "2025-07-18",
            "info",
            "TikTok views spike for zonea0 on 2025-07-18: 300 vs a median of 105 over the "
            "previous 28 points.",
        )
    ]


def test_tiktok_views_follow_the_editable_views_floor_and_the_z_score() -> None:
    _social("tiktok", "zonea0", "views", [100] * 28 + [115])  # change 15 <= the 20-view floor
    _social("tiktok", "pig1987", "views", [*ALTERNATING, 120])  # z = 0.6745 * 15 / 5 = 2.0

    alerts_refresh()
    assert _anomalies() == []

    AlertRule.objects.filter(name="anomaly_views_floor").update(threshold="10")
    alerts_refresh()
    # a flat baseline (MAD 0) makes any change past the floor an anomaly; pig1987's z stays low
    assert [row[:3] for row in _anomalies()] == [("TikTok views zonea0", "2025-07-18", "info")]


# --- followers (TikTok, Instagram) ----------------------------------------------------------------


def test_a_follower_drop_on_instagram_is_a_warning_and_a_flat_tiktok_count_is_silent() -> None:
    _social("instagram", "zone.a0", "followers_total", [1000] * 28 + [940])  # MAD 0, change -60
    _social("tiktok", "zonea0", "followers_total", [1500] * 29)

    alerts_refresh()

    assert _anomalies() == [
        (
            "followers instagram/zone.a0",
            "2025-07-18",
            "warning",
            "Followers drop for instagram/zone.a0 on 2025-07-18: 940 vs a median of 1000 over "
            "the previous 28 points.",
        )
    ]


def test_s4a_followers_per_artist_are_watched_with_the_followers_floor() -> None:
    zone = ArtistFactory(name="ZONE A0")
    AudienceDaily.objects.bulk_create(
        AudienceDaily(account="zonea0", artist=zone, date=day, followers=value)
        for day, value in zip(_days(29), [200] * 28 + [215], strict=True)
    )

    alerts_refresh()
    assert _anomalies() == []  # a change of 15 is below the 20-follower floor

    AlertRule.objects.filter(name="anomaly_followers_floor").update(threshold="10")
    alerts_refresh()
    assert [row[:3] for row in _anomalies()] == [("S4A followers ZONE A0", "2025-07-18", "info")]


# --- Linktree views and CTR -----------------------------------------------------------------------


def _linktree(views: list[int], clicks: list[int]) -> None:
    LinkAnalyticsDaily.objects.bulk_create(
        LinkAnalyticsDaily(account="bedrot", date=day, views=view, clicks=click)
        for day, view, click in zip(_days(len(views)), views, clicks, strict=True)
    )


def test_a_linktree_views_spike_raises_one_alert() -> None:
    # clicks follow views exactly (CTR 0.5 every day), so only the views move
    views = [*ALTERNATING, 400]
    _linktree(views, [view // 2 for view in views])

    alerts_refresh()

    assert _anomalies() == [
        (
            "Linktree views bedrot",
            "2025-07-18",
            "info",
            "Linktree views spike for bedrot on 2025-07-18: 400 vs a median of 105 over the "
            "previous 28 points.",
        )
    ]


def test_a_linktree_ctr_spike_raises_one_alert_and_flat_views_none() -> None:
    # 100 views a day; clicks 40/44 (CTR 0.40/0.44: median 0.42, MAD 0.02), then 90 (0.90)
    _linktree([100] * 29, [40, 44] * 14 + [90])

    alerts_refresh()

    assert _anomalies() == [
        (
            "Linktree CTR bedrot",
            "2025-07-18",
            "info",
            "Linktree CTR spike for bedrot on 2025-07-18: 0.9000 vs a median of 0.4200 over the "
            "previous 28 points.",
        )
    ]


# --- Meta CPM per active campaign -----------------------------------------------------------------


def _campaign(
    name: str, spends: list[str], *, last_day: date = LAST_DAY, external_id: str = ""
) -> None:
    campaign = Campaign.objects.create(name=name, external_id=external_id)
    first = last_day - timedelta(days=len(spends) - 1)
    AdPerformanceDaily.objects.bulk_create(
        AdPerformanceDaily(
            date=first + timedelta(days=n),
            campaign=campaign,
            grain="campaign",
            spend_usd=Decimal(spend),
            impressions=1000,
        )
        for n, spend in enumerate(spends)
    )


def test_a_meta_cpm_spike_on_an_active_campaign_is_a_warning() -> None:
    # 1,000 impressions a day: CPM 5.00/5.50 (median 5.25, MAD 0.25), then 20.00
    _campaign("ZONE A0 - THE SCALE - US", ["5.00", "5.50"] * 14 + ["20.00"])
    # the same spike, but the campaign stopped delivering before the newest ad day: not active
    _campaign(
        "PIG1987 - RENEGADE - UK", ["5.00", "5.50"] * 14 + ["20.00"], last_day=date(2025, 7, 10)
    )
    _campaign("IWARY - FLAT - US", ["7.00"] * 29)

    alerts_refresh()

    assert _anomalies() == [
        (
            "Meta CPM ZONE A0 - THE SCALE - US",
            "2025-07-18",
            "warning",
            "Meta CPM spike for ZONE A0 - THE SCALE - US on 2025-07-18: 20.00 vs a median of "
            "5.25 over the previous 28 points.",
        )
    ]


def test_campaigns_sharing_a_name_are_watched_apart() -> None:
    _campaign("IWARY - LAUNCH - US", ["5.00", "5.50"] * 14 + ["20.00"], external_id="1201")
    _campaign("IWARY - LAUNCH - US", ["20.00"] * 29, external_id="1202")  # flat at 20.00

    alerts_refresh()

    assert [row[:3] for row in _anomalies()] == [
        ("Meta CPM IWARY - LAUNCH - US (1201)", "2025-07-18", "warning")
    ]


# --- revenue per unit per platform, reported months -----------------------------------------------


def test_a_revenue_per_unit_spike_in_a_reported_month_raises_one_alert() -> None:
    spotify, apple = PlatformFactory(name="Spotify"), PlatformFactory(name="Apple Music")
    distrokid = DistributorFactory(code="distrokid")
    first = date(2022, 12, 1)
    # 29 sale months 2022-12 .. 2025-04, each reported two months later: 1,000 units a month
    # at 0.0030/0.0032 USD (median 0.0031, MAD 0.0001), then 0.0060 on Spotify; Apple flat.
    spotify_rates = ["3.00", "3.20"] * 14 + ["6.00"]
    for n, usd in enumerate(spotify_rates):
        month = date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1)
        reported = date(month.year + (month.month + 1) // 12, (month.month + 1) % 12 + 1, 5)
        for platform, earnings in ((spotify, usd), (apple, "8.00")):
            StatementLineFactory(
                distributor=distrokid,
                platform=platform,
                sale_month=month,
                reporting_date=reported,
                quantity=1000,
                earnings_usd=Decimal(earnings),
            )

    alerts_refresh()

    assert _anomalies() == [
        (
            "revenue per unit Spotify",
            "2025-04",
            "info",
            "Revenue per unit spike for Spotify on 2025-04: 0.006000 vs a median of 0.003100 "
            "over the previous 28 points.",
        )
    ]


# --- cross-source Spotify check -------------------------------------------------------------------


def test_cross_source_alert_for_each_day_above_the_threshold() -> None:
    zone = ArtistFactory(name="ZONE A0")
    spotify, distrokid = PlatformFactory(name="Spotify"), DistributorFactory(code="distrokid")
    # distributor vs S4A: 1000 vs 950 (5.0 %), 1000 vs 880 (12.0 %), 1000 vs 890 (11.0 %)
    for day, s4a in [(date(2025, 7, 16), 950), (date(2025, 7, 17), 880), (date(2025, 7, 18), 890)]:
        DailyStream.objects.create(date=day, platform=spotify, distributor=distrokid, streams=1000)
        AudienceDaily.objects.create(account="zonea0", artist=zone, date=day, streams=s4a)

    alerts_refresh()

    assert sorted(
        Alert.objects.filter(type="data_quality").values_list("subject", "period", "message")
    ) == [
        (
            "cross-source Spotify",
            "2025-07-17",
            "Spotify streams on 2025-07-17: distributors 1000 vs Spotify for Artists 880, "
            "12.0% apart.",
        ),
        (
            "cross-source Spotify",
            "2025-07-18",
            "Spotify streams on 2025-07-18: distributors 1000 vs Spotify for Artists 890, "
            "11.0% apart.",
        ),
    ]

    AlertRule.objects.filter(name="cross_source_spotify_fraction").update(threshold="0.115")
    Alert.objects.all().delete()
    alerts_refresh()
    assert list(Alert.objects.filter(type="data_quality").values_list("period", flat=True)) == [
        "2025-07-17"
    ]
