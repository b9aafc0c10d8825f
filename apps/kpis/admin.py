"""Admin for the editable KPI data: goal targets, alert thresholds, settings, stored alerts."""

from __future__ import annotations

from django.contrib import admin

from apps.kpis.models import Alert, AlertRule, Goal, KpiSetting


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "target", "is_active")
    list_editable = ("target", "is_active")


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "threshold", "is_enabled")
    list_editable = ("threshold", "is_enabled")


@admin.register(KpiSetting)
class KpiSettingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "value")
    list_editable = ("value",)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("type", "subject", "period", "severity", "created_at", "acknowledged_at")
    list_filter = ("type", "severity")
    readonly_fields = ("created_at", "updated_at", "acknowledged_at", "acknowledged_by")
