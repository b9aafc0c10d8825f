from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from django.db.models import Sum

from apps.lake.curated import LINEAGE_FIELDS, curated_schema
from apps.sources.datasets import STATEMENT_LINES
from apps.warehouse.loaders import statement_lines_load
from apps.warehouse.models import Platform, StatementLine, StoreMapping, Track

pytestmark = pytest.mark.django_db


def _curated(rows: list[dict[str, object]]) -> pa.Table:
    base = {
        "distributor": "distrokid",
        "occurrence": 1,
        "schema_id": "dk_current_15",
        "reporting_date": date(2025, 6, 3),
        "sale_month": date(2025, 4, 1),
        "quantity": 10,
        "country_code": "US",
        "isrc": "",
        "upc": "",
        "title": "Track",
        "line_number": 2,
        "source_file_id": 7,
        "captured_at": datetime(2025, 6, 5, tzinfo=UTC),
    }
    names = [f.name for f in STATEMENT_LINES.schema] + [f.name for f in LINEAGE_FIELDS]
    merged = [{**base, **row} for row in rows]
    return pa.table(
        {n: [r.get(n) for r in merged] for n in names}, schema=curated_schema(STATEMENT_LINES)
    )


ROWS = [
    {
        "line_fingerprint": "f1",
        "store": "Spotify",
        "artist_name": "zone.a0",
        "isrc": "QZABC2500001",
        "title": "Café Nocturne",
        "earnings_usd": Decimal("0.024000000000"),
    },
    {
        "line_fingerprint": "f2",
        "store": "Amazon Prime (streaming)",
        "artist_name": "PIG1987",
        "earnings_usd": Decimal("0.081000000000"),
    },
    {
        "line_fingerprint": "f3",
        "store": "LUNA",
        "artist_name": "Somebody Else",
        "earnings_usd": Decimal("-0.010000000000"),
        "country_code": "OU",
    },
]


def test_statement_lines_load_resolves_every_dimension_through_the_mappings() -> None:
    statement_lines_load(_curated(ROWS))
    lines = {
        line.line_fingerprint: line
        for line in StatementLine.objects.select_related("platform", "artist", "track", "territory")
    }
    assert (lines["f1"].platform.name, lines["f1"].artist.name, lines["f1"].track.title) == (
        "Spotify",
        "ZONE A0",
        "Café Nocturne",
    )
    assert (lines["f2"].platform.name, lines["f2"].artist.name, lines["f2"].track) == (
        "Amazon",
        "PIG1987",
        None,
    )
    # an unknown store becomes its own unreviewed platform, never Spotify
    assert (lines["f3"].platform.name, lines["f3"].platform.is_reviewed) == ("LUNA", False)
    assert StoreMapping.objects.get(store="luna").is_reviewed is False
    assert (lines["f3"].artist, lines["f3"].territory.code) == (None, "OU")
    assert Track.objects.get(isrc="QZABC2500001").auto_created is True
    assert StatementLine.objects.aggregate(total=Sum("earnings_usd"))["total"] == Decimal("0.095")


def test_statement_lines_load_twice_changes_nothing() -> None:
    statement_lines_load(_curated(ROWS))
    before = list(StatementLine.objects.order_by("pk").values())
    statement_lines_load(_curated(ROWS))
    assert list(StatementLine.objects.order_by("pk").values()) == before
    assert (StatementLine.objects.count(), Platform.objects.filter(name="LUNA").count()) == (3, 1)


def test_statement_lines_load_applies_a_restated_amount() -> None:
    statement_lines_load(_curated(ROWS))
    statement_lines_load(_curated([{**ROWS[0], "earnings_usd": Decimal("0.030000000000")}]))
    assert StatementLine.objects.get(line_fingerprint="f1").earnings_usd == Decimal("0.03")
    assert StatementLine.objects.count() == 3


def test_statement_lines_load_scopes_artist_aliases_to_the_line_distributor() -> None:
    # given an alias valid for TooLost lines only
    from apps.warehouse.models import Artist, ArtistAlias

    iwary = Artist.objects.get(name="IWARY")
    ArtistAlias.objects.create(alias="I.W.A.R.Y.", source="toolost", artist=iwary)
    rows = [
        {
            "line_fingerprint": "t1",
            "distributor": "toolost",
            "store": "Spotify",
            "artist_name": "I.W.A.R.Y.",
            "earnings_usd": Decimal("1.500000000000"),
        },
        {
            "line_fingerprint": "d1",
            "distributor": "distrokid",
            "store": "Spotify",
            "artist_name": "I.W.A.R.Y.",
            "earnings_usd": Decimal("2.000000000000"),
        },
    ]
    # when both distributors' lines load
    statement_lines_load(_curated(rows))
    # then only the TooLost line resolves; the DistroKid one waits for review
    found = dict(StatementLine.objects.values_list("distributor__code", "artist__name"))
    assert found == {"toolost": "IWARY", "distrokid": None}


def test_statement_lines_load_matches_a_line_without_isrc_by_artist_and_title() -> None:
    from apps.warehouse.models import Artist, TrackAlias

    zone = Artist.objects.get(name="ZONE A0")
    scale = Track.objects.create(title="The Scale", artist=zone)
    TrackAlias.objects.create(alias="The Scale (Radio Edit)", track=scale)
    rows = [
        {
            "line_fingerprint": "a",
            "store": "Spotify",
            "artist_name": "Zone A0",
            "title": "THE SCALE",
            "earnings_usd": Decimal("1"),
        },
        {
            "line_fingerprint": "b",
            "store": "Spotify",
            "artist_name": "Zone A0",
            "title": "The Scale (Radio Edit)",
            "earnings_usd": Decimal("1"),
        },
        {
            "line_fingerprint": "c",
            "store": "Spotify",
            "artist_name": "PIG1987",
            "title": "The Scale",
            "earnings_usd": Decimal("1"),
        },
    ]
    statement_lines_load(_curated(rows))
    found = dict(StatementLine.objects.values_list("line_fingerprint", "track_id"))
    assert found == {"a": scale.pk, "b": scale.pk, "c": None}


def test_statement_lines_load_mixes_new_lines_with_restated_ones() -> None:
    # given two loaded lines; when a partition brings one of them restated and one new line
    statement_lines_load(_curated(ROWS[:2]))
    first = StatementLine.objects.get(line_fingerprint="f1")
    statement_lines_load(_curated([{**ROWS[1], "earnings_usd": Decimal("0.1")}, ROWS[2]]))
    # then the new line is added, the restated one updated and the other left as it was
    amounts = dict(StatementLine.objects.values_list("line_fingerprint", "earnings_usd"))
    assert amounts == {"f1": Decimal("0.024"), "f2": Decimal("0.1"), "f3": Decimal("-0.01")}
    assert StatementLine.objects.get(line_fingerprint="f1").pk == first.pk
