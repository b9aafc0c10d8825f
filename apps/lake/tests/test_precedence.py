"""Curated precedence for a key seen again (SPEC 3.5): API beats export, then the newer capture,
and a replay of the same file (same capture) replaces its own older output."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from apps.lake.curated import curated_merge, curated_partitions
from apps.lake.models import FileOrigin, LakeFile
from apps.sources.datasets import DATASETS

pytestmark = pytest.mark.django_db

JUNE_1 = datetime(2025, 6, 1, tzinfo=UTC)
JUNE_9 = datetime(2025, 6, 9, tzinfo=UTC)


def _file(origin: str, number: int) -> LakeFile:
    return LakeFile.objects.create(
        source="metaads",
        original_name=f"f{number}",
        landing_key=f"landing/x/{number}",
        sha256=f"{number:064d}",
        size_bytes=1,
        origin=origin,
    )


def _spend_rows(spend: str) -> pa.Table:
    """One meta_ads_daily row for 2025-05-20, campaign c1, with the given spend."""
    schema = DATASETS["meta_ads_daily"].schema
    row: dict[str, object] = {"date": date(2025, 5, 20), "campaign_key": "c1"}
    row.update(adset_id="", ad_id="")
    row["spend"] = Decimal(spend)
    columns = {field.name: [row.get(field.name)] for field in schema}
    return pa.table(columns, schema=schema)


def _merge(lake_file: LakeFile, spend: str, captured_at: datetime) -> None:
    curated_merge(
        dataset_name="meta_ads_daily",
        table=_spend_rows(spend),
        source_file_id=lake_file.pk,
        captured_at=captured_at,
        origin=lake_file.origin,
    )


def _curated_spend() -> list[tuple[str, int]]:
    rows = [row for table in curated_partitions("meta_ads_daily") for row in table.to_pylist()]
    return [(f"{row['spend']:.2f}", row["source_file_id"]) for row in rows]


def test_api_data_is_kept_when_a_newer_export_repeats_the_key() -> None:
    # given the day loaded from the Marketing API (captured June 1)
    api_file = _file(FileOrigin.API, 1)
    _merge(api_file, "41.27", JUNE_1)

    # when an Ads Manager export captured later repeats it with a different spend
    _merge(_file(FileOrigin.UPLOAD, 2), "40.00", JUNE_9)

    # then the API's figure stays
    assert _curated_spend() == [("41.27", api_file.pk)]


def test_api_data_replaces_an_export_even_when_captured_earlier() -> None:
    # given the day from an export captured June 9
    _merge(_file(FileOrigin.UPLOAD, 1), "40.00", JUNE_9)

    # when API data captured June 1 arrives for the same key
    api_file = _file(FileOrigin.API, 2)
    _merge(api_file, "41.27", JUNE_1)

    # then the API wins
    assert _curated_spend() == [("41.27", api_file.pk)]


def test_among_exports_the_newer_capture_wins_whatever_the_arrival_order() -> None:
    # given the newer export first
    newer = _file(FileOrigin.UPLOAD, 1)
    _merge(newer, "40.00", JUNE_9)

    # when an older export arrives afterwards
    _merge(_file(FileOrigin.BROWSER, 2), "35.00", JUNE_1)

    # then the newer capture's value stays
    assert _curated_spend() == [("40.00", newer.pk)]


def test_a_replay_of_the_same_file_replaces_its_own_rows() -> None:
    # given a file's row under parser v1
    lake_file = _file(FileOrigin.UPLOAD, 1)
    _merge(lake_file, "40.00", JUNE_9)

    # when the same file (same capture) is merged again under parser v2 with another value
    _merge(lake_file, "40.50", JUNE_9)

    # then the replayed value replaces the old one, once
    assert _curated_spend() == [("40.50", lake_file.pk)]


def test_ingest_records_the_origin_an_api_extractor_gives() -> None:
    from pathlib import Path

    from apps.warehouse.services import ingest_path

    fixtures = Path(__file__).resolve().parents[2] / "warehouse" / "tests" / "fixtures"
    outcome = ingest_path(path=fixtures / "dk_current_small.tsv", origin=FileOrigin.API)
    assert LakeFile.objects.get(pk=outcome.lake_file_id).origin == "api"
