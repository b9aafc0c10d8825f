"""Meta Ads: the campaign-name parse of SPEC 4.2 (every example of its table), overrides that
survive reloads, FX conversion, whole-window rows and campaign objects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.warehouse.campaigns import campaign_name_parts
from apps.warehouse.loaders import LOADERS
from apps.warehouse.models import (
    Ad,
    AdPerformanceDaily,
    AdPerformancePeriod,
    AdSet,
    Artist,
    Campaign,
    FxRate,
    Track,
)
from apps.warehouse.tests.curated_tables import curated_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue() -> dict[str, Track]:
    """ZONE A0's THE SOURCE and THE SCALE, PIG1987's RENEGADE PIPELINE, and a ZONE A0 track
    titled like another artist (IWARY), which must never capture `IWARY - ...` campaigns."""
    zone, pig = Artist.objects.get(name="ZONE A0"), Artist.objects.get(name="PIG1987")
    return {
        title: Track.objects.create(title=title, artist=artist)
        for title, artist in [
            ("The Source", zone),
            ("The Scale", zone),
            ("Renegade Pipeline", pig),
            ("Iwary", zone),
        ]
    }


def _day(campaign_id: str, name: str, spend: str, **extra: object) -> dict[str, object]:
    return {
        "date": date(2025, 5, 1),
        "campaign_key": campaign_id,
        "adset_id": "",
        "ad_id": "",
        "grain": "campaign",
        "campaign_id": campaign_id,
        "campaign_name": name,
        "currency": "USD",
        "spend": Decimal(spend),
        "spend_usd": Decimal(spend),
        "impressions": 1000,
        "reach": 800,
        "clicks_all": 30,
        "link_clicks": 20,
        "results": 5,
        **extra,
    }


NAMES = {
    "120200000000000001": "PIG1987 - RENEGADE PIPELINE - BROAD - US - Copy",
    "120200000000000002": "IWARY - BROAD",
    "120200000000000003": "THE SOURCE - Streaming",
    "120200000000000004": "THE SCALE",
    "120200000000000005": "ZONE A0 ANOVUS STREAMING CAMPAIGN",
    "120200000000000006": "zone.a0 - Nobody Knows This - Broad - Copy 2",
    "120200000000000007": "NEW ENGAGEMENT CAMPAIGN",
}


def _parsed() -> dict[str, tuple[str | None, str | None, str, str]]:
    return {
        c.external_id: (
            c.artist.name if c.artist else None,
            c.track.title if c.track else None,
            c.targeting,
            c.parse_status,
        )
        for c in Campaign.objects.select_related("artist", "track")
    }


def test_campaign_name_parts_removes_a_trailing_copy_only() -> None:
    assert campaign_name_parts(" iwary - broad - Copy 3 ") == ["IWARY", "BROAD"]
    assert campaign_name_parts("COPYCAT - Copy") == ["COPYCAT"]


def test_meta_ads_daily_load_parses_every_campaign_name_as_spec_4_2(catalogue: dict) -> None:
    # given one day of each example campaign; when loaded
    LOADERS["meta_ads_daily"](
        curated_table("meta_ads_daily", [_day(i, n, "1.00") for i, n in NAMES.items()])
    )
    # then each parses as SPEC 4.2's table says
    assert _parsed() == {
        "120200000000000001": ("PIG1987", "Renegade Pipeline", "BROAD - US", "parsed"),
        "120200000000000002": ("IWARY", None, "BROAD", "parsed"),
        "120200000000000003": ("ZONE A0", "The Source", "STREAMING", "parsed"),
        "120200000000000004": ("ZONE A0", "The Scale", "", "parsed"),
        "120200000000000005": (None, None, "ZONE A0 ANOVUS STREAMING CAMPAIGN", "needs_review"),
        "120200000000000006": ("ZONE A0", None, "BROAD", "needs_review"),
        "120200000000000007": (None, None, "ENGAGEMENT", "parsed"),
    }


def test_meta_ads_daily_load_twice_changes_nothing_and_keeps_the_override(catalogue: dict) -> None:
    rows = [_day(i, n, "2.50") for i, n in NAMES.items()]
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", rows))
    # given staff override the review campaign to ZONE A0 / THE SCALE
    campaign = Campaign.objects.get(external_id="120200000000000005")
    campaign.override_artist = Artist.objects.get(name="ZONE A0")
    campaign.override_track = catalogue["The Scale"]
    campaign.save()
    before = list(AdPerformanceDaily.objects.order_by("pk").values())
    campaigns_before = list(Campaign.objects.order_by("pk").values())
    # when the same rows load again
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", rows))
    # then nothing changed and the override is still there
    assert list(AdPerformanceDaily.objects.order_by("pk").values()) == before
    assert list(Campaign.objects.order_by("pk").values()) == campaigns_before
    campaign.refresh_from_db()
    assert campaign.effective_artist_id == Artist.objects.get(name="ZONE A0").pk
    assert AdPerformanceDaily.objects.aggregate(s=Sum("spend_usd"))["s"] == Decimal("17.5")
    assert AdPerformanceDaily.objects.count() == 7
    first = Campaign.objects.get(external_id="120200000000000001")
    assert (first.first_spend_on, first.last_spend_on) == (date(2025, 5, 1), date(2025, 5, 1))


def test_meta_ads_daily_load_keeps_grain_and_clicks_all() -> None:
    rows = [
        _day("1", "X - Y - Z", "3.00"),
        _day("1", "X - Y - Z", "1.00", grain="adset", adset_id="11", clicks_all=12),
        _day("1", "X - Y - Z", "2.00", grain="adset", adset_id="12", clicks_all=18),
    ]
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", rows))
    facts = list(
        AdPerformanceDaily.objects.order_by("adset_id").values_list("grain", "adset_id", "clicks")
    )
    assert facts == [("campaign", "", 30), ("adset", "11", 12), ("adset", "12", 18)]
    assert Campaign.objects.count() == 1


def test_meta_ads_daily_load_converts_with_fx_rate_or_flags_the_row() -> None:
    # given a EUR account: May has a rate, June does not
    FxRate.objects.create(currency="EUR", month=date(2025, 5, 1), usd_per_unit=Decimal("1.1"))
    rows = [
        _day("9", "A - B - C", "10.00", currency="EUR", spend_usd=None),
        _day("9", "A - B - C", "5.00", currency="EUR", spend_usd=None, date=date(2025, 6, 1)),
    ]
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", rows))
    facts = list(
        AdPerformanceDaily.objects.order_by("date").values_list(
            "spend_usd", "spend", "lacks_fx_rate"
        )
    )
    assert facts == [
        (Decimal("11"), Decimal("10"), False),
        (Decimal("0"), Decimal("5"), True),
    ]


def test_meta_ads_daily_load_matches_a_lost_id_row_by_name() -> None:
    # given a campaign known by id; when a row whose id was lost arrives by name
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", [_day("77", "IWARY - BROAD", "1")]))
    lost = {**_day("name:iwary - broad", "IWARY - BROAD", "4"), "campaign_id": None}
    lost["date"] = date(2025, 5, 2)
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", [lost]))
    # then it is booked on the same campaign
    assert Campaign.objects.count() == 1
    assert AdPerformanceDaily.objects.aggregate(s=Sum("spend_usd"))["s"] == Decimal("5")


def test_meta_ads_periods_load_keeps_windows_off_single_days() -> None:
    row = {
        **_day("5", "IWARY - BROAD", "40.00"),
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 5, 31),
    }
    del row["date"]
    LOADERS["meta_ads_periods"](curated_table("meta_ads_periods", [row]))
    LOADERS["meta_ads_periods"](curated_table("meta_ads_periods", [row]))
    period = AdPerformancePeriod.objects.get()
    assert (period.period_start, period.period_end, period.spend_usd, period.reach) == (
        date(2025, 1, 1),
        date(2025, 5, 31),
        Decimal("40"),
        800,
    )
    assert AdPerformanceDaily.objects.count() == 0


def test_meta_entities_load_sets_objective_status_and_budgets() -> None:
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", [_day("55", "IWARY - BROAD", "1")]))
    entity = {
        "entity_type": "campaign",
        "entity_id": "55",
        "name": "IWARY - BROAD",
        "status": "ACTIVE",
        "effective_status": "ACTIVE",
        "objective": "OUTCOME_TRAFFIC",
        "daily_budget": Decimal("5.00"),
        "created_time": datetime(2025, 4, 1, tzinfo=UTC),
    }
    adset = {**entity, "entity_type": "adset", "entity_id": "56", "name": "Ad set"}
    LOADERS["meta_entities"](curated_table("meta_entities", [entity, adset]))
    campaign = Campaign.objects.get()
    assert (campaign.objective, campaign.status, campaign.daily_budget_usd) == (
        "OUTCOME_TRAFFIC",
        "ACTIVE",
        Decimal("5.00"),
    )
    assert campaign.artist.name == "IWARY"


def test_meta_loads_point_each_grain_at_its_ad_set_and_ad() -> None:
    campaign_row = _day("1", "X - Y - Z", "3.00")
    adset_row = _day("1", "X - Y - Z", "3.00", grain="adset", adset_id="11", adset_name="Broad")
    ad_rows = [
        _day("1", "X - Y - Z", "1.00", grain="ad", adset_id="11", adset_name="Broad",
             ad_id="111", ad_name="Video A"),
        _day("1", "X - Y - Z", "2.00", grain="ad", adset_id="11", adset_name="Broad",
             ad_id="112", ad_name="Video B"),
    ]  # fmt: skip
    table = curated_table("meta_ads_daily", [campaign_row, adset_row, *ad_rows])
    for _ in range(2):
        LOADERS["meta_ads_daily"](table)
    assert list(AdSet.objects.values_list("external_id", "name")) == [("11", "Broad")]
    assert list(Ad.objects.values_list("external_id", "name", "adset__external_id")) == [
        ("111", "Video A", "11"),
        ("112", "Video B", "11"),
    ]
    facts = AdPerformanceDaily.objects.order_by("grain", "ad_id").values_list(
        "grain", "adset_entity__external_id", "ad_entity__name", "spend_usd"
    )
    assert list(facts) == [
        ("ad", "11", "Video A", Decimal("1")),
        ("ad", "11", "Video B", Decimal("2")),
        ("adset", "11", None, Decimal("3")),
        ("campaign", None, None, Decimal("3")),
    ]
    # when the objects arrive from the API, they complete the same rows
    base = {"created_time": datetime(2025, 4, 1, tzinfo=UTC), "campaign_id": "1"}
    entities = [
        {**base, "entity_type": "campaign", "entity_id": "1", "name": "X - Y - Z"},
        {**base, "entity_type": "adset", "entity_id": "11", "name": "Broad", "status": "ACTIVE",
         "daily_budget": Decimal("5.00"), "targeting": '{"geo_locations": {"countries": ["US"]}}'},
        {**base, "entity_type": "ad", "entity_id": "113", "adset_id": "11", "name": "Video C",
         "status": "PAUSED"},
        # an ad set of a campaign the warehouse has never seen is skipped, not invented
        {**base, "entity_type": "adset", "entity_id": "99", "campaign_id": "404", "name": "?"},
    ]  # fmt: skip
    LOADERS["meta_entities"](curated_table("meta_entities", entities))
    adset = AdSet.objects.get()
    assert (adset.status, adset.daily_budget_usd, adset.targeting) == (
        "ACTIVE",
        Decimal("5.00"),
        {"geo_locations": {"countries": ["US"]}},
    )
    assert list(Ad.objects.values_list("external_id", "status", "adset_id")) == [
        ("111", "", adset.pk),
        ("112", "", adset.pk),
        ("113", "PAUSED", adset.pk),
    ]
