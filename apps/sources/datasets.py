"""Curated dataset schemas: the typed columns parsers produce and the lake stores (SPEC.md 3.5)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from apps.sources.datasets_audience import audience_datasets
from apps.sources.datasets_channels import channel_datasets
from apps.sources.datasets_meta import meta_datasets
from apps.sources.datasets_social import social_datasets
from apps.sources.datasets_streams import stream_datasets

# Exact money: statement amounts keep up to 12 decimal places.
MONEY = pa.decimal128(24, 12)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    schema: pa.Schema
    natural_key: tuple[str, ...]
    # Column whose month names the partition file, so a promotion rewrites only what it touches.
    partition_column: str


STATEMENT_LINES = DatasetSpec(
    name="statement_lines",
    schema=pa.schema(
        [
            ("distributor", pa.string()),
            ("line_fingerprint", pa.string()),
            ("occurrence", pa.int32()),
            ("schema_id", pa.string()),
            ("date_inserted", pa.date32()),
            ("reporting_date", pa.date32()),
            ("accounting_date", pa.date32()),
            ("sale_month", pa.date32()),
            ("store", pa.string()),
            ("artist_name", pa.string()),
            ("title", pa.string()),
            ("isrc", pa.string()),
            ("upc", pa.string()),
            ("quantity", pa.int64()),
            ("team_percentage", pa.int32()),
            ("source_type", pa.string()),
            ("country_code", pa.string()),
            ("songwriter_withheld_usd", MONEY),
            ("earnings_usd", MONEY),
            ("recoup_usd", MONEY),
            ("original_currency", pa.string()),
            ("line_number", pa.int64()),
        ]
    ),
    natural_key=("distributor", "line_fingerprint", "occurrence"),
    partition_column="sale_month",
)

DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        STATEMENT_LINES,
        *audience_datasets(),
        *stream_datasets(),
        *social_datasets(),
        *meta_datasets(),
        *channel_datasets(),
    )
}
