"""factory_boy factories for the warehouse rows the revenue KPIs read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.warehouse.models import (
    Artist,
    Distributor,
    Platform,
    StatementLine,
    Territory,
    Track,
    WarehouseLoad,
)


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
