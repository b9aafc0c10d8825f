from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from apps.health.errors import InvalidInputError
from apps.warehouse import corrections
from apps.warehouse.models import (
    Account,
    Ad,
    AdSet,
    Artist,
    ArtistAlias,
    AudienceBreakdown,
    Campaign,
    Correction,
    Distributor,
    EmailCampaign,
    Expense,
    FxRate,
    Platform,
    Release,
    StatementLine,
    StoreMapping,
    Submission,
    Territory,
    Track,
    TrackSplit,
    ValidationReport,
    WarehouseLoad,
)


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "is_reviewed")
    list_filter = ("is_reviewed",)


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

    # Lines are what the statements say: staff correct the mappings (artist, track, store),
    # never a line, so every figure stays traceable to its file.
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(WarehouseLoad)
class WarehouseLoadAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "dataset", "lake_file_id", "rows_upserted", "started_at", "finished_at")


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "user", "action", "old_value", "new_value", "rows_affected")


# --- corrections from the admin: every save goes through apps.warehouse.corrections, so the
# facts are re-pointed and the change is audited exactly as from the review queue ---------------


class ArtistTargetForm(ActionForm):
    target_artist = forms.ModelChoiceField(queryset=Artist.objects.all(), required=False)


class TrackTargetForm(ActionForm):
    target_track = forms.ModelChoiceField(queryset=Track.objects.all(), required=False)


@admin.action(description="Merge selected artists into the target artist")
def merge_artists_into_target(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Artist],  # type: ignore[type-arg]
) -> None:
    target = ArtistTargetForm(request.POST).data.get("target_artist")
    winner = Artist.objects.filter(pk=target).first() if target else None
    if winner is None:
        modeladmin.message_user(request, "Choose a target artist.", messages.ERROR)
        return
    moved = 0
    for loser in queryset.exclude(pk=winner.pk):
        moved += corrections.artist_merge(
            loser=loser, winner=winner, user=request.user
        ).rows_affected
    modeladmin.message_user(request, f"Merged into {winner}: {moved} rows re-pointed.")


@admin.action(description="Merge selected tracks into the target track")
def merge_tracks_into_target(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Track],  # type: ignore[type-arg]
) -> None:
    target = TrackTargetForm(request.POST).data.get("target_track")
    winner = Track.objects.filter(pk=target).first() if target else None
    if winner is None:
        modeladmin.message_user(request, "Choose a target track.", messages.ERROR)
        return
    moved = 0
    for loser in queryset.exclude(pk=winner.pk):
        moved += corrections.track_merge(
            loser=loser, winner=winner, user=request.user
        ).rows_affected
    modeladmin.message_user(request, f"Merged into {winner}: {moved} rows re-pointed.")


class RecordedDeleteMixin:
    """Deleting an artist or a track un-assigns its facts: done as a recorded correction, so
    the rollups and every cached KPI follow at once."""

    def delete_model(self, request: HttpRequest, obj: Artist | Track) -> None:
        corrections.records_delete(records=[obj], user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        corrections.records_delete(records=list(queryset), user=request.user)


@admin.register(Artist)
class ArtistAdmin(RecordedDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "status")
    search_fields = ("name", "aliases__alias")
    action_form = ArtistTargetForm
    actions = [merge_artists_into_target]


@admin.register(ArtistAlias)
class ArtistAliasAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Adding or changing an alias re-points the statement lines that carry it."""

    list_display = ("alias", "source", "artist")
    list_select_related = ("artist",)
    search_fields = ("alias", "artist__name")

    def save_model(self, request: HttpRequest, obj: ArtistAlias, form: Any, change: bool) -> None:
        if change:
            # An edited alias replaces the old spelling rather than adding a second row.
            ArtistAlias.objects.filter(pk=obj.pk).delete()
        corrections.artist_alias_add(
            alias=obj.alias, artist=obj.artist, source=obj.source, user=request.user
        )


class TrackSplitFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Splits are saved through `track_splits_set`: shares in effect must total 100."""

    def split_inputs(self) -> list[corrections.SplitInput]:
        return [
            corrections.SplitInput(
                party=form.cleaned_data["party"],
                share=form.cleaned_data["share"],
                effective_from=form.cleaned_data["effective_from"],
                effective_to=form.cleaned_data.get("effective_to"),
                flat_fee_usd=form.cleaned_data.get("flat_fee_usd") or 0,
                is_label=form.cleaned_data.get("is_label", False),
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        super().clean()
        splits = self.split_inputs()
        if splits:
            try:
                corrections._check_splits(splits)
            except InvalidInputError as error:
                raise forms.ValidationError(error.field_errors["splits"]) from error


class TrackSplitInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TrackSplit
    formset = TrackSplitFormSet
    extra = 1


@admin.register(Track)
class TrackAdmin(RecordedDeleteMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "isrc", "upc", "artist", "auto_created")
    list_filter = ("auto_created", "artist")
    list_select_related = ("artist",)
    search_fields = ("title", "isrc", "upc")
    inlines = [TrackSplitInline]
    action_form = TrackTargetForm
    actions = [merge_tracks_into_target]

    def save_model(self, request: HttpRequest, obj: Track, form: Any, change: bool) -> None:
        new_isrc = obj.isrc
        if change and "isrc" in form.changed_data and new_isrc:
            obj.isrc = Track.objects.get(pk=obj.pk).isrc
            super().save_model(request, obj, form, change)
            corrections.track_isrc_attach(track=obj, isrc=new_isrc, user=request.user)
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if not isinstance(formset, TrackSplitFormSet) or not formset.has_changed():
            super().save_formset(request, form, formset, change)
            return
        corrections.track_splits_set(
            track=form.instance, splits=formset.split_inputs(), user=request.user
        )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(StoreMapping)
class StoreMappingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Saving a mapping re-points the store's statement lines to the chosen platform."""

    list_display = ("store", "platform", "is_reviewed")
    list_filter = ("is_reviewed", "platform")
    list_select_related = ("platform",)
    search_fields = ("store",)

    def save_model(self, request: HttpRequest, obj: StoreMapping, form: Any, change: bool) -> None:
        corrections.store_platform_map(store=obj.store, platform=obj.platform, user=request.user)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("source", "slug", "artist")
    list_filter = ("source",)
    list_select_related = ("artist",)

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        if change and "artist" in form.changed_data and obj.artist is not None:
            corrections.account_artist_set(account=obj, artist=obj.artist, user=request.user)
            return
        super().save_model(request, obj, form, change)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The parse is read-only; the override fields win over it and survive every reload."""

    list_display = ("name", "external_id", "artist", "track", "targeting", "parse_status")
    list_filter = ("parse_status",)
    list_select_related = ("artist", "track")
    search_fields = ("name", "external_id")
    readonly_fields = (
        "ad_account",
        "external_id",
        "name",
        "artist",
        "track",
        "targeting",
        "parse_status",
        "parse_notes",
        "objective",
        "status",
        "effective_status",
        "daily_budget_usd",
        "lifetime_budget_usd",
        "first_spend_on",
        "last_spend_on",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # campaigns come from Meta data only

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        corrections.campaign_override_set(
            campaign=obj,
            artist=obj.override_artist,
            track=obj.override_track,
            targeting=obj.override_targeting,
            user=request.user,
        )


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("currency", "month", "usd_per_unit")

    def save_model(self, request: HttpRequest, obj: FxRate, form: Any, change: bool) -> None:
        corrections.fx_rate_set(
            currency=obj.currency, month=obj.month, usd_per_unit=obj.usd_per_unit, user=request.user
        )


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "upc", "artist", "release_date", "release_type")
    filter_horizontal = ("tracks",)


@admin.register(AdSet)
class AdSetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "external_id", "campaign", "status", "daily_budget_usd")
    search_fields = ("name", "external_id")


@admin.register(Ad)
class AdAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "external_id", "adset", "campaign", "status")
    search_fields = ("name", "external_id")


@admin.register(Expense)
class ExpenseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("date", "category", "description", "amount_usd", "origin")
    list_filter = ("category", "origin")


@admin.register(EmailCampaign)
class EmailCampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "send_time", "emails_sent", "open_rate", "artist", "release")
    fields = ("artist", "release")


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("submitted_on", "artist_name", "track_title", "outlet", "status", "cost_usd")
    list_filter = ("status",)


@admin.register(AudienceBreakdown)
class AudienceBreakdownAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("source", "account", "captured_on", "dimension", "bucket", "share")
    list_filter = ("source", "dimension")


@admin.register(ValidationReport)
class ValidationReportAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "trigger", "has_failures")
    readonly_fields = ("created_at", "trigger", "load", "has_failures", "summary")
