"""The review queue page: staff only, groups what needs a person with counts and revenue, and
resolves the simple cases with one POST."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from apps.warehouse.loaders import LOADERS, statement_lines_load
from apps.warehouse.models import Artist, Campaign, Correction, Platform, StatementLine, Track
from apps.warehouse.review import review_queue_get
from apps.warehouse.tests.curated_tables import curated_table
from apps.warehouse.tests.test_loaders import _curated

pytestmark = pytest.mark.django_db

URL = "/warehouse/review/"
RESOLVE = "/warehouse/review/resolve/"
LINES = [
    {
        "line_fingerprint": "a",
        "store": "Spotify",
        "artist_name": "Zone Aa0",
        "earnings_usd": Decimal("3.250000000000"),
    },
    {
        "line_fingerprint": "b",
        "store": "LUNA",
        "artist_name": "Zone Aa0",
        "earnings_usd": Decimal("1.000000000000"),
        "isrc": "QZABC2500077",
        "title": "Night",
    },
]


def test_review_page_requires_staff(bob_client: Any) -> None:
    anonymous = Client()
    assert anonymous.get(URL).status_code == 302
    assert anonymous.post(RESOLVE, {"kind": "artist"}).status_code == 302
    assert bob_client.get(URL).status_code == 403
    assert bob_client.post(RESOLVE, {"kind": "artist"}).status_code == 403


def test_review_queue_lists_unmatched_values_with_facts_and_revenue() -> None:
    statement_lines_load(_curated(LINES))
    queue = review_queue_get()
    artist = queue.unmatched_artists[0]
    assert (artist.raw, artist.facts, artist.revenue_usd, artist.suggestion) == (
        "Zone Aa0",
        2,
        Decimal("4.25"),
        "ZONE A0",
    )
    assert [(e.raw, e.facts, e.revenue_usd) for e in queue.unreviewed_stores] == [
        ("luna", 1, Decimal("1"))
    ]
    assert [(e.raw, e.context) for e in queue.auto_created_tracks] == [("Night", "QZABC2500077")]
    assert [(e.raw, e.facts) for e in queue.unmatched_tracks] == [("Track", 1)]


def test_review_page_shows_each_group(alice_client: Any) -> None:
    statement_lines_load(_curated(LINES))
    body = alice_client.get(URL).content.decode()
    assert "Unmatched artists (1)" in body
    assert "Unreviewed stores (1)" in body
    assert "4.25" in body


def test_review_resolve_adds_the_alias_in_one_post(alice_client: Any, alice: Any) -> None:
    statement_lines_load(_curated(LINES))
    zone = Artist.objects.get(name="ZONE A0")
    response = alice_client.post(RESOLVE, {"kind": "artist", "raw": "Zone Aa0", "artist": zone.pk})
    assert (response.status_code, response["Location"]) == (302, URL)
    assert StatementLine.objects.filter(artist=zone).count() == 2
    correction = Correction.objects.get(action="artist_alias_add")
    assert (correction.user, correction.rows_affected) == (alice, 2)
    assert review_queue_get().unmatched_artists == []


def test_review_resolve_accepts_a_store_as_its_own_platform(alice_client: Any) -> None:
    statement_lines_load(_curated(LINES))
    response = alice_client.post(RESOLVE, {"kind": "store", "raw": "luna", "platform": ""})
    assert response.status_code == 302
    assert Platform.objects.get(name="LUNA").is_reviewed is True
    assert review_queue_get().unreviewed_stores == []


def test_review_resolve_overrides_a_campaign(alice_client: Any) -> None:
    row = {
        "date": date(2025, 5, 1),
        "campaign_key": "1",
        "adset_id": "",
        "ad_id": "",
        "grain": "campaign",
        "campaign_name": "SOMETHING ELSE",
        "currency": "USD",
        "spend": Decimal("2"),
        "spend_usd": Decimal("2"),
    }
    LOADERS["meta_ads_daily"](curated_table("meta_ads_daily", [row]))
    campaign = Campaign.objects.get()
    [entry] = review_queue_get().campaigns
    assert (entry.raw, entry.facts, entry.revenue_usd) == ("SOMETHING ELSE", 1, Decimal("2"))
    iwary = Artist.objects.get(name="IWARY")
    response = alice_client.post(
        RESOLVE, {"kind": "campaign", "campaign": campaign.pk, "artist": iwary.pk, "track": ""}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.effective_artist_id == iwary.pk
    assert review_queue_get().campaigns == []


def test_review_resolve_rejects_bad_input_with_400_and_changes_nothing(
    alice_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    statement_lines_load(_curated(LINES))
    with django_capture_on_commit_callbacks() as callbacks:
        unknown = alice_client.post(RESOLVE, {"kind": "nope"})
        missing = alice_client.post(RESOLVE, {"kind": "artist", "raw": "Zone Aa0", "artist": "x"})
        fx = alice_client.post(
            RESOLVE, {"kind": "fx", "currency": "EURO", "month": "2025-13-01", "usd_per_unit": "-1"}
        )
    assert (unknown.status_code, missing.status_code, fx.status_code) == (400, 400, 400)
    assert "artist: Select a valid choice." in missing.content.decode()
    assert Correction.objects.count() == 0
    assert callbacks == []
    assert Track.objects.filter(auto_created=True).count() == 1
