"""Corrections from the Django admin go through the same services: facts are re-pointed and
every change is audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.warehouse.loaders import statement_lines_load
from apps.warehouse.models import (
    Artist,
    Correction,
    Platform,
    RevenueRollup,
    StatementLine,
    Track,
    TrackSplit,
)
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


def test_admin_artist_delete_unassigns_its_revenue_everywhere(admin_client_logged: Any) -> None:
    artist = Artist.objects.create(name="SXNCTUARY")
    statement_lines_load(_curated(LINES))
    assert list(RevenueRollup.objects.values_list("artist_id", flat=True)) == [artist.pk]
    response = admin_client_logged.post(
        f"/admin/warehouse/artist/{artist.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert StatementLine.objects.get().artist is None
    # the rollups and the KPIs follow, and the delete is audited like any correction
    assert list(RevenueRollup.objects.values_list("artist_id", "earnings_usd")) == [
        (None, Decimal("2.000000000000"))
    ]
    correction = Correction.objects.get()
    assert (correction.action, correction.old_value, correction.rows_affected) == (
        "delete",
        "SXNCTUARY",
        1,
    )


def test_admin_shows_statement_lines_read_only(admin_client_logged: Any) -> None:
    statement_lines_load(_curated(LINES))
    line = StatementLine.objects.get()
    page = admin_client_logged.get(f"/admin/warehouse/statementline/{line.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    edited = admin_client_logged.post(
        f"/admin/warehouse/statementline/{line.pk}/change/", {"earnings_usd": "99"}
    )
    assert edited.status_code == 403
    assert StatementLine.objects.get().earnings_usd == Decimal("2.000000000000")
