"""The landing sweeper (SPEC 3.2): files dropped into the drop folder are registered in landing,
and the lake is reconciled with its lineage rows after a crash. The processing itself is the
warehouse's task, started by name (the lake does not import the warehouse)."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.health.errors import BedrotError
from apps.lake.models import FileOrigin, FileStatus, LakeFile, Zone
from apps.lake.replay import PROCESS_TASK, registered_task
from apps.lake.retention import walk
from apps.lake.services import lake_file_register
from apps.lake.storage import lake_storage

logger = logging.getLogger(__name__)

DONE_FOLDER = ".done"
REJECTED_FOLDER = ".rejected"
# A dropped file still being written must not be taken: it must have been quiet this long.
SETTLE_S = 30
# Leftover temp files (a killed write) older than this are removed.
TEMP_MAX_AGE = timedelta(hours=1)
TEMP_PREFIXES = (".tmp-",)
WORK_PREFIXES = ("incoming-", "raw-")


@dataclass
class DropSweep:
    registered: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def _settled_files(folder: Path, now: float) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and not path.is_symlink()
        and not path.name.startswith(".")
        and now - path.stat().st_mtime >= SETTLE_S
    )


def _set_aside(path: Path, folder_name: str) -> None:
    """Move a handled file out of the way, never overwriting an earlier one of the same name."""
    target_dir = path.parent / folder_name
    target_dir.mkdir(mode=0o700, exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{path.stem}.{int(time.time())}{path.suffix}"
    shutil.move(str(path), target)


def _enqueue_processing(file_id: int) -> None:
    task = registered_task(PROCESS_TASK)
    transaction.on_commit(lambda: task.delay(file_id=file_id))


def lake_drop_folder_sweep(*, folder: Path | None = None) -> DropSweep:
    """Register every settled file of the drop folder in landing and queue it for processing;
    the source is detected from content, exactly as for an upload."""
    folder = Path(folder or settings.LAKE_DROP_DIR)
    result = DropSweep()
    for path in _settled_files(folder, time.time()):
        try:
            with path.open("rb") as stream:
                registration = lake_file_register(
                    stream=stream, original_name=path.name, origin=FileOrigin.DROP
                )
        except BedrotError as error:
            logger.warning("lake_drop_rejected name=%s code=%s", path.name, error.code)
            _set_aside(path, REJECTED_FOLDER)
            result.rejected.append(path.name)
            continue
        _set_aside(path, DONE_FOLDER)
        if registration.is_duplicate:
            result.duplicates.append(registration.lake_file.pk)
            continue
        _enqueue_processing(registration.lake_file.pk)
        result.registered.append(registration.lake_file.pk)
    if result.registered or result.rejected:
        logger.info(
            "lake_drop_swept registered=%s duplicates=%s rejected=%s",
            len(result.registered),
            len(result.duplicates),
            len(result.rejected),
        )
    return result


@dataclass
class Reconciliation:
    temp_deleted: list[str] = field(default_factory=list)
    landing_adopted: list[int] = field(default_factory=list)
    rows_missing_file: list[int] = field(default_factory=list)


def _is_old(modified: datetime, now: datetime) -> bool:
    return now - modified > TEMP_MAX_AGE


def _is_local(storage: object) -> bool:
    try:
        storage.path("")  # type: ignore[attr-defined]
    except (AttributeError, NotImplementedError):
        return False
    return True


def _delete_stale_temp_files(now: datetime, result: Reconciliation) -> None:
    storage = lake_storage()
    # Object storage has no temp files: a PUT is complete or absent.
    local_keys = (
        [*walk("landing"), *walk("raw"), *walk("staging"), *walk("curated"), *walk("archive")]
        if _is_local(storage)
        else []
    )
    for key in local_keys:
        name = key.rsplit("/", 1)[-1]
        if name.startswith(TEMP_PREFIXES) and _is_old(storage.get_modified_time(key), now):
            storage.delete(key)
            result.temp_deleted.append(key)
    work_dir = Path(settings.LAKE_WORK_DIR)
    if work_dir.is_dir():
        for path in work_dir.iterdir():
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=now.tzinfo)
            if path.is_file() and path.name.startswith(WORK_PREFIXES) and _is_old(modified, now):
                path.unlink(missing_ok=True)
                result.temp_deleted.append(f"work/{path.name}")


def _adopt_orphan_landing(now: datetime, result: Reconciliation) -> None:
    """A landing object without a lineage row (the worker died between the write and the row):
    register it again from its own bytes, then drop the orphan copy."""
    storage = lake_storage()
    for key in list(walk("landing")):
        name = key.rsplit("/", 1)[-1]
        if name.startswith(TEMP_PREFIXES) or not _is_old(storage.get_modified_time(key), now):
            continue
        if LakeFile.objects.filter(landing_key=key).exists():
            continue
        parts = key.split("/")
        source = parts[1] if len(parts) > 1 and parts[1] != "_unrecognised" else None
        account = parts[2] if len(parts) > 2 and parts[2] != "_" else ""
        with storage.open(key, "rb") as stream:
            registration = lake_file_register(
                stream=stream, original_name=name, source_id=source, account=account
            )
        storage.delete(key)
        if not registration.is_duplicate:
            _enqueue_processing(registration.lake_file.pk)
            result.landing_adopted.append(registration.lake_file.pk)


def _report_rows_missing_files(result: Reconciliation) -> None:
    """A file in flight whose object is gone cannot resume: say so loudly."""
    storage = lake_storage()
    in_flight = LakeFile.objects.filter(status=FileStatus.RECEIVED)
    for lake_file in in_flight.iterator():
        key = lake_file.landing_key if lake_file.zone == Zone.LANDING else lake_file.raw_key
        if key and not storage.exists(key):
            result.rows_missing_file.append(lake_file.pk)
            logger.error(
                "lake_file_object_missing file_id=%s zone=%s", lake_file.pk, lake_file.zone
            )


def lake_reconcile(*, now: datetime | None = None) -> Reconciliation:
    """Reconcile storage with the lineage rows: temp files deleted, orphan landing objects
    registered, rows whose object is missing reported. Stuck rows are re-enqueued by the
    warehouse's own sweep (`lake_files_sweep`)."""
    now = now or timezone.now()
    result = Reconciliation()
    _delete_stale_temp_files(now, result)
    _adopt_orphan_landing(now, result)
    _report_rows_missing_files(result)
    return result
