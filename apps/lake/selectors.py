"""Lake reads shared by the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet

from apps.lake.curated import manifest_read, partition_read
from apps.lake.models import CuratedDataset, FileStatus, LakeFile, RejectedRow


def lake_file_list(*, source: str | None = None, status: str | None = None) -> QuerySet[LakeFile]:
    """Every received file, newest first (duplicates are never stored, so never listed)."""
    files = LakeFile.objects.exclude(status=FileStatus.DUPLICATE)
    if source:
        files = files.filter(source=source)
    if status:
        files = files.filter(status=status)
    return files.order_by("-created_at", "-id")


def rejected_row_list(*, file_id: int) -> QuerySet[RejectedRow]:
    return RejectedRow.objects.filter(lake_file_id=file_id).order_by("row_number", "column")


def lake_file_browse(
    *, source: str = "", zone: str = "", status: str = "", limit: int = 200
) -> QuerySet[LakeFile]:
    """The lake page's file list: every kept file, filtered, newest first."""
    files = LakeFile.objects.exclude(status=FileStatus.DUPLICATE)
    if source:
        files = files.filter(source=source)
    if zone:
        files = files.filter(zone=zone)
    if status:
        files = files.filter(status=status)
    return files.order_by("-created_at", "-id")[:limit]


@dataclass(frozen=True)
class ZoneCounts:
    source: str
    counts: dict[str, int]
    total: int


def files_by_source_and_zone() -> list[ZoneCounts]:
    """How many files each source has in each zone (the page's overview matrix)."""
    cells: dict[str, dict[str, int]] = {}
    rows = (
        LakeFile.objects.exclude(status=FileStatus.DUPLICATE)
        .values_list("source", "zone")
        .annotate(files=Count("id"))
    )
    for source, zone, files in rows:
        cells.setdefault(source, {})[zone] = files
    return [
        ZoneCounts(source, counts, sum(counts.values())) for source, counts in sorted(cells.items())
    ]


@dataclass(frozen=True)
class DatasetSummary:
    name: str
    version: int
    partitions: int
    updated_at: datetime


def curated_dataset_list() -> list[DatasetSummary]:
    return [
        DatasetSummary(
            name=dataset.name,
            version=dataset.version,
            partitions=len(manifest_read(dataset)),
            updated_at=dataset.updated_at,
        )
        for dataset in CuratedDataset.objects.exclude(manifest_key="").order_by("name")
    ]


@dataclass(frozen=True)
class DatasetPreview:
    name: str
    version: int
    columns: list[str]
    rows: list[list[object]]


def curated_dataset_preview(*, name: str, rows: int = 100) -> DatasetPreview | None:
    """The first `rows` rows of a dataset's current version, newest partition first."""
    dataset = CuratedDataset.objects.filter(name=name).exclude(manifest_key="").first()
    if dataset is None:
        return None
    partitions = manifest_read(dataset)
    columns: list[str] = []
    preview: list[list[object]] = []
    for label in sorted(partitions, reverse=True):
        if len(preview) >= rows:
            break
        table = partition_read(partitions[label])
        columns = columns or table.column_names
        chunk = table.slice(0, rows - len(preview)).to_pylist()
        preview.extend([row.get(column) for column in columns] for row in chunk)
    return DatasetPreview(dataset.name, dataset.version, columns, preview)
