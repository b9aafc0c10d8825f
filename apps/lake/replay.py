"""Replay: rebuild a file's staging and curated contribution from its raw copy with the current
parser (SPEC 3.4). A replay that yields the same rows changes nothing, so running it twice is
harmless; one that yields different rows re-stages the file and hands it to the normal pipeline,
which merges it into curated and loads the warehouse.

The warehouse step is reached through the Celery task registered by the warehouse app, by name:
the lake never imports the warehouse (the app graph flows sources -> lake -> warehouse).
"""

from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from celery import Task, current_app
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.lake.curated import curated_remove_file_rows, natural_keys, partition_labels
from apps.lake.models import FileStatus, LakeFile, Zone
from apps.lake.services import (
    lake_file_claim,
    lake_file_parse,
    lake_file_quarantine,
    lake_file_stage_parsed,
    staged_tables,
)
from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.registry import CONNECTORS, connector_for

logger = logging.getLogger(__name__)

# The warehouse task that runs a staged file through curated into the warehouse.
PROCESS_TASK = "apps.warehouse.tasks.lake_file_process_task"
# Files that are finished (loaded) or stopped (quarantined); files in flight are the sweeper's.
REPLAYABLE = (FileStatus.LOADED, FileStatus.QUARANTINED)
# The warehouse function that deletes facts a replayed file no longer yields; named, not
# imported, for the same reason as PROCESS_TASK.
RETRACT_FUNCTION = "apps.warehouse.retract.warehouse_file_retract"


@dataclass(frozen=True)
class DatasetChange:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


@dataclass(frozen=True)
class ReplayOutcome:
    file_id: int
    # unchanged | changed | quarantined | busy | skipped
    result: str
    parser_version_from: str = ""
    parser_version_to: str = ""
    changes: dict[str, DatasetChange] = field(default_factory=dict)
    reason: str = ""
    # Warehouse rows deleted per fact model because the file no longer yields their keys.
    retracted: dict[str, int] = field(default_factory=dict)


def replay_candidates(*, source: str | None = None, file_id: int | None = None) -> QuerySet:
    """Files replay may rebuild: those with a raw copy and a known source, oldest first."""
    files = LakeFile.objects.filter(
        status__in=REPLAYABLE, source__in=list(CONNECTORS), raw_key__gt=""
    )
    if source:
        files = files.filter(source=source)
    if file_id is not None:
        files = files.filter(pk=file_id)
    return files.order_by("pk")


def _rows_by_key(dataset: str, table: pa.Table) -> dict[str, dict[str, object]]:
    keys = natural_keys(dataset, table).to_pylist()
    return dict(zip(keys, table.to_pylist(), strict=True))


def _dataset_change(dataset: str, old: pa.Table | None, new: pa.Table | None) -> DatasetChange:
    if old is not None and new is not None and old.equals(new):
        return DatasetChange()
    before = _rows_by_key(dataset, old) if old is not None else {}
    after = _rows_by_key(dataset, new) if new is not None else {}
    changed = sum(1 for key in before.keys() & after.keys() if before[key] != after[key])
    return DatasetChange(
        added=len(after.keys() - before.keys()),
        changed=changed,
        removed=len(before.keys() - after.keys()),
    )


def staged_changes(old: dict[str, pa.Table], new: dict[str, pa.Table]) -> dict[str, DatasetChange]:
    """Added, changed and removed keys per dataset between two parses of one file."""
    return {name: _dataset_change(name, old.get(name), new.get(name)) for name in old | new}


def _removed_rows(dataset: str, old: pa.Table, new: pa.Table | None) -> pa.Table:
    """The old rows whose keys the new parse no longer yields."""
    if new is None:
        return old
    old_keys = natural_keys(dataset, old)
    return old.filter(pc.invert(pc.is_in(old_keys, natural_keys(dataset, new))))


def _remove_gone_keys(
    file_id: int, old_tables: dict[str, pa.Table], new_tables: dict[str, pa.Table]
) -> dict[str, int]:
    """Drop the keys the new parse no longer yields from curated and from the warehouse, in one
    transaction: a crash leaves both as they were, and the next replay finds the same keys gone
    (the staged tables are only rewritten afterwards). Returns warehouse rows deleted per model."""
    with transaction.atomic():
        emptied = set()
        for dataset, old in old_tables.items():
            result = curated_remove_file_rows(
                dataset_name=dataset,
                table=_removed_rows(dataset, old, new_tables.get(dataset)),
                source_file_id=file_id,
            )
            if result.rows_added < 0:  # a removal reports its rows as negative additions
                emptied.add(dataset)
        if not emptied:
            return {}
        partitions = {name: partition_labels(name, table) for name, table in old_tables.items()}
        retract = import_string(RETRACT_FUNCTION)
        return dict(retract(file_id=file_id, datasets=emptied, partitions=partitions))


def _record(lake_file: LakeFile, outcome: ReplayOutcome) -> None:
    entry = {
        "at": timezone.now().isoformat(),
        "result": outcome.result,
        "parser_version_from": outcome.parser_version_from,
        "parser_version_to": outcome.parser_version_to,
        "datasets": {name: vars(change) for name, change in outcome.changes.items()},
        "warehouse_removed": outcome.retracted,
    }
    LakeFile.objects.filter(pk=lake_file.pk).update(replays=[*lake_file.replays, entry])


def _replay_claimed(lake_file: LakeFile) -> ReplayOutcome:
    started = time.monotonic()
    version_to = connector_for(lake_file.source).parser_version
    version_from = lake_file.parser_version
    was_quarantined = lake_file.status == FileStatus.QUARANTINED
    try:
        parsed, header = lake_file_parse(lake_file)
    except FileRejected as rejection:
        if was_quarantined and lake_file.error == rejection.message:
            return ReplayOutcome(lake_file.pk, "unchanged", version_from, version_to)
        # The rows it loaded earlier stay in curated; staff see why the new parser refused it.
        lake_file_quarantine(lake_file=lake_file, code=rejection.code, reason=rejection.message)
        return ReplayOutcome(
            lake_file.pk, "quarantined", version_from, version_to, reason=rejection.message
        )
    old_tables = {} if was_quarantined else staged_tables(lake_file)
    changes = staged_changes(old_tables, parsed.tables)
    same_rows = all(change.is_empty for change in changes.values())
    if same_rows and not was_quarantined:
        if version_from == version_to:
            return ReplayOutcome(lake_file.pk, "unchanged", version_from, version_to, changes)
        # Same rows under a newer parser: record the version, nothing to merge or load.
        lake_file_stage_parsed(
            lake_file=lake_file,
            parsed=parsed,
            header=header,
            started=started,
            from_zone=lake_file.zone,
        )
        # Back to where it was: its rows are already curated and loaded.
        LakeFile.objects.filter(pk=lake_file.pk).update(zone=Zone.CURATED, status=FileStatus.LOADED)
        outcome = ReplayOutcome(lake_file.pk, "unchanged", version_from, version_to, changes)
        _record(lake_file, outcome)
        return outcome
    retracted = _remove_gone_keys(lake_file.pk, old_tables, parsed.tables)
    lake_file_stage_parsed(
        lake_file=lake_file, parsed=parsed, header=header, started=started, from_zone=lake_file.zone
    )
    outcome = ReplayOutcome(
        lake_file.pk, "changed", version_from, version_to, changes, retracted=retracted
    )
    _record(lake_file, outcome)
    return outcome


def lake_file_replay(*, file_id: int) -> ReplayOutcome:
    """Re-parse one file from raw; when its rows changed, re-stage it for the pipeline."""
    with lake_file_claim(file_id) as claimed:
        lake_file = LakeFile.objects.get(pk=file_id)
        if not claimed:
            return ReplayOutcome(file_id, "busy", reason="another worker holds the file")
        if lake_file.status not in REPLAYABLE or not lake_file.raw_key:
            return ReplayOutcome(file_id, "skipped", reason=f"file is {lake_file.status}")
        outcome = _replay_claimed(lake_file)
    logger.info("lake_file_replayed file_id=%s result=%s", file_id, outcome.result)
    return outcome


def registered_task(name: str) -> Task:
    """A task by name; outside a worker its module is imported on first use (Celery discovers
    task modules lazily, at worker start)."""
    if name not in current_app.tasks:
        importlib.import_module(name.rsplit(".", 1)[0])
    return current_app.tasks[name]


def pipeline_resume(*, file_id: int, run_async: bool = False) -> None:
    """Run a staged file through curated into the warehouse with the warehouse's own task."""
    task = registered_task(PROCESS_TASK)
    if run_async:
        task.delay(file_id=file_id)
    else:
        task.apply(kwargs={"file_id": file_id}, throw=True)


def lake_replay(
    *, source: str | None = None, file_id: int | None = None, run_async: bool = False
) -> list[ReplayOutcome]:
    """Replay the chosen files; each changed one goes on through curated and the warehouse."""
    outcomes = []
    for candidate_id in replay_candidates(source=source, file_id=file_id).values_list(
        "pk", flat=True
    ):
        outcome = lake_file_replay(file_id=candidate_id)
        if outcome.result == "changed":
            pipeline_resume(file_id=candidate_id, run_async=run_async)
        outcomes.append(outcome)
    return outcomes


REPLAY_TASK = "apps.lake.tasks.lake_replay_task"


def lake_replay_enqueue(*, source: str | None = None, file_id: int | None = None) -> None:
    """Queue a replay of one file or a whole source (the lake page's buttons)."""
    task = registered_task(REPLAY_TASK)
    kwargs = {"source_id": source or "", "file_id": file_id}
    transaction.on_commit(lambda: task.delay(**kwargs))
