"""Revenue through the API for statement files ingested by the real pipeline (hand-worked sums)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.warehouse.models import WarehouseLoad
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[2] / "warehouse" / "tests" / "fixtures"
STATEMENTS = (
    "dk_current_small.tsv",
    "dk_legacy_small.tsv",
    "dk_current_same_as_legacy.tsv",
    "dk_current_overlap.tsv",
)


@pytest.fixture
def ingested() -> str:
    for name in STATEMENTS:
        assert ingest_path(path=FIXTURES / name).result == "accepted"
    return (
        WarehouseLoad.objects.latest("finished_at").finished_at.isoformat().replace("+00:00", "Z")
    )


def test_revenue_platform_api_sums_each_platform_once(alice_client: Any, ingested: str) -> None:
    # Spotify = 2.88 - 0.15 (adjustment) + 1.92 (legacy) + 1.20 (overlap's new line)
    body = alice_client.get("/api/revenue/platform").json()
    assert body["results"] == [
        {
            "platform": "Spotify",
            "revenue_usd": "5.85",
            "units": 2510,
            "revenue_per_unit_usd": "0.002330677291",
            "line_count": 4,
        },
        {
            "platform": "Apple Music",
            "revenue_usd": "1.77",
            "units": 300,
            "revenue_per_unit_usd": "0.0059",
            "line_count": 1,
        },
        {
            "platform": "Deezer",
            "revenue_usd": "0.70",
            "units": 250,
            "revenue_per_unit_usd": "0.0028",
            "line_count": 1,
        },
        {
            "platform": "YouTube",
            "revenue_usd": "0.69",
            "units": 100,
            "revenue_per_unit_usd": "0.0069",
            "line_count": 1,
        },
        {
            "platform": "Tidal",
            "revenue_usd": "0.396",
            "units": 40,
            "revenue_per_unit_usd": "0.0099",
            "line_count": 1,
        },
        {
            "platform": "Meta",
            "revenue_usd": "0.35",
            "units": 5000,
            "revenue_per_unit_usd": "0.00007",
            "line_count": 1,
        },
    ]
    assert body["as_of"] == ingested


def test_kpi_summary_api_totals_the_ingested_statements(alice_client: Any, ingested: str) -> None:
    body = alice_client.get("/api/kpis/summary").json()
    assert body == {
        "total_revenue_usd": "9.756",
        "total_units": 8200,
        "revenue_per_unit_usd": "0.001189756098",
        "total_streams": 0,
        "artist_count": 3,
        "track_count": 4,
        "top_artist": "ZONE A0",
        "ad_spend_usd": "0.00",
        "as_of": ingested,
    }


def test_revenue_artist_api_resolves_aliases(alice_client: Any, ingested: str) -> None:
    # ZONE A0 arrives as `zone.a0`, `ZONE A0` and `Zone A0`: one artist, 6.946 in all.
    rows = alice_client.get("/api/revenue/artist").json()["results"]
    assert [(r["artist"], r["revenue_usd"], r["units"], r["line_count"]) for r in rows] == [
        ("ZONE A0", "6.946", 2800, 6),
        ("PIG1987", "2.12", 5300, 2),
        ("IWARY", "0.69", 100, 1),
    ]
