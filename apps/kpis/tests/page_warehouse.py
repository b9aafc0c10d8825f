"""A small warehouse for the page tests: the label's statements plus streams, ads and audience.

On top of `label_statements_create` (10 statement lines, sale months 2025-01 and 2025-02):

Daily streams (date, distributor, platform, streams)
| 2025-06-28 | distrokid | Spotify     | 1000 |
| 2025-06-29 | distrokid | Spotify     | 1200 |
| 2025-06-29 | distrokid | Apple Music |  300 |
| 2025-06-29 | toolost   | Spotify     |  200 |
| 2025-06-30 | distrokid | Spotify     |  900 |
| 2025-06-30 | distrokid | Apple Music |  350 |
| 2025-06-30 | toolost   | Spotify     |  250 |

Meta campaign "ZONE A0 - THE SCALE - US 18-34" (artist ZONE A0, track THE SCALE), campaign grain:
| 2025-06-29 | spend 10.00 | impressions 1000 | clicks 20 | reach 800 |
| 2025-06-30 | spend  5.50 | impressions  500 | clicks  5 | reach 450 |

TikTok `zonea0` (ZONE A0): 2025-06-29 views 1000, likes 50, comments 5, shares 5, profile views
40; 2025-06-30 views 2000, likes 100, comments 10, shares 10, profile views 60, followers 1500.
Spotify for Artists `zonea0` (ZONE A0): 2025-06-29 listeners 300, streams 500, followers 120;
2025-06-30 listeners 320, streams 550, followers 125.
Linktree `bedrot`: 2025-06-29 views 100, clicks 40; 2025-06-30 views 50, clicks 60.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from apps.kpis.tests.factories import DistributorFactory, PlatformFactory, label_statements_create
from apps.warehouse.models import (
    Account,
    AdPerformanceDaily,
    AudienceDaily,
    Campaign,
    DailyStream,
    LinkAnalyticsDaily,
    SocialDaily,
    Track,
)

JUNE_28, JUNE_29, JUNE_30 = date(2025, 6, 28), date(2025, 6, 29), date(2025, 6, 30)


def page_warehouse_create() -> dict[str, Any]:
    """Create the page-test warehouse; returns the label's objects plus the campaign."""
    label = label_statements_create()
    zone = label["zone"]
    spotify = label["spotify"]
    apple = PlatformFactory(name="Apple Music")
    dk, tl = DistributorFactory(code="distrokid"), DistributorFactory(code="toolost")
    for day, distributor, platform, streams in [
        (JUNE_28, dk, spotify, 1000),
        (JUNE_29, dk, spotify, 1200),
        (JUNE_29, dk, apple, 300),
        (JUNE_29, tl, spotify, 200),
        (JUNE_30, dk, spotify, 900),
        (JUNE_30, dk, apple, 350),
        (JUNE_30, tl, spotify, 250),
    ]:
        DailyStream.objects.create(
            date=day, distributor=distributor, platform=platform, streams=streams
        )
    campaign = Campaign.objects.create(
        external_id="120000000001",
        name="ZONE A0 - THE SCALE - US 18-34",
        artist=zone,
        track=Track.objects.get(title="THE SCALE"),
        targeting="US 18-34",
        first_spend_on=JUNE_29,
        last_spend_on=JUNE_30,
    )
    for day, spend, impressions, clicks, reach in [
        (JUNE_29, "10.00", 1000, 20, 800),
        (JUNE_30, "5.50", 500, 5, 450),
    ]:
        AdPerformanceDaily.objects.create(
            date=day,
            campaign=campaign,
            grain="campaign",
            spend_usd=Decimal(spend),
            impressions=impressions,
            clicks=clicks,
            reach=reach,
        )
    Account.objects.get_or_create(source="tiktok", slug="zonea0", defaults={"artist": zone})
    Account.objects.get_or_create(source="spotify", slug="zonea0", defaults={"artist": zone})
    for day, views, likes, comments, shares, profile_views, followers in [
        (JUNE_29, 1000, 50, 5, 5, 40, None),
        (JUNE_30, 2000, 100, 10, 10, 60, 1500),
    ]:
        SocialDaily.objects.create(
            platform="tiktok",
            account="zonea0",
            date=day,
            views=views,
            likes=likes,
            comments=comments,
            shares=shares,
            profile_views=profile_views,
            followers_total=followers,
        )
    for day, listeners, streams, followers in [
        (JUNE_29, 300, 500, 120),
        (JUNE_30, 320, 550, 125),
    ]:
        AudienceDaily.objects.create(
            account="zonea0",
            artist=zone,
            date=day,
            listeners=listeners,
            streams=streams,
            followers=followers,
        )
    for day, views, clicks in [(JUNE_29, 100, 40), (JUNE_30, 50, 60)]:
        LinkAnalyticsDaily.objects.create(account="bedrot", date=day, views=views, clicks=clicks)
    return {**label, "campaign": campaign, "apple": apple}
