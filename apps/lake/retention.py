"""Retention (SPEC 3.4): superseded curated versions and old staging versions move to the
archive zone; the archive, expired landing copies and untouched sandbox files are deleted by
age. Everything goes through the storage API, so local disk and S3 behave the same.

Quarantine is kept "90 days after resolution". A quarantined file is resolved when staff
dismiss it (a reprocessed file leaves quarantine and follows the landing rule). Only then does
its quarantine copy, the landing copy, go; its raw copy stays, so a replay after a parser fix
can still bring it in. A file nobody reviewed keeps every byte, however old: retention never
decides for staff that a refused file is worthless."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import File
from django.utils import timezone

from apps.lake.curated import manifest_read
from apps.lake.models import CuratedDataset, FileStatus, LakeFile, Zone
from apps.lake.storage import lake_storage

logger = logging.getLogger(__name__)

# Versions of a file's staging output, and of a curated partition in the archive, always kept.
KEEP_VERSIONS = 3
# A superseded curated object stays this long, so a reader that took the previous manifest
# just before a swap can still finish reading it.
SUPERSEDED_GRACE = timedelta(hours=1)
_VERSION = re.compile(r"v(\d+)")
# Noted in the lineage timings once a file's landing copy is gone, so it is not looked at again.
LANDING_CLEARED = "landing_cleared_at"


@dataclass
class RetentionReport:
    archived: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "archived": len(self.archived),
            "deleted": len(self.deleted),
            "archived_keys": self.archived[:200],
            "deleted_keys": self.deleted[:200],
        }


def walk(prefix: str) -> Iterator[str]:
    """Every object key under a prefix (depth first); nothing when the prefix does not exist."""
    storage = lake_storage()
    try:
        folders, names = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in names:
        yield f"{prefix}/{name}"
    for folder in folders:
        yield from walk(f"{prefix}/{folder}")


def _modified(key: str) -> datetime:
    return lake_storage().get_modified_time(key)


def move_to_archive(key: str) -> str:
    """Copy an object to `archive/<its key>` (atomic write), then delete the original."""
    storage = lake_storage()
    archive_key = f"archive/{key}"
    with storage.open(key, "rb") as handle:
        storage.save(archive_key, File(handle))
    storage.delete(key)
    return archive_key


def _curated_referenced(dataset: CuratedDataset) -> set[str]:
    return {dataset.manifest_key, *manifest_read(dataset).values()}


def archive_superseded_curated(*, now: datetime, report: RetentionReport) -> None:
    """Partition files and manifests no current manifest names move to the archive."""
    for dataset in CuratedDataset.objects.exclude(manifest_key=""):
        referenced = _curated_referenced(dataset)
        for key in list(walk(f"curated/{dataset.name}")):
            if key in referenced or now - _modified(key) < SUPERSEDED_GRACE:
                continue
            report.archived.append(move_to_archive(key))


def _version_number(folder: str) -> int:
    match = _VERSION.fullmatch(folder)
    return int(match.group(1)) if match else -1


def archive_old_staging(*, now: datetime, report: RetentionReport) -> None:
    """A file's staging versions beyond its newest three, and older than the policy, move to
    the archive; the version the lineage row names is always kept."""
    cutoff = now - timedelta(days=settings.LAKE_RETENTION_STAGING_DAYS)
    storage = lake_storage()
    # Only replayed files have more than one staging version.
    for lake_file in LakeFile.objects.exclude(replays=[]).exclude(staging_key=""):
        parent = lake_file.staging_key.rsplit("/", 1)[0]
        try:
            versions, _ = storage.listdir(parent)
        except FileNotFoundError:
            continue
        ordered = sorted(versions, key=_version_number, reverse=True)
        for folder in ordered[KEEP_VERSIONS:]:
            prefix = f"{parent}/{folder}"
            if prefix == lake_file.staging_key:
                continue
            keys = list(walk(prefix))
            if keys and all(_modified(key) < cutoff for key in keys):
                report.archived.extend(move_to_archive(key) for key in keys)


def delete_expired_landing(*, now: datetime, report: RetentionReport) -> None:
    """Landing copies of files promoted more than the policy's days ago (raw keeps the bytes)."""
    cutoff = now - timedelta(days=settings.LAKE_RETENTION_LANDING_DAYS)
    storage = lake_storage()
    promoted = LakeFile.objects.filter(
        status__in=[FileStatus.LOADED, FileStatus.CURATED, FileStatus.STAGED],
        updated_at__lt=cutoff,
        raw_key__gt="",
    ).exclude(timings__has_key=LANDING_CLEARED)
    for lake_file in promoted.iterator():
        if storage.exists(lake_file.landing_key):
            storage.delete(lake_file.landing_key)
            report.deleted.append(lake_file.landing_key)
        timings = {**lake_file.timings, LANDING_CLEARED: now.isoformat()}
        LakeFile.objects.filter(pk=lake_file.pk).update(timings=timings)


def delete_dismissed_quarantine(*, now: datetime, report: RetentionReport) -> None:
    """Landing copies of quarantined files dismissed more than the policy's days ago, when raw
    holds the same bytes; an undismissed file is never selected."""
    cutoff = now - timedelta(days=settings.LAKE_RETENTION_QUARANTINE_DAYS)
    storage = lake_storage()
    dismissed = LakeFile.objects.filter(
        status=FileStatus.QUARANTINED, dismissed_at__lt=cutoff, raw_key__gt=""
    ).exclude(timings__has_key=LANDING_CLEARED)
    for lake_file in dismissed.iterator():
        if not storage.exists(lake_file.raw_key):
            # The sweeper alerts on a row without its file; the landing copy is the last one.
            continue
        if storage.exists(lake_file.landing_key):
            storage.delete(lake_file.landing_key)
            report.deleted.append(lake_file.landing_key)
        timings = {**lake_file.timings, LANDING_CLEARED: now.isoformat()}
        LakeFile.objects.filter(pk=lake_file.pk).update(timings=timings)


def purge_archive(*, now: datetime, report: RetentionReport) -> None:
    """Archive objects past the policy's days, keeping the newest three of each folder."""
    cutoff = now - timedelta(days=settings.LAKE_RETENTION_ARCHIVE_DAYS)
    by_folder: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for key in walk("archive"):
        by_folder[key.rsplit("/", 1)[0]].append((_modified(key), key))
    for entries in by_folder.values():
        entries.sort(reverse=True)
        for modified, key in entries[KEEP_VERSIONS:]:
            if modified < cutoff:
                lake_storage().delete(key)
                report.deleted.append(key)


def purge_sandbox(*, now: datetime, report: RetentionReport) -> None:
    """Sandbox files untouched for the policy's days (the pipeline never reads the sandbox)."""
    cutoff = now - timedelta(days=settings.LAKE_RETENTION_SANDBOX_DAYS)
    for key in list(walk(Zone.SANDBOX)):
        if _modified(key) < cutoff:
            lake_storage().delete(key)
            report.deleted.append(key)


def lake_retention_apply(*, now: datetime | None = None) -> RetentionReport:
    """Apply the whole retention policy once; returns every key archived or deleted."""
    now = now or timezone.now()
    report = RetentionReport()
    archive_superseded_curated(now=now, report=report)
    archive_old_staging(now=now, report=report)
    delete_expired_landing(now=now, report=report)
    delete_dismissed_quarantine(now=now, report=report)
    purge_archive(now=now, report=report)
    purge_sandbox(now=now, report=report)
    logger.info(
        "lake_retention_applied archived=%s deleted=%s", len(report.archived), len(report.deleted)
    )
    return report
