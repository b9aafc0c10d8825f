"""factory_boy factories and fixture warehouses for the rows the KPIs read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from apps.warehouse.models import (
    Account,
    AdPerformanceDaily,
    AdPerformancePeriod,
    Artist,
    AudienceDaily,
    Campaign,
    DailyStream,
    Distributor,
    LinkAnalyticsDaily,
    Platform,
    SocialDaily,
    StatementLine,
    Territory,
    Track,
    TrackSplit,
    WarehouseLoad,
)
from apps.warehouse.rollup import revenue_rollup_refresh


class ArtistFactory(DjangoModelFactory[Artist]):
    class Meta:
        model = Artist
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"ARTIST {n}")


class TrackFactory(DjangoModelFactory[Track]):
    class Meta:
        model = Track

    isrc = factory.Sequence(lambda n: f"QZTEST{n:06d}")
    title = factory.Sequence(lambda n: f"TRACK {n}")
    artist = factory.SubFactory(ArtistFactory)


class PlatformFactory(DjangoModelFactory[Platform]):
    class Meta:
        model = Platform
        django_get_or_create = ("name",)

    name = "Spotify"


class DistributorFactory(DjangoModelFactory[Distributor]):
    class Meta:
        model = Distributor
        django_get_or_create = ("code",)

    code = "distrokid"
    name = factory.LazyAttribute(lambda o: {"toolost": "TooLost"}.get(o.code, "DistroKid"))


class TerritoryFactory(DjangoModelFactory[Territory]):
    class Meta:
        model = Territory
        django_get_or_create = ("code",)

    code = "US"


class StatementLineFactory(DjangoModelFactory[StatementLine]):
    class Meta:
        model = StatementLine

    distributor = factory.SubFactory(DistributorFactory)
    line_fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    occurrence = 1
    schema_id = "test"
    reporting_date = date(2025, 3, 5)
    sale_month = date(2025, 1, 1)
    store = factory.LazyAttribute(lambda o: o.platform.name)
    platform = factory.SubFactory(PlatformFactory)
    territory = factory.SubFactory(TerritoryFactory)
    artist = None
    artist_name = factory.LazyAttribute(lambda o: o.artist.name if o.artist else "Unknown Artist")
    track = None
    title = factory.LazyAttribute(lambda o: o.track.title if o.track else "Unknown Title")
    isrc = factory.LazyAttribute(lambda o: o.track.isrc if o.track else "")
    quantity = 0
    earnings_usd = Decimal("0")
    source_file_id = 1

    @classmethod
    def _create(cls, model_class: type[StatementLine], *args: Any, **kwargs: Any) -> StatementLine:
        # As a load does: the revenue KPIs read the rollups, rewritten with the lines.
        line = super()._create(model_class, *args, **kwargs)
        revenue_rollup_refresh(sale_days=[line.sale_month])
        return line


class WarehouseLoadFactory(DjangoModelFactory[WarehouseLoad]):
    class Meta:
        model = WarehouseLoad

    dataset = "statement_lines"
    started_at = datetime(2025, 7, 1, 5, 59, tzinfo=UTC)
    finished_at = datetime(2025, 7, 1, 6, 0, tzinfo=UTC)


LABEL_LOAD_FINISHED_AT = datetime(2025, 7, 1, 6, 0, tzinfo=UTC)


def label_statements_create() -> dict[str, object]:
    """The small label used across the KPI tests: 10 lines, sale months 2025-01 and 2025-02.

    | # | distributor | sale    | reported   | platform    | artist  | track | units | USD       |
    |---|-------------|---------|------------|-------------|---------|-------|-------|-----------|
    | 1 | distrokid   | 2025-01 | 2025-03-05 | Spotify     | ZONE A0 | T1    | 1000  | 3.50      |
    | 2 | distrokid   | 2025-01 | 2025-03-05 | Apple Music | ZONE A0 | T1    | 200   | 1.20      |
    | 3 | distrokid   | 2025-01 | 2025-03-05 | YouTube     | PIG1987 | T3    | 500   | 0.75      |
    | 4 | distrokid   | 2025-01 | 2025-04-10 | Spotify     | ZONE A0 | T2    | 0     | -0.50     |
    | 5 | toolost     | 2025-01 | 2025-04-10 | Spotify     | PIG1987 | T3    | 400   | 1.60      |
    | 6 | distrokid   | 2025-02 | 2025-04-10 | Spotify     | ZONE A0 | T1    | 800   | 2.80      |
    | 7 | distrokid   | 2025-02 | 2025-04-10 | Spotify     | PIG1987 | T3    | 100   | 0.60      |
    | 8 | distrokid   | 2025-02 | 2025-04-10 | YouTube     | -       | -     | 300   | 0.456789  |
    | 9 | distrokid   | 2025-02 | 2025-05-05 | YouTube     | ZONE A0 | T2    | 0     | -0.25     |
    |10 | toolost     | 2025-02 | 2025-05-05 | Spotify     | PIG1987 | T3    | 250   | 1.00      |

    Plus one finished warehouse load (as_of 2025-07-01T06:00:00Z).
    """
    zone = ArtistFactory(name="ZONE A0")
    pig = ArtistFactory(name="PIG1987")
    ArtistFactory(name="IWARY")  # a known artist with no lines
    t1 = TrackFactory(title="THE SCALE", artist=zone, isrc="QZTEST000001")
    t2 = TrackFactory(title="THE SOURCE", artist=zone, isrc="QZTEST000002")
    t3 = TrackFactory(title="RENEGADE PIPELINE", artist=pig, isrc="QZTEST000003")
    spotify = PlatformFactory(name="Spotify")
    apple = PlatformFactory(name="Apple Music")
    youtube = PlatformFactory(name="YouTube")
    PlatformFactory(name="Deezer")  # a known platform with no lines
    dk = DistributorFactory(code="distrokid")
    tl = DistributorFactory(code="toolost")
    jan, feb = date(2025, 1, 1), date(2025, 2, 1)
    rows = [
        (dk, jan, date(2025, 3, 5), spotify, zone, t1, 1000, "3.50"),
        (dk, jan, date(2025, 3, 5), apple, zone, t1, 200, "1.20"),
        (dk, jan, date(2025, 3, 5), youtube, pig, t3, 500, "0.75"),
        (dk, jan, date(2025, 4, 10), spotify, zone, t2, 0, "-0.50"),
        (tl, jan, date(2025, 4, 10), spotify, pig, t3, 400, "1.60"),
        (dk, feb, date(2025, 4, 10), spotify, zone, t1, 800, "2.80"),
        (dk, feb, date(2025, 4, 10), spotify, pig, t3, 100, "0.60"),
        (dk, feb, date(2025, 4, 10), youtube, None, None, 300, "0.456789"),
        (dk, feb, date(2025, 5, 5), youtube, zone, t2, 0, "-0.25"),
        (tl, feb, date(2025, 5, 5), spotify, pig, t3, 250, "1.00"),
    ]
    lines = [
        StatementLineFactory(
            distributor=distributor,
            sale_month=sale_month,
            reporting_date=reported,
            platform=platform,
            artist=artist,
            track=track,
            quantity=units,
            earnings_usd=Decimal(usd),
        )
        for distributor, sale_month, reported, platform, artist, track, units, usd in rows
    ]
    load = WarehouseLoadFactory(finished_at=LABEL_LOAD_FINISHED_AT)
    return {"zone": zone, "pig": pig, "spotify": spotify, "lines": lines, "load": load}


def label_activity_create(label: dict[str, object]) -> dict[str, object]:
    """Streams, Meta Ads, splits and audience facts beside `label_statements_create`.

    DailyStream (platform/distributor: date streams):
      Spotify/distrokid 2025-06-29 100, 06-30 120, 07-01 150; Spotify/toolost 06-29 40, 06-30 50;
      YouTube/distrokid 06-30 10, 07-01 5.                                      (total 475)
    Campaigns: "PIG1987 - RENEGADE PIPELINE - BROAD" (111, PIG1987 / RENEGADE PIPELINE):
      06-01 campaign row 10.00/1000 impr/20 clicks/reach 800 plus ad sets 6.00+4.00 (same sums);
      06-02 one ad set 5.50/500/5/reach 450; lifetime reach 1100, June reach 1050.
      "IWARY - BROAD" (222, IWARY): 07-01 campaign row 2.00, nothing else.
    Splits: THE SCALE: Producer X 20 % plus a 2.00 flat fee from 2025-01-01, label 80 %;
      THE SOURCE: Feature Y 50 % from 2025-02-01.
    TikTok zonea0 (-> ZONE A0): 06-01 1000 views/50 profile/100 likes/10 comments/5 shares,
      5000 followers; 06-02 500/20/40/4/1; 06-03 zeros, 5100 followers. pig1987: 06-01 10 views.
    S4A: zonea0 06-01 100/150/900, 06-02 110/160/905; pig1987 06-01 50/60/400.
    Linktree bedrot: 06-01 100 views 30 clicks; 06-02 0 views 2 clicks.
    """
    spotify, youtube = label["spotify"], Platform.objects.get(name="YouTube")
    dk, tl = Distributor.objects.get(code="distrokid"), Distributor.objects.get(code="toolost")
    for platform, distributor, day, streams in [
        (spotify, dk, date(2025, 6, 29), 100),
        (spotify, dk, date(2025, 6, 30), 120),
        (spotify, dk, date(2025, 7, 1), 150),
        (spotify, tl, date(2025, 6, 29), 40),
        (spotify, tl, date(2025, 6, 30), 50),
        (youtube, dk, date(2025, 6, 30), 10),
        (youtube, dk, date(2025, 7, 1), 5),
    ]:
        DailyStream.objects.create(
            date=day, platform=platform, distributor=distributor, streams=streams
        )
    pig, zone = label["pig"], label["zone"]
    iwary = Artist.objects.get(name="IWARY")
    scale, source = Track.objects.get(title="THE SCALE"), Track.objects.get(title="THE SOURCE")
    renegade = Track.objects.get(title="RENEGADE PIPELINE")
    broad = Campaign.objects.create(
        external_id="111",
        name="PIG1987 - RENEGADE PIPELINE - BROAD",
        artist=pig,
        track=renegade,
        targeting="BROAD",
    )
    iwary_broad = Campaign.objects.create(
        external_id="222", name="IWARY - BROAD", artist=iwary, targeting="BROAD"
    )
    june_1, june_2 = date(2025, 6, 1), date(2025, 6, 2)
    for campaign, day, grain, adset, spend, impressions, clicks, reach in [
        (broad, june_1, "campaign", "", "10.00", 1000, 20, 800),
        (broad, june_1, "adset", "A1", "6.00", 600, 12, 500),
        (broad, june_1, "adset", "A2", "4.00", 400, 8, 350),
        (broad, june_2, "adset", "A1", "5.50", 500, 5, 450),
        (iwary_broad, date(2025, 7, 1), "campaign", "", "2.00", 0, 0, None),
    ]:
        AdPerformanceDaily.objects.create(
            date=day,
            campaign=campaign,
            grain=grain,
            adset_id=adset,
            spend_usd=Decimal(spend),
            impressions=impressions,
            clicks=clicks,
            reach=reach,
        )
    for start, end, reach in [(june_1, june_2, 1100), (june_1, date(2025, 6, 30), 1050)]:
        AdPerformancePeriod.objects.create(
            campaign=broad,
            period_start=start,
            period_end=end,
            grain="campaign",
            spend_usd=Decimal("15.50"),
            reach=reach,
        )
    TrackSplit.objects.create(
        track=scale,
        party="Producer X",
        share=Decimal("20"),
        effective_from=date(2025, 1, 1),
        flat_fee_usd=Decimal("2.00"),
    )
    TrackSplit.objects.create(
        track=scale,
        party="BEDROT",
        share=Decimal("80"),
        effective_from=date(2025, 1, 1),
        is_label=True,
    )
    TrackSplit.objects.create(
        track=source, party="Feature Y", share=Decimal("50"), effective_from=date(2025, 2, 1)
    )
    Account.objects.create(source="tiktok", slug="zonea0", artist=zone)
    for account, day, views, profile, likes, comments, shares, followers in [
        ("zonea0", june_1, 1000, 50, 100, 10, 5, 5000),
        ("zonea0", june_2, 500, 20, 40, 4, 1, None),
        ("zonea0", date(2025, 6, 3), 0, 0, 0, 0, 0, 5100),
        ("pig1987", june_1, 10, 0, 1, 0, 0, None),
    ]:
        SocialDaily.objects.create(
            platform="tiktok",
            account=account,
            date=day,
            views=views,
            profile_views=profile,
            likes=likes,
            comments=comments,
            shares=shares,
            followers_total=followers,
        )
    for account, artist, day, listeners, streams, followers in [
        ("zonea0", zone, june_1, 100, 150, 900),
        ("zonea0", zone, june_2, 110, 160, 905),
        ("pig1987", pig, june_1, 50, 60, 400),
    ]:
        AudienceDaily.objects.create(
            account=account,
            artist=artist,
            date=day,
            listeners=listeners,
            streams=streams,
            followers=followers,
        )
    LinkAnalyticsDaily.objects.create(account="bedrot", date=june_1, views=100, clicks=30)
    LinkAnalyticsDaily.objects.create(account="bedrot", date=june_2, views=0, clicks=2)
    return {"broad": broad, "scale": scale}
