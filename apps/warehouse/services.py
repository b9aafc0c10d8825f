"""Warehouse services: load curated datasets, and the end-to-end ingest of a file
(landing -> raw -> staging -> curated -> warehouse), composed here as the most downstream app."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO

import pyarrow as pa
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.health.broadcast import broadcast_on_commit
from apps.lake.curated import MergeResult, curated_partitions, partition_labels
from apps.lake.models import FileStatus, LakeFile, Zone
from apps.lake.services import (
    lake_file_claim,
    lake_file_curate,
    lake_file_mark_loaded,
    lake_file_promote,
    lake_file_quarantine,
    lake_file_register,
    lake_file_stage,
    staged_tables,
)
from apps.warehouse.groups import warehouse_loads_group
from apps.warehouse.loaders import ALL_NEW_LOADERS, LOADERS
from apps.warehouse.models import WarehouseLoad
from apps.warehouse.rollup import revenue_rollup_batched, revenue_rollup_refresh
from apps.warehouse.validation import warehouse_validate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one file, as `ingest` and the upload page report it."""

    lake_file_id: int | None
    original_name: str
    result: str  # accepted | duplicate | rejected | queued
    reason: str
    source: str
    account: str
    rows_in: int | None
    rows_out: int | None
    rows_rejected: int | None


def _outcome(lake_file: LakeFile, *, is_duplicate: bool = False) -> IngestOutcome:
    if is_duplicate:
        result, reason = "duplicate", f"same bytes as file {lake_file.pk}"
    elif lake_file.status == FileStatus.LOADED:
        result, reason = "accepted", ""
    elif lake_file.status == FileStatus.QUARANTINED:
        result, reason = "rejected", lake_file.error
    else:
        result, reason = "queued", ""
    return IngestOutcome(
        lake_file_id=lake_file.pk,
        original_name=lake_file.original_name,
        result=result,
        reason=reason,
        source=lake_file.source,
        account=lake_file.account,
        rows_in=lake_file.rows_in,
        rows_out=lake_file.rows_out,
        rows_rejected=lake_file.rows_rejected,
    )


# Rows of curated partitions a dataset's all-new loader takes at once. Fewer, larger groups
# COPY faster (1M statement lines, COPY wall on a quiet server: 18 sorted partitions 9-10.5 s,
# 2 sorted groups 8 s, 1 group 5.2-7.4 s) but hold more in memory: 1M lines in one group took
# the ingest's peak RSS to 1.01 GB (300 MB of partitions, their frame, the COPY's pieces),
# in two groups it stays at the parse's peak (about 800 MB).
ALL_NEW_GROUP_ROWS = 600_000


def warehouse_partitions_load(*, dataset: str, partitions: list[str] | None) -> int:
    """Upsert curated partitions (all when None) of one dataset in one transaction, which ends
    with one revenue rollup rewrite of every sale month the partitions touched."""
    loader = LOADERS.get(dataset)
    if loader is None:
        return 0
    tables = curated_partitions(dataset, partitions)
    with revenue_rollup_batched():
        all_new_loader = ALL_NEW_LOADERS.get(dataset)
        if all_new_loader is None:
            return sum(loader(table) for table in tables)
        return sum(
            _load_group(group, loader, all_new_loader)
            for group in _partition_groups(tables, ALL_NEW_GROUP_ROWS)
        )


def _partition_groups(tables: Iterator[pa.Table], max_rows: int) -> Iterator[list[pa.Table]]:
    """Consecutive partitions, grouped up to `max_rows` rows (a larger partition alone). A
    group's tables are let go once it is loaded, before the next group is read."""
    group: list[pa.Table] = []
    rows = 0
    for table in tables:
        if group and rows + table.num_rows > max_rows:
            yield group
            group.clear()
            rows = 0
        group.append(table)
        rows += table.num_rows
    if group:
        yield group


def _load_group(
    group: list[pa.Table],
    loader: Callable[[pa.Table], int],
    all_new_loader: Callable[[Sequence[pa.Table]], int | None],
) -> int:
    """A group of partitions in one go when all its rows are new, else partition by partition
    (the loader then tells new partitions from ones that replace rows)."""
    loaded = all_new_loader(group)
    if loaded is not None:
        return loaded
    return sum(loader(table) for table in group)


def warehouse_load_record(
    *, datasets: list[str], lake_file_id: int | None, rows: int, started_at: datetime
) -> WarehouseLoad:
    """Record a finished load (its time is the new `as_of`) and announce it after commit."""
    with transaction.atomic():
        load = WarehouseLoad.objects.create(
            dataset=",".join(datasets),
            lake_file_id=lake_file_id,
            rows_upserted=rows,
            started_at=started_at,
            finished_at=timezone.now(),
        )
        broadcast_on_commit(
            warehouse_loads_group(),
            {
                "type": "load.finished",
                "as_of": load.finished_at.isoformat(),
                "load_id": load.pk,
                "datasets": datasets,
            },
        )
    return load


def warehouse_file_load(*, lake_file: LakeFile, merges: list[MergeResult]) -> None:
    """Load what a file changed in curated into the warehouse, then mark the file loaded."""
    started_at = timezone.now()
    started = time.monotonic()
    rows = sum(
        warehouse_partitions_load(dataset=merge.dataset, partitions=merge.partitions)
        for merge in merges
    )
    load = warehouse_load_record(
        datasets=[merge.dataset for merge in merges],
        lake_file_id=lake_file.pk,
        rows=rows,
        started_at=started_at,
    )
    _validation_enqueue(load)
    lake_file_mark_loaded(lake_file=lake_file, load_seconds=time.monotonic() - started)
    logger.info("warehouse_file_loaded file_id=%s rows=%s", lake_file.pk, rows)


def _merges_for_reload(tables: dict[str, pa.Table]) -> list[MergeResult]:
    """A resumed file whose curated merge already committed: reload the partitions it touched."""
    return [
        MergeResult(name, 0, partition_labels(name, table), 0, 0) for name, table in tables.items()
    ]


def lake_file_process(*, file_id: int) -> IngestOutcome:
    """Run a registered file through every remaining zone. Safe to call again at any point:
    each step checks the state it expects, so a redelivery resumes where the last one stopped."""
    with lake_file_claim(file_id) as claimed:
        lake_file = LakeFile.objects.get(pk=file_id)
        if not claimed:
            return _outcome(lake_file)
        _process_claimed(lake_file)
        lake_file.refresh_from_db()
        return _outcome(lake_file)


def _process_claimed(lake_file: LakeFile) -> None:
    if lake_file.zone == Zone.LANDING:
        lake_file_promote(lake_file=lake_file)
    if lake_file.error_code == "unrecognised":
        lake_file_quarantine(lake_file=lake_file, code="unrecognised", reason=lake_file.error)
        return
    merges: list[MergeResult] | None = None
    if lake_file.zone == Zone.RAW:
        merges = _stage_and_curate(lake_file)
    elif lake_file.zone == Zone.STAGING:
        merges = lake_file_curate(lake_file=lake_file, tables=staged_tables(lake_file))
    if merges is not None:
        warehouse_file_load(lake_file=lake_file, merges=merges)
    elif lake_file.status == FileStatus.CURATED:
        warehouse_file_load(
            lake_file=lake_file, merges=_merges_for_reload(staged_tables(lake_file))
        )


def _stage_and_curate(lake_file: LakeFile) -> list[MergeResult] | None:
    """Parse raw into staging, then merge the parsed rows into curated straight from memory;
    None when the file did not reach staging here (quarantined, or staged by another run).
    The parsed rows are dropped when this returns: the load reads curated back a group of
    partitions at a time, and held through it 1M statement lines would keep ~370 MB more
    (RSS here 674 MB with them, 305 MB without)."""
    merges = _curate_parsed(lake_file)
    # Arrow's allocator keeps freed memory for reuse; hand the parsed rows' back to the system
    # before the load, so the load's peak is not added on top of the parse's.
    pa.default_memory_pool().release_unused()
    return merges


def _curate_parsed(lake_file: LakeFile) -> list[MergeResult] | None:
    parsed = lake_file_stage(lake_file=lake_file)
    if parsed is None or lake_file.zone != Zone.STAGING:
        return None
    return lake_file_curate(lake_file=lake_file, tables=parsed.tables)


def _ingest_stream(
    *,
    stream: IO[bytes],
    original_name: str,
    source_id: str | None,
    account: str,
    run_async: bool,
    origin: str = "upload",
) -> IngestOutcome:
    registration = lake_file_register(
        stream=stream,
        original_name=original_name,
        source_id=source_id,
        account=account,
        origin=origin,
    )
    lake_file = registration.lake_file
    if registration.is_duplicate:
        return _outcome(lake_file, is_duplicate=True)
    if run_async:
        from apps.warehouse.tasks import lake_file_process_task

        transaction.on_commit(partial(lake_file_process_task.delay, file_id=lake_file.pk))
        # Outside a transaction the callback has already run (and, with eager Celery, finished).
        lake_file.refresh_from_db()
        return _outcome(lake_file)
    return lake_file_process(file_id=lake_file.pk)


def ingest_path(
    *,
    path: Path,
    source_id: str | None = None,
    account: str = "",
    original_name: str | None = None,
    run_async: bool = False,
    origin: str = "upload",
) -> IngestOutcome:
    """Ingest one local file (the `ingest` command). Extractors pass `origin` ("api" or
    "browser"): API data takes precedence over exports in curated (SPEC 3.5)."""
    with path.open("rb") as stream:
        return _ingest_stream(
            stream=stream,
            original_name=original_name or path.name,
            source_id=source_id,
            account=account,
            run_async=run_async,
            origin=origin,
        )


def ingest_upload(
    *,
    upload: UploadedFile,
    source_id: str | None = None,
    account: str = "",
    run_async: bool = False,
) -> IngestOutcome:
    """Ingest one uploaded file (the upload page and `POST /api/lake/upload`)."""
    upload.seek(0)
    return _ingest_stream(
        stream=upload,
        original_name=upload.name or "upload",
        source_id=source_id,
        account=account,
        run_async=run_async,
    )


def warehouse_rebuild() -> int:
    """Reload every warehouse table from curated; running it again changes nothing."""
    started_at = timezone.now()
    rows = sum(warehouse_partitions_load(dataset=name, partitions=None) for name in LOADERS)
    # Every month, including one whose lines no longer have a curated partition.
    revenue_rollup_refresh()
    load = warehouse_load_record(
        datasets=list(LOADERS), lake_file_id=None, rows=rows, started_at=started_at
    )
    warehouse_validate_safely(trigger="rebuild", load=load)
    return rows


def _validation_enqueue(load: WarehouseLoad) -> None:
    """Validate after the load commits, on a worker: the checks scan whole fact tables (about
    15 s at a million statement lines), which must not lengthen the ingest itself."""
    from apps.warehouse.tasks import warehouse_validate_task

    transaction.on_commit(partial(warehouse_validate_task.delay, trigger="load", load_id=load.pk))


def warehouse_validate_run(*, trigger: str, load_id: int | None) -> None:
    """The validation task's body: the report of one load (or of the warehouse as it is)."""
    load = WarehouseLoad.objects.filter(pk=load_id).first() if load_id else None
    warehouse_validate_safely(trigger=trigger, load=load)


def warehouse_validate_safely(*, trigger: str, load: WarehouseLoad | None) -> None:
    """Produce the validation report after a load. The load has already committed its facts:
    a report that cannot be produced is logged, never turned into a failed load."""
    try:
        # A savepoint, so a failed check cannot poison a caller's transaction.
        with transaction.atomic():
            warehouse_validate(trigger=trigger, load=load)
    except Exception as error:  # the report is advisory; the loaded facts stay valid
        logger.exception(
            "warehouse_validation_failed trigger=%s error=%s", trigger, type(error).__name__
        )


# A file untouched this long in an intermediate state (and not claimed) is taken up again.
STUCK_AFTER_S = 600


def lake_files_sweep() -> int:
    """Enqueue every file that stopped between landing and the warehouse (e.g. the broker was
    down when it arrived, or its worker died); the claim makes a double enqueue harmless."""
    from apps.warehouse.tasks import lake_file_process_task

    cutoff = timezone.now() - timedelta(seconds=STUCK_AFTER_S)
    stuck = LakeFile.objects.filter(
        status__in=[FileStatus.RECEIVED, FileStatus.STAGED, FileStatus.CURATED],
        updated_at__lt=cutoff,
    ).exclude(claimed_until__gt=timezone.now())
    file_ids = list(stuck.values_list("pk", flat=True)[:500])
    for file_id in file_ids:
        transaction.on_commit(partial(lake_file_process_task.delay, file_id=file_id))
    return len(file_ids)
