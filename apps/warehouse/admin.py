from __future__ import annotations

from django.contrib import admin

from apps.warehouse.models import (
    Artist,
    ArtistAlias,
    Correction,
    Distributor,
    Platform,
    StatementLine,
    StoreMapping,
    Territory,
    Track,
    WarehouseLoad,
)


class ArtistAliasInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ArtistAlias
    extra = 1


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "status")
    search_fields = ("name", "aliases__alias")
    inlines = [ArtistAliasInline]


@admin.register(ArtistAlias)
class ArtistAliasAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("alias", "source", "artist")
    list_select_related = ("artist",)
    search_fields = ("alias", "artist__name")


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "isrc", "upc", "artist", "auto_created")
    list_filter = ("auto_created", "artist")
    list_select_related = ("artist",)
    search_fields = ("title", "isrc", "upc")


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "is_reviewed")
    list_filter = ("is_reviewed",)


@admin.register(StoreMapping)
class StoreMappingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("store", "platform", "is_reviewed")
    list_filter = ("is_reviewed", "platform")
    list_select_related = ("platform",)
    search_fields = ("store",)


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Distributor)
class DistributorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name")


@admin.register(StatementLine)
class StatementLineAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "reporting_date",
        "sale_month",
        "store",
        "platform",
        "artist",
        "title",
        "quantity",
        "earnings_usd",
    )
    list_filter = ("distributor", "platform", "sale_month")
    list_select_related = ("platform", "artist")
    search_fields = ("title", "isrc", "artist_name")
    show_full_result_count = False
    raw_id_fields = ("track", "artist", "territory", "platform")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(WarehouseLoad)
class WarehouseLoadAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "dataset", "lake_file_id", "rows_upserted", "started_at", "finished_at")


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "user", "action", "old_value", "new_value", "rows_affected")
