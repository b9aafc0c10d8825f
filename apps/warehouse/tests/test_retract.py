"""Retraction: facts a replayed file no longer yields leave the warehouse; facts a newer file
took over stay (a newer export covering fewer days never deletes older days)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from apps.lake.curated import curated_merge, curated_remove_file_rows, partition_labels
from apps.sources.datasets import DATASETS
from apps.warehouse.loaders import LOADERS
from apps.warehouse.models import LinkAnalyticsDaily
from apps.warehouse.retract import FACT_MODELS, warehouse_file_retract
from apps.warehouse.services import warehouse_partitions_load

pytestmark = pytest.mark.django_db

OLDER, NEWER = 101, 102
DATASET = "linktree_daily"


def _days(views: dict[int, int]) -> pa.Table:
    """Linktree days of January 2025 (day -> total views), typed like the parser's output."""
    return pa.table(
        {
            "account": ["bedrot"] * len(views),
            "date": [date(2025, 1, day) for day in views],
            "total_views": list(views.values()),
            "unique_views": [None] * len(views),
            "total_clicks": [1] * len(views),
            "unique_clicks": [None] * len(views),
            "click_through_rate": [None] * len(views),
        },
        schema=DATASETS[DATASET].schema,
    )


def _merge(file_id: int, views: dict[int, int], captured_day: int) -> None:
    curated_merge(
        dataset_name=DATASET,
        table=_days(views),
        source_file_id=file_id,
        captured_at=datetime(2025, 2, captured_day, tzinfo=UTC),
    )


def _warehouse() -> dict[int, tuple[int, int]]:
    """Day -> (views, source file) of the warehouse's Linktree days."""
    return {
        row.date.day: (row.views, row.source_file_id)
        for row in LinkAnalyticsDaily.objects.order_by("date")
    }


def test_every_loaded_dataset_with_file_lineage_has_its_fact_models() -> None:
    # meta_entities only updates campaigns (a dimension): the one dataset with nothing to retract
    assert set(LOADERS) - set(FACT_MODELS) == {"meta_entities"}


def test_retract_removes_only_the_facts_the_file_still_owns() -> None:
    # given an older export of days 1-3 and a newer one of days 2-4 (newer wins 2 and 3)
    _merge(OLDER, {1: 10, 2: 20, 3: 30}, captured_day=1)
    _merge(NEWER, {2: 22, 3: 33, 4: 44}, captured_day=2)
    warehouse_partitions_load(dataset=DATASET, partitions=None)
    assert _warehouse() == {1: (10, OLDER), 2: (22, NEWER), 3: (33, NEWER), 4: (44, NEWER)}

    # when a replay of the older export no longer yields days 1 and 3 (curated drops its own)
    old = _days({1: 10, 2: 20, 3: 30})
    curated_remove_file_rows(
        dataset_name=DATASET, table=_days({1: 10, 3: 30}), source_file_id=OLDER
    )
    removed = warehouse_file_retract(
        file_id=OLDER,
        datasets={DATASET},
        partitions={DATASET: partition_labels(DATASET, old)},
    )

    # then day 1 leaves the warehouse; day 3 belongs to the newer export and stays
    assert removed == {"warehouse.LinkAnalyticsDaily": 1}
    assert _warehouse() == {2: (22, NEWER), 3: (33, NEWER), 4: (44, NEWER)}

    # and retracting again, or for a dataset with no facts, changes nothing
    assert warehouse_file_retract(file_id=OLDER, datasets={DATASET}, partitions={}) == {}
    assert warehouse_file_retract(file_id=NEWER, datasets={"meta_entities"}, partitions={}) == {}
    assert _warehouse() == {2: (22, NEWER), 3: (33, NEWER), 4: (44, NEWER)}


def test_retract_keeps_the_facts_the_file_still_yields_in_other_partitions() -> None:
    # given one export with a day in January and one in February
    table = pa.concat_tables([_days({5: 50}), _days({6: 60})])
    table = table.set_column(1, "date", pa.array([date(2025, 1, 5), date(2025, 2, 6)], pa.date32()))
    curated_merge(
        dataset_name=DATASET,
        table=table,
        source_file_id=OLDER,
        captured_at=datetime(2025, 3, 1, tzinfo=UTC),
    )
    warehouse_partitions_load(dataset=DATASET, partitions=None)

    # when its replay drops the January day only
    curated_remove_file_rows(dataset_name=DATASET, table=table.slice(0, 1), source_file_id=OLDER)
    removed = warehouse_file_retract(
        file_id=OLDER, datasets={DATASET}, partitions={DATASET: partition_labels(DATASET, table)}
    )

    # then the February day is still there, still the file's
    assert removed == {"warehouse.LinkAnalyticsDaily": 1}
    assert [(row.date, row.source_file_id) for row in LinkAnalyticsDaily.objects.all()] == [
        (date(2025, 2, 6), OLDER)
    ]
