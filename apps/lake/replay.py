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

from apps.lake.curated import (
    curated_merge,
    curated_partitions,
    curated_remove_file_rows,
    file_ranks,
    natural_keys,
    partition_labels,
)
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
# Files whose staged rows stand in curated: a key a replay drops comes back from one of them.
# A quarantined file is left out: its current parse is refused, so its old rows are not trusted.
RESTORE_FROM = (FileStatus.CURATED, FileStatus.LOADED)
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
    # Curated rows per dataset brought back from other files for keys this file dropped.
    restored: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Removal:
    """What dropping a replayed file's gone keys did: warehouse rows deleted per fact model,
    curated rows restored from other files per dataset."""

    retracted: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)


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


def _missing_keys(dataset: str, gone: pa.Table) -> set[str]:
    """The gone keys that no row of curated holds any more."""
    missing = set(natural_keys(dataset, gone).to_pylist())
    for table in curated_partitions(dataset, partition_labels(dataset, gone)):
        missing -= set(natural_keys(dataset, table).to_pylist())
    return missing


def _restore_candidates(lake_file: LakeFile) -> list[LakeFile]:
    """The source's other files whose rows stand in curated, the precedence winner first
    (SPEC 3.5: API data, then the newer capture, then the later arrival)."""
    files = list(
        LakeFile.objects.filter(source=lake_file.source, status__in=RESTORE_FROM)
        .exclude(pk=lake_file.pk)
        .exclude(staging_key="")
    )
    ranks = file_ranks([other.pk for other in files])
    return sorted(
        files,
        key=lambda other: (ranks.get(other.pk, 0), other.captured_at or other.created_at, other.pk),
        reverse=True,
    )


def _restore_from_other_files(lake_file: LakeFile, dataset: str, gone: pa.Table) -> int:
    """A key the replayed file no longer yields, that an older file still yields, takes that
    file's value again (the one the precedence picks among all that yield it), as a rebuild of
    curated from every file would give; without this the older value was lost with the key.
    Returns the curated rows restored."""
    missing = _missing_keys(dataset, gone)
    restored = 0
    for other in _restore_candidates(lake_file):
        if not missing:
            break
        table = staged_tables(other).get(dataset)
        if table is None:
            continue
        wanted = pc.is_in(natural_keys(dataset, table), pa.array(sorted(missing), pa.string()))
        rows = table.filter(wanted)
        if not rows.num_rows:
            continue
        curated_merge(
            dataset_name=dataset,
            table=rows,
            source_file_id=other.pk,
            captured_at=other.captured_at or other.created_at,
            origin=other.origin,
        )
        missing -= set(natural_keys(dataset, rows).to_pylist())
        restored += rows.num_rows
    return restored


def _remove_gone_keys(
    lake_file: LakeFile, old_tables: dict[str, pa.Table], new_tables: dict[str, pa.Table]
) -> Removal:
    """Drop the keys the new parse no longer yields from curated, restore those another file
    still yields, and retract the rest from the warehouse, in one transaction: a crash leaves
    both as they were, and the next replay finds the same keys gone (the staged tables are only
    rewritten afterwards)."""
    with transaction.atomic():
        emptied = set()
        restored: dict[str, int] = {}
        for dataset, old in old_tables.items():
            gone = _removed_rows(dataset, old, new_tables.get(dataset))
            result = curated_remove_file_rows(
                dataset_name=dataset, table=gone, source_file_id=lake_file.pk
            )
            if result.rows_added < 0:  # a removal reports its rows as negative additions
                emptied.add(dataset)
                restored[dataset] = _restore_from_other_files(lake_file, dataset, gone)
        if not emptied:
            return Removal()
        # The reload inside the retraction puts the restored values into the warehouse too.
        partitions = {name: partition_labels(name, table) for name, table in old_tables.items()}
        retract = import_string(RETRACT_FUNCTION)
        retracted = dict(retract(file_id=lake_file.pk, datasets=emptied, partitions=partitions))
    return Removal(retracted, {name: rows for name, rows in restored.items() if rows})


def _record(lake_file: LakeFile, outcome: ReplayOutcome) -> None:
    entry = {
        "at": timezone.now().isoformat(),
        "result": outcome.result,
        "parser_version_from": outcome.parser_version_from,
        "parser_version_to": outcome.parser_version_to,
        "datasets": {name: vars(change) for name, change in outcome.changes.items()},
        "warehouse_removed": outcome.retracted,
        "curated_restored": outcome.restored,
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
    removal = _remove_gone_keys(lake_file, old_tables, parsed.tables)
    lake_file_stage_parsed(
        lake_file=lake_file, parsed=parsed, header=header, started=started, from_zone=lake_file.zone
    )
    outcome = ReplayOutcome(
        lake_file.pk,
        "changed",
        version_from,
        version_to,
        changes,
        retracted=removal.retracted,
        restored=removal.restored,
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
