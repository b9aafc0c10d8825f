"""Lake reads shared by the API and the pages."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.lake.models import FileStatus, LakeFile, RejectedRow


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
