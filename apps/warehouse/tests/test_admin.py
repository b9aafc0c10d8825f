"""Corrections from the Django admin go through the same services: facts are re-pointed and
every change is audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.warehouse.loaders import statement_lines_load
from apps.warehouse.models import Artist, Correction, Platform, StatementLine, Track, TrackSplit
from apps.warehouse.tests.test_loaders import _curated

pytestmark = pytest.mark.django_db

LINES = [
    {
        "line_fingerprint": "a",
        "store": "LUNA",
        "artist_name": "Sxnctuary",
        "earnings_usd": Decimal("2.000000000000"),
    },
]


@pytest.fixture
def admin_client_logged(client: Any, django_user_model: Any) -> Any:
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return client


def test_admin_alias_add_repoints_statement_lines(admin_client_logged: Any) -> None:
    statement_lines_load(_curated(LINES))
    zone = Artist.objects.get(name="ZONE A0")
    response = admin_client_logged.post(
        "/admin/warehouse/artistalias/add/", {"alias": "SXNCTUARY", "source": "", "artist": zone.pk}
    )
    assert response.status_code == 302
    assert StatementLine.objects.get().artist == zone
    assert Correction.objects.get().action == "artist_alias_add"


def test_admin_merge_action_merges_into_the_target(admin_client_logged: Any) -> None:
    statement_lines_load(_curated(LINES))
    loser = Artist.objects.create(name="SXNCTUARY")
    StatementLine.objects.update(artist=loser)
    winner = Artist.objects.get(name="ZONE A0 X SXNCTUARY")
    response = admin_client_logged.post(
        "/admin/warehouse/artist/",
        {
            "action": "merge_artists_into_target",
            "_selected_action": [loser.pk],
            "target_artist": winner.pk,
        },
    )
    assert response.status_code == 302
    assert StatementLine.objects.get().artist == winner
    assert not Artist.objects.filter(pk=loser.pk).exists()


def test_admin_store_mapping_change_repoints_lines(admin_client_logged: Any) -> None:
    statement_lines_load(_curated(LINES))
    from apps.warehouse.models import StoreMapping

    mapping = StoreMapping.objects.get(store="luna")
    tidal = Platform.objects.get(name="Tidal")
    response = admin_client_logged.post(
        f"/admin/warehouse/storemapping/{mapping.pk}/change/",
        {"store": "luna", "platform": tidal.pk, "is_reviewed": "on"},
    )
    assert response.status_code == 302
    assert StatementLine.objects.get().platform == tidal


def test_admin_track_splits_must_total_100(admin_client_logged: Any) -> None:
    track = Track.objects.create(title="The Scale")
    form = {
        "title": "The Scale",
        "isrc": "",
        "upc": "",
        "artist": "",
        "splits-TOTAL_FORMS": "1",
        "splits-INITIAL_FORMS": "0",
        "splits-0-party": "Producer",
        "splits-0-share": "40",
        "splits-0-effective_from": "2025-01-01",
        "splits-0-flat_fee_usd": "0",
    }
    response = admin_client_logged.post(f"/admin/warehouse/track/{track.pk}/change/", form)
    assert response.status_code == 200  # the form comes back with the error
    assert "total 40, not 100" in response.content.decode()
    form["splits-0-share"] = "100"
    response = admin_client_logged.post(f"/admin/warehouse/track/{track.pk}/change/", form)
    assert response.status_code == 302
    assert list(TrackSplit.objects.values_list("party", "share")) == [
        ("Producer", Decimal("100.00"))
    ]
    assert Correction.objects.get().action == "track_splits_set"
