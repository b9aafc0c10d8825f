"""Build small curated tables (the exact schema the lake hands loaders) for loader tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from apps.lake.curated import LINEAGE_FIELDS, curated_schema
from apps.sources.datasets import DATASETS

CAPTURED_AT = datetime(2025, 6, 5, tzinfo=UTC)


def curated_table(dataset: str, rows: list[dict[str, object]], *, file_id: int = 7) -> pa.Table:
    """Rows of one curated dataset; columns left out are null, lineage is filled in."""
    spec = DATASETS[dataset]
    names = [f.name for f in spec.schema] + [f.name for f in LINEAGE_FIELDS]
    lineage = {"source_file_id": file_id, "captured_at": CAPTURED_AT}
    merged = [{**lineage, **row} for row in rows]
    return pa.table(
        {name: [row.get(name) for row in merged] for name in names},
        schema=curated_schema(spec),
    )
