"""Corrections re-point existing facts at once, write the audit row, turn the KPI cache over
and broadcast a refresh after commit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.health.errors import InvalidInputError
from apps.kpis.filters import RevenueFilters
from apps.kpis.selectors import revenue_by_artist_list
from apps.warehouse import corrections
from apps.warehouse.loaders import LOADERS, statement_lines_load
from apps.warehouse.models import (
    Account,
    AdPerformanceDaily,
    Artist,
    ArtistAlias,
    AudienceDaily,
    Campaign,
    Correction,
    FxRate,
    Platform,
    StatementLine,
    StoreMapping,
    Track,
    TrackSplit,
)
from apps.warehouse.tests.curated_tables import curated_table
from apps.warehouse.tests.test_loaders import _curated

pytestmark = pytest.mark.django_db

LINES = [
    {
        "line_fingerprint": "z",
        "store": "Spotify",
        "artist_name": "ZONE A0",
        "earnings_usd": Decimal("10.000000000000"),
    },
    {
        "line_fingerprint": "s1",
        "store": "Spotify",
        "artist_name": "Sxnctuary",
        "earnings_usd": Decimal("2.500000000000"),
    },
    {
        "line_fingerprint": "s2",
        "store": "LUNA",
        "artist_name": "sxnctuary ",
        "earnings_usd": Decimal("-0.500000000000"),
        "isrc": "QZABC2500009",
        "title": "Luna Song",
    },
]


def _by_artist() -> dict[str, str]:
    rows = revenue_by_artist_list(filters=RevenueFilters()).results
    return {row.artist: f"{row.revenue_usd:.2f}" for row in rows}


def test_artist_alias_add_repoints_lines_and_changes_revenue_by_artist_at_once(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given two lines of an unknown spelling, and the revenue query already cached
    statement_lines_load(_curated(LINES))
    assert _by_artist() == {"ZONE A0": "10.00", "(unassigned)": "2.00"}
    target = Artist.objects.get(name="ZONE A0 X SXNCTUARY")
    # when staff add the alias
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        correction = corrections.artist_alias_add(alias="SXNCTUARY", artist=target, user=alice)
    # then both spellings are re-pointed, audited, and the query sees it immediately
    assert (correction.rows_affected, correction.user, correction.new_value) == (
        2,
        alice,
        "ZONE A0 X SXNCTUARY",
    )
    assert _by_artist() == {"ZONE A0": "10.00", "ZONE A0 X SXNCTUARY": "2.00"}
    # the refresh broadcast and the KPI edge's version publication wait for the commit
    assert len(callbacks) == 2


def test_artist_merge_moves_facts_and_keeps_the_loser_as_alias(alice: Any) -> None:
    statement_lines_load(_curated(LINES))
    loser = Artist.objects.create(name="SXNCTUARY")
    StatementLine.objects.filter(line_fingerprint__startswith="s").update(artist=loser)
    Account.objects.create(source="tiktok", slug="sxnctuary", artist=loser)
    winner = Artist.objects.get(name="ZONE A0")
    correction = corrections.artist_merge(loser=loser, winner=winner, user=alice)
    assert correction.rows_affected == 3  # two lines and one account
    assert _by_artist() == {"ZONE A0": "12.00"}
    assert ArtistAlias.objects.get(alias="sxnctuary", source="").artist == winner
    assert not Artist.objects.filter(name="SXNCTUARY").exists()
    # a later load of the same raw name resolves to the winner
    statement_lines_load(_curated(LINES))
    assert set(StatementLine.objects.values_list("artist__name", flat=True)) == {"ZONE A0"}


def test_store_platform_map_repoints_lines_and_drops_the_placeholder_platform(alice: Any) -> None:
    statement_lines_load(_curated(LINES))
    assert Platform.objects.get(name="LUNA").is_reviewed is False
    spotify = Platform.objects.get(name="Spotify")
    correction = corrections.store_platform_map(store="Luna", platform=spotify, user=alice)
    assert correction.rows_affected == 1
    assert StatementLine.objects.get(line_fingerprint="s2").platform == spotify
    assert StoreMapping.objects.get(store="luna").is_reviewed is True
    assert not Platform.objects.filter(name="LUNA").exists()


def test_track_isrc_attach_merges_the_auto_created_track(alice: Any) -> None:
    statement_lines_load(_curated(LINES))
    auto = Track.objects.get(isrc="QZABC2500009")
    catalogue = Track.objects.create(title="Luna Song", artist=Artist.objects.get(name="ZONE A0"))
    corrections.track_isrc_attach(track=catalogue, isrc="qzabc2500009", user=alice)
    assert StatementLine.objects.get(line_fingerprint="s2").track == catalogue
    assert not Track.objects.filter(pk=auto.pk).exists()
    catalogue.refresh_from_db()
    assert catalogue.isrc == "QZABC2500009"
    with pytest.raises(InvalidInputError):
        corrections.track_isrc_attach(track=catalogue, isrc="123", user=alice)


def test_track_splits_set_replaces_splits_and_rejects_bad_totals(alice: Any) -> None:
    track = Track.objects.create(title="The Scale")
    TrackSplit.objects.create(track=track, party="old", share=100, effective_from=date(2024, 1, 1))
    splits = [
        corrections.SplitInput("Label", Decimal("60"), date(2025, 1, 1), is_label=True),
        corrections.SplitInput(
            "Producer", Decimal("40"), date(2025, 1, 1), flat_fee_usd=Decimal("50")
        ),
    ]
    corrections.track_splits_set(track=track, splits=splits, user=alice)
    assert list(track.splits.values_list("party", "share")) == [
        ("Label", Decimal("60.00")),
        ("Producer", Decimal("40.00")),
    ]
    with pytest.raises(InvalidInputError) as error:
        corrections.track_splits_set(track=track, splits=splits[:1], user=alice)
    assert error.value.field_errors == {
        "splits": ["shares in effect on 2025-01-01 total 60, not 100"]
    }
    assert track.splits.count() == 2  # nothing changed


def _meta_day(name: str, **extra: object) -> dict[str, object]:
    return {
        "date": date(2025, 5, 1),
        "campaign_key": "1",
        "adset_id": "",
        "ad_id": "",
        "grain": "campaign",
        "campaign_id": "1",
        "campaign_name": name,
        "currency": "USD",
        "spend": Decimal("4"),
        "spend_usd": Decimal("4"),
        **extra,
    }


def test_campaign_override_set_wins_and_survives_a_reload(alice: Any) -> None:
    rows = [_meta_day("ZONE A0 ANOVUS STREAMING CAMPAIGN")]
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", rows))
    campaign = Campaign.objects.get()
    assert campaign.parse_status == "needs_review"
    track = Track.objects.create(title="Anovus", artist=Artist.objects.get(name="ZONE A0"))
    correction = corrections.campaign_override_set(
        campaign=campaign, artist=None, track=track, targeting="streaming", user=alice
    )
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", rows))
    campaign.refresh_from_db()
    assert (
        campaign.effective_artist_id,
        campaign.effective_track_id,
        campaign.override_targeting,
    ) == (
        track.artist_id,
        track.pk,
        "STREAMING",
    )
    assert (correction.rows_affected, correction.new_value) == (1, "ZONE A0 / Anovus")


def test_fx_rate_set_converts_rows_waiting_for_a_rate(alice: Any) -> None:
    rows = [_meta_day("IWARY - BROAD", currency="EUR", spend_usd=None)]
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", rows))
    assert AdPerformanceDaily.objects.get().lacks_fx_rate is True
    corrections.fx_rate_set(
        currency="eur", month=date(2025, 5, 17), usd_per_unit=Decimal("1.25"), user=alice
    )
    fact = AdPerformanceDaily.objects.get()
    assert (fact.spend_usd, fact.lacks_fx_rate) == (Decimal("5"), False)
    assert FxRate.objects.get().month == date(2025, 5, 1)


def test_account_artist_set_maps_an_unknown_s4a_account(alice: Any) -> None:
    LOADERS["spotify_audience_daily"](
        curated_table(
            "spotify_audience_daily",
            [{"account": "iwaryofficial", "date": date(2025, 5, 1), "streams": 9}],
        )
    )
    account = Account.objects.get(source="spotify", slug="iwaryofficial")
    corrections.account_artist_set(
        account=account, artist=Artist.objects.get(name="IWARY"), user=alice
    )
    assert AudienceDaily.objects.get().artist.name == "IWARY"
    assert Correction.objects.count() == 1
