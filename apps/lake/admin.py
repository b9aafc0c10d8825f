from __future__ import annotations

from django.contrib import admin

from apps.lake.models import CuratedDataset, LakeFile, RejectedRow


class RejectedRowInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RejectedRow
    extra = 0
    can_delete = False
    readonly_fields = ("row_number", "column", "code", "message", "raw_line")
    max_num = 0


@admin.register(LakeFile)
class LakeFileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "source",
        "account",
        "original_name",
        "zone",
        "status",
        "rows_in",
        "rows_out",
        "rows_rejected",
        "created_at",
    )
    list_filter = ("source", "zone", "status")
    search_fields = ("original_name", "sha256")
    readonly_fields = [f.name for f in LakeFile._meta.fields]
    inlines = [RejectedRowInline]


@admin.register(CuratedDataset)
class CuratedDatasetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "version", "updated_at")
    readonly_fields = ("name", "manifest_key", "version", "lease_until", "lease_owner")
